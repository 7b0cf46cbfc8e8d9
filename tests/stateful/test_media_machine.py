"""A plain model of the media library beside the real libops, on memory, SQLite and PostgreSQL.

Hypothesis gives random sequences of media commands (allowed and refused, by actors with and
without the roles, with good and bad values) to both, and submits a post using a random
asset for review. After every step the invariants check that the stored assets equal the
model, that refused commands recorded nothing, and that the licence findings of a
submission are what the model expects for that asset on the day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from libops import Actor, LibOps, Platform, PostVariant, Role
from libops.adapters.clock import ManualClock
from libops.domain.errors import (
    InvalidValueError,
    LicenceTermsError,
    MediaWithdrawnError,
    PermissionDeniedError,
)
from libops.domain.media import Licence, MediaStatus, asset_reference
from libops.domain.values import FindingKind
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, PLANNER_ADMIN, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai

MAKERS = frozenset({Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN})
ACTORS = [PLANNER, ADMIN, PLANNER_ADMIN, REVIEWER, TECH, OWNER, AUDITOR]
TITLES = ["Reading room", "  阅览室  ", "", "  "]
REASONS = ["complaint", "", "  "]
EXPIRIES = [None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=30)]
PLATFORM_SETS: list[tuple[Platform, ...]] = [(), (Platform.WEIBO,), (Platform.WECHAT,)]
# (kind, holder, cc id): the last two are refused (LicenceTermsError).
TERMS = [
    ("purchased", "Visual China", None),
    ("creative_commons", "Shanghai-Lib", "CC BY 4.0"),
    ("public_domain", None, None),
    ("own_work", "the library", None),
    ("creative_commons", "Shanghai-Lib", None),
    ("permission", None, None),
]


def _may(actor: Actor) -> bool:
    return bool(actor.roles & MAKERS)


def _mostly(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(good * 3 + bad)


actors = _mostly([a for a in ACTORS if _may(a)], ACTORS)
titles = _mostly([t for t in TITLES if t.strip()], [t for t in TITLES if not t.strip()])
reasons = _mostly([r for r in REASONS if r.strip()], [r for r in REASONS if not r.strip()])
terms = _mostly(TERMS[:4], TERMS[4:])
expiries = st.sampled_from(EXPIRIES)
platform_sets = st.sampled_from(PLATFORM_SETS)


@attrs.define
class ModelAsset:
    """What the model expects an asset to be."""

    title: str
    licence: Licence
    status: MediaStatus = MediaStatus.ACTIVE
    reason: str | None = None
    events: int = 1


class MediaMachine(RuleBasedStateMachine):
    """Media commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]

    assets = Bundle("assets")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[UUID, ModelAsset] = {}
        self.posts = 0  # events of the posts drafted and submitted here
        self.baseline = count_events(self.ops)

    def _give(self, expected: type[Exception] | None, command: Callable[[], object]) -> object:
        return give(self.ops, expected, command)

    @staticmethod
    def _licence(
        term: tuple[str, str | None, str | None],
        expires: date | None,
        platforms: tuple[Platform, ...],
    ) -> Licence | None:
        kind, holder, cc_id = term
        try:
            return Licence(
                kind=kind, holder=holder, cc_id=cc_id, expires_on=expires, platforms=platforms
            )
        except LicenceTermsError:
            return None

    @rule(
        target=assets,
        actor=actors,
        title=titles,
        term=terms,
        expires=expiries,
        platforms=platform_sets,
    )
    def register(
        self,
        actor: Actor,
        title: str,
        term: tuple[str, str | None, str | None],
        expires: date | None,
        platforms: tuple[Platform, ...],
    ) -> Any:
        licence = self._licence(term, expires, platforms)
        if licence is None:
            return multiple()  # the terms were refused before any command
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif not title.strip():
            expected = InvalidValueError
        asset_id = self._give(
            expected,
            lambda: self.ops.media.register(
                actor,
                title=title,
                kind="image",
                source="stock",
                content_ref="sha256:00",
                licence=licence,
            ),
        )
        if expected is not None:
            return multiple()
        assert isinstance(asset_id, UUID)
        self.model[asset_id] = ModelAsset(title.strip(), licence)
        return asset_id

    @rule(
        asset_id=assets,
        actor=actors,
        term=terms,
        expires=expiries,
        platforms=platform_sets,
    )
    def update_licence(
        self,
        asset_id: UUID,
        actor: Actor,
        term: tuple[str, str | None, str | None],
        expires: date | None,
        platforms: tuple[Platform, ...],
    ) -> None:
        licence = self._licence(term, expires, platforms)
        if licence is None:
            return
        asset = self.model[asset_id]
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif asset.status is MediaStatus.WITHDRAWN:
            expected = MediaWithdrawnError
        self._give(expected, lambda: self.ops.media.update_licence(actor, asset_id, licence))
        if expected is None:
            asset.licence = licence
            asset.events += 1

    @rule(asset_id=assets, actor=actors, reason=reasons)
    def withdraw(self, asset_id: UUID, actor: Actor, reason: str) -> None:
        asset = self.model[asset_id]
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif asset.status is MediaStatus.WITHDRAWN:
            expected = MediaWithdrawnError
        elif not reason.strip():
            expected = InvalidValueError
        self._give(expected, lambda: self.ops.media.withdraw(actor, asset_id, reason))
        if expected is None:
            asset.status, asset.reason = MediaStatus.WITHDRAWN, reason.strip()
            asset.events += 1

    @rule(asset_id=assets, platform=st.sampled_from([Platform.WEIBO, Platform.WECHAT]))
    def submit_a_post_using(self, asset_id: UUID, platform: Platform) -> None:
        asset = self.model[asset_id]
        post = self.ops.posts.draft(
            PLANNER,
            title="Book Day",
            body="Come and read.",
            content_type="news",
            format="image_text",
            variants=[PostVariant(platform, "Come", media=(asset_reference(asset_id),))],
        )
        found = self.ops.posts.submit_for_review(PLANNER, post)
        self.posts += 2
        expected = []
        if asset.status is MediaStatus.WITHDRAWN:
            expected.append(FindingKind.MEDIA_WITHDRAWN)
        else:
            if asset.licence.expires_on is not None and asset.licence.expires_on < TODAY:
                expected.append(FindingKind.LICENCE_EXPIRED)
            if asset.licence.platforms and platform not in asset.licence.platforms:
                expected.append(FindingKind.LICENCE_PLATFORM)
        media = [f.kind for f in found if f.kind is not FindingKind.SIMILAR_POST]
        assert media == expected

    @invariant()
    def events_counted(self) -> None:
        recorded = count_events(self.ops) - self.baseline
        assert recorded == sum(a.events for a in self.model.values()) + self.posts

    @invariant()
    def stored_assets_equal_the_model(self) -> None:
        for asset_id, expected in self.model.items():
            stored = self.ops.media.get(asset_id)
            actual = ModelAsset(
                title=stored.title,
                licence=stored.licence,
                status=stored.status,
                reason=stored.withdraw_reason,
                events=stored.version,
            )
            assert actual == expected


def test_media_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored assets equal to the plain model."""
    with machine_store.opened(clock=ManualClock(NOW)) as ops:
        run_machine(MediaMachine, machine_store, ops=ops)
