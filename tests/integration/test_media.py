"""The media library: assets and licences, and the licence check at review and scheduling,
on memory, SQLite and PostgreSQL (the ``ops`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from uuid import UUID, uuid4

import pytest

from libops import Actor, LibOps, Platform, PostVariant, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import (
    InvalidValueError,
    LicenceTermsError,
    MediaLicenceError,
    MediaWithdrawnError,
    PermissionDeniedError,
    UnknownIdError,
)
from libops.domain.media import Licence, LicenceKind, MediaKind, MediaStatus, asset_reference
from libops.domain.values import Finding, FindingKind
from libops.projections.media import expiring_assets
from tests.actors import ADMIN, AUDITOR, PLANNER, REVIEWER, TECH
from tests.helpers import refused

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
TODAY = date(2026, 3, 1)


def _licence(**terms: object) -> Licence:
    base: dict[str, object] = {"kind": "purchased", "holder": "Visual China", "reference": "VC-1"}
    base.update(terms)
    return Licence(**base)  # type: ignore[arg-type]


def _asset(ops: LibOps, title: str = "Reading room", **terms: object) -> UUID:
    return ops.media.register(
        PLANNER,
        title=title,
        kind="image",
        source="Visual China stock",
        content_ref="sha256:" + "ab" * 32,
        licence=_licence(**terms),
    )


def _post(ops: LibOps, *media: str, variant_media: tuple[str, ...] = ()) -> UUID:
    return ops.posts.draft(
        PLANNER,
        title="World Book Day",
        body="Come and read with us.",
        content_type="news",
        format="image_text",
        variants=[
            PostVariant(Platform.WEIBO, "Come and read", media=variant_media),
            PostVariant(Platform.WECHAT, "Come and read with us", media=("cover.jpg",)),
        ],
        media=media,
    )


def test_register_update_and_withdraw(ops: LibOps) -> None:
    asset_id = _asset(ops, expires_on=date(2026, 6, 30), platforms=["weibo"])
    asset = ops.media.get(asset_id)
    assert asset.kind is MediaKind.IMAGE
    assert asset.status is MediaStatus.ACTIVE
    assert asset.licence.kind is LicenceKind.PURCHASED
    assert asset.licence.expires_on == date(2026, 6, 30)
    assert asset.licence.platforms == (Platform.WEIBO,)
    assert asset.reference == f"asset:{asset_id}"

    ops.media.update_licence(ADMIN, asset_id, _licence(expires_on="2027-06-30"))
    assert ops.media.get(asset_id).licence.expires_on == date(2027, 6, 30)
    assert ops.media.get(asset_id).licence.platforms == ()

    ops.media.withdraw(ADMIN, asset_id, "the photographer objected")
    asset = ops.media.get(asset_id)
    assert asset.status is MediaStatus.WITHDRAWN
    assert asset.withdraw_reason == "the photographer objected"
    assert [a.id for a in ops.media.list("withdrawn")] == [asset_id]
    assert ops.media.list("active") == ()


def test_bad_inputs_record_nothing(ops: LibOps) -> None:
    asset_id = _asset(ops)
    cc = {"kind": "creative_commons", "holder": "Wikimedia user X"}
    with pytest.raises(LicenceTermsError):
        Licence(**cc)
    with pytest.raises(LicenceTermsError):
        _licence(cc_id="CC BY 4.0")
    with pytest.raises(LicenceTermsError):
        Licence(kind="own_work")
    with pytest.raises(InvalidValueError):
        _licence(kind="stolen")
    with pytest.raises(InvalidValueError):
        _licence(expires_on="next year")
    with pytest.raises(InvalidValueError):
        _licence(platforms=["myspace"])
    assert Licence(kind="public_domain").holder is None

    def register(actor: Actor = PLANNER, **changes: object) -> object:
        fields: dict[str, object] = {
            "title": "x",
            "kind": "image",
            "source": "s",
            "content_ref": "sha256:1",
            "licence": _licence(),
        }
        fields.update(changes)
        return ops.media.register(actor, **fields)  # type: ignore[arg-type]

    refused(ops, InvalidValueError, lambda: register(title="  "))
    refused(ops, InvalidValueError, lambda: register(kind="hologram"))
    refused(ops, InvalidValueError, lambda: register(content_ref=""))
    refused(ops, InvalidValueError, lambda: register(licence="CC BY"))
    refused(ops, InvalidValueError, lambda: ops.media.withdraw(ADMIN, asset_id, "  "))
    for actor in (REVIEWER, TECH, AUDITOR):
        refused(ops, PermissionDeniedError, partial(register, actor))
        refused(ops, PermissionDeniedError, partial(ops.media.withdraw, actor, asset_id, "no"))
    refused(ops, UnknownIdError, lambda: ops.media.withdraw(ADMIN, uuid4(), "gone"))
    ops.media.withdraw(ADMIN, asset_id, "gone")
    refused(ops, MediaWithdrawnError, lambda: ops.media.withdraw(ADMIN, asset_id, "again"))
    refused(
        ops, MediaWithdrawnError, lambda: ops.media.update_licence(PLANNER, asset_id, _licence())
    )


def _kinds(findings: tuple[Finding, ...]) -> list[tuple[FindingKind, str, str]]:
    return [(f.kind, f.where, f.excerpt) for f in findings]


def test_licence_findings_at_submission(ops: LibOps, clock: ManualClock) -> None:
    good = _asset(ops, "Good")
    expired = _asset(ops, "Expired", expires_on=TODAY - timedelta(days=1))
    weibo_only = _asset(ops, "Weibo only", platforms=["weibo"])
    withdrawn = _asset(ops, "Withdrawn")
    ops.media.withdraw(ADMIN, withdrawn, "complaint")
    unknown = uuid4()
    post_id = _post(
        ops,
        asset_reference(good),
        asset_reference(expired),
        asset_reference(weibo_only),  # the post's media go on WeChat too
        asset_reference(withdrawn),
        asset_reference(unknown),
        "cover.jpg",  # not an asset: not checked
        variant_media=("asset:not-a-uuid",),
    )
    findings = ops.posts.submit_for_review(PLANNER, post_id)
    assert _kinds(findings) == [
        (FindingKind.LICENCE_EXPIRED, f"media:{expired}", "expired 2026-02-28"),
        (FindingKind.LICENCE_PLATFORM, f"media:{weibo_only}", "not licensed for wechat"),
        (FindingKind.MEDIA_WITHDRAWN, f"media:{withdrawn}", "complaint"),
        (FindingKind.MEDIA_UNKNOWN, f"media:{unknown}", "no such asset"),
        (FindingKind.MEDIA_UNKNOWN, "media:asset:not-a-uuid", "no such asset"),
    ]
    assert ops.posts.get(post_id).findings == findings
    error = refused(
        ops, MediaLicenceError, lambda: ops.posts.review(REVIEWER, post_id, CHECKED, approve=True)
    )
    assert len(error.findings) == 5
    # The licence check never hides who may review: a planner is refused for the role.
    refused(
        ops,
        PermissionDeniedError,
        lambda: ops.posts.review(PLANNER, post_id, CHECKED, approve=True),
    )
    # Changes may still be requested.
    ops.posts.review(REVIEWER, post_id, CHECKED, approve=False, comments="swap the media")


def test_variant_media_are_checked_on_their_platform_only(ops: LibOps) -> None:
    weibo_only = _asset(ops, platforms=["weibo"])
    post_id = _post(ops, variant_media=(asset_reference(weibo_only),))
    assert ops.posts.submit_for_review(PLANNER, post_id) == ()
    ops.posts.review(REVIEWER, post_id, CHECKED, approve=True)


def test_fixed_licence_lets_approval_through(ops: LibOps) -> None:
    asset_id = _asset(ops, platforms=["weibo"])
    post_id = _post(ops, asset_reference(asset_id))
    assert [f.kind for f in ops.posts.submit_for_review(PLANNER, post_id)] == [
        FindingKind.LICENCE_PLATFORM
    ]
    refused(
        ops, MediaLicenceError, lambda: ops.posts.review(REVIEWER, post_id, CHECKED, approve=True)
    )
    ops.media.update_licence(ADMIN, asset_id, _licence(platforms=["weibo", "wechat"]))
    ops.posts.review(REVIEWER, post_id, CHECKED, approve=True)
    assert ops.posts.get(post_id).status.value == "approved"


def test_licence_expiring_before_approval_or_the_publish_day(
    ops: LibOps, clock: ManualClock
) -> None:
    asset_id = _asset(ops, expires_on=TODAY + timedelta(days=2))
    post_id = _post(ops, asset_reference(asset_id))
    assert ops.posts.submit_for_review(PLANNER, post_id) == ()
    clock.advance(timedelta(days=3))  # the licence expired while the post waited for review
    error = refused(
        ops, MediaLicenceError, lambda: ops.posts.review(REVIEWER, post_id, CHECKED, approve=True)
    )
    assert "licence_expired" in str(error)
    ops.media.update_licence(ADMIN, asset_id, _licence(expires_on=TODAY + timedelta(days=10)))
    ops.posts.review(REVIEWER, post_id, CHECKED, approve=True)
    # Scheduled after the licence's last day: refused; on its last day: booked.
    late = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)  # 10:00 on 12 March in Shanghai
    refused(ops, MediaLicenceError, lambda: ops.posts.schedule(ADMIN, post_id, "weibo", late))
    ops.posts.schedule(ADMIN, post_id, "weibo", datetime(2026, 3, 11, 2, 0, tzinfo=UTC))


def test_expiring_list(ops: LibOps) -> None:
    soon = _asset(ops, "Soon", expires_on=TODAY + timedelta(days=20))
    _asset(ops, "Later", expires_on=TODAY + timedelta(days=40))
    _asset(ops, "Never")
    gone = _asset(ops, "Gone", expires_on=TODAY - timedelta(days=1))
    assert [a.id for a in ops.media.expiring()] == [gone, soon]
    assert [a.id for a in ops.media.expiring(within_days=60)][-1] != soon


@pytest.fixture
def weibo_ops(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo]) as opened:
        yield opened


def test_media_view_counts_posts_publishes_findings_and_expiry(weibo_ops: LibOps) -> None:
    ops = weibo_ops
    photo = _asset(ops, "Photo", expires_on=TODAY + timedelta(days=20))
    track = _asset(ops, "Track", platforms=["wechat"])
    used = ops.posts.draft(
        PLANNER,
        title="Book Day",
        body="Books for everyone.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Books", media=(asset_reference(photo),))],
    )
    ops.posts.submit_for_review(PLANNER, used)
    ops.posts.review(REVIEWER, used, CHECKED, approve=True)
    ops.publishing.publish(ADMIN, used, "weibo")
    # A second post uses the track on Weibo (not licensed there), then swaps it for the photo.
    swapped = ops.posts.draft(
        PLANNER,
        title="Night reading",
        body="Read late with us.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Late", media=(asset_reference(track),))],
    )
    assert [f.kind for f in ops.posts.submit_for_review(PLANNER, swapped)] == [
        FindingKind.LICENCE_PLATFORM
    ]
    ops.posts.review(REVIEWER, swapped, CHECKED, approve=False, comments="swap the track")
    ops.posts.revise(
        PLANNER,
        swapped,
        variants=[PostVariant("weibo", "Late", media=(asset_reference(photo),))],
    )
    ops.projections.run()

    photo_use = ops.media.usage(photo)
    assert photo_use.posts == (used, swapped)
    assert photo_use.publishes == 1
    assert photo_use.findings == ()
    assert photo_use.expires_on == TODAY + timedelta(days=20)
    track_use = ops.media.usage(str(track))
    assert track_use.posts == ()
    assert track_use.publishes == 0
    assert track_use.findings == (("2026-03-01", "licence_platform"),)
    assert [a for a, _ in expiring_assets(ops.projections.view("media"), TODAY)] == [str(photo)]
    assert expiring_assets(ops.projections.view("media"), TODAY, within_days=10) == []
    with pytest.raises(UnknownIdError):
        ops.media.usage(uuid4())
