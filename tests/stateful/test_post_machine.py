"""A state machine for posts: a plain model beside the real LibOps, on every kind of store.

Mastodon has a gateway that can take posts down (told at times to fail the next take-down,
for a while or for good); Weibo and WeChat have none, so retracting a post live there gives
staff a take-down task. A post is never retracted while it is live anywhere.

Every step gives one command through PostService (or, for publishing, through the aggregate
with a direct save, as the publishing service does) and the same command to an in-memory copy
of the post. The model predicts each outcome: the new state, or the specific error and that
nothing was recorded. After every step the invariants compare the model, the in-memory copy
and a fresh reload from the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from libops import (
    Actor,
    CadencePolicy,
    Finding,
    FindingKind,
    MetricOutcome,
    MetricSnapshot,
    Period,
    Platform,
    PlatformStatus,
    Post,
    PostStatus,
    PostVariant,
    PublishReceipt,
    ReviewChecklist,
)
from libops.adapters.clock import ManualClock
from libops.application.drafts import draft_seals
from libops.application.posts import find_calendar
from libops.application.sameness import similar_post_id
from libops.domain.drafts import REDACTED_TEXT, draft_key_id
from libops.domain.errors import (
    AlreadyPublishedError,
    ChecklistIncompleteError,
    InvalidTransitionError,
    InvalidValueError,
    NoTakeDownError,
    PermissionDeniedError,
    PersonalDataFoundError,
    PlatformNotTargetedError,
    RedactedTextError,
    ReusedItselfError,
    ReviewerIsAuthorError,
    ScheduleInPastError,
    StaleMetricsError,
    TakeDownFailedError,
    TakeDownUnsupportedError,
    TakeDownUrlError,
    UnknownIdError,
    VariantLimitError,
)
from libops.domain.events import stamped_by
from libops.domain.permissions import PERMISSIONS
from libops.domain.review import PERSONAL_DATA, scan_texts
from tests import actors
from tests.golden.regenerate import TakeDownSandbox
from tests.helpers import count_events
from tests.stateful.harness import MachineStore, run_machine

START = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)  # the week of World Book Day
WORDS = ("第一",)
POLICY = CadencePolicy()
OPTIONS: dict[str, Any] = {"cadence": POLICY, "sensitive_words": WORDS}
ACTORS = {
    "planner": actors.PLANNER,
    "planner2": actors.PLANNER2,
    "both": actors.PLANNER_REVIEWER,
    "reviewer": actors.REVIEWER,
    "admin": actors.ADMIN,
    "tech": actors.TECH,
}
TARGETS = (Platform.WEIBO, Platform.WECHAT, Platform.MASTODON)
PLATFORMS = (*TARGETS, Platform.DOUYIN)  # Douyin is never targeted
PHONE_BODY = "报名电话 13812345678, 名额第一"
CLEAN_BODY = "欢迎来图书馆参加读书会"
EDITABLE = (PostStatus.DRAFTED, PostStatus.CHANGES_REQUESTED)
WITHDRAWN = (PostStatus.RETRACTING, PostStatus.RETRACTED)
THROUGH_GATEWAY = (Platform.MASTODON,)
"""The platforms whose gateway (in this machine) can take posts down."""
MAX_POSTS = 3
UNKNOWN_POST = UUID("00000000-0000-4000-8000-00000000dead")
CHANGES = {"same": (0, 0), "up": (3, 1), "down": (-1, 0), "mixed": (2, -1)}
"""How a metric snapshot's reads and likes differ from the latest one."""

posts = st.integers(min_value=0, max_value=MAX_POSTS - 1)
# Mostly one of the post's own platforms; now and then Douyin, which no post targets.
platforms = st.integers(min_value=0, max_value=7)


def may(actor: Actor, command: str) -> bool:
    return actor.has_any(PERMISSIONS[command])


@dataclass
class ModelPost:
    """What the post should be, kept by hand."""

    id: UUID
    campaign_id: UUID | None
    platforms: tuple[Platform, ...]
    authors: set[str]
    personal: bool
    status: PostStatus = PostStatus.DRAFTED
    found_personal: bool = False
    body_redacted: bool = False
    """Sent back for the phone number in its body: the body's revision was redacted."""
    version: int = 1
    platform_status: dict[Platform, PlatformStatus] = field(default_factory=dict)
    scheduled_at: dict[Platform, datetime] = field(default_factory=dict)
    receipts: dict[Platform, str] = field(default_factory=dict)
    metrics: dict[Platform, MetricSnapshot] = field(default_factory=dict)
    origin: str = "original"
    derived_from: UUID | None = None
    take_downs: dict[Platform, str] = field(default_factory=dict)
    """Each platform the post was live on when retracted: "gateway" (open, libops tries),
    "by hand" (open, a task for staff) or "done"."""

    def live(self) -> list[Platform]:
        """The platforms the post is out on and not taken down, in the post's order."""
        return [
            p
            for p in self.platforms
            if self.platform_status[p] is PlatformStatus.PUBLISHED
            and self.take_downs.get(p) != "done"
        ]

    def open_take_downs(self) -> list[Platform]:
        return [p for p in self.platforms if self.take_downs.get(p) in ("gateway", "by hand")]

    def __post_init__(self) -> None:
        self.platform_status = dict.fromkeys(self.platforms, PlatformStatus.PENDING)

    def publish_error(self, actor: Actor, platform: Platform) -> type[Exception] | None:
        """The error Post.check_can_publish should raise, if any."""
        if not may(actor, "post.publish"):
            return PermissionDeniedError
        if platform not in self.platforms:
            return PlatformNotTargetedError
        if self.status is not PostStatus.APPROVED:
            return InvalidTransitionError
        if self.platform_status[platform] is PlatformStatus.PUBLISHED:
            return AlreadyPublishedError
        return None


@dataclass
class ModelCalendar:
    exists: bool = False
    slots: dict[UUID, datetime] = field(default_factory=dict)
    released: dict[UUID, datetime] = field(default_factory=dict)

    def occupied(self, excluding: UUID | None = None) -> list[datetime]:
        times = [at for p, at in self.slots.items() if p != excluding]
        times += [at for p, at in self.released.items() if p != excluding]
        return sorted(times)


def view(post: Post) -> dict[str, Any]:
    """Everything a post tells about itself."""
    return {
        "id": post.id,
        "version": post.version,
        "status": post.status,
        "authors": post.authors,
        "author_id": post.author_id,
        "campaign_id": post.campaign_id,
        "title": post.title,
        "body": post.body,
        "content_type": post.content_type,
        "format": post.format,
        "variants": post.variants,
        "media": post.media,
        "source": post.source,
        "licence": post.licence,
        "findings": post.findings,
        "reviews": post.reviews,
        "retraction_reason": post.retraction_reason,
        "per_platform": {
            p: (
                post.platform_status(p),
                post.scheduled_at(p),
                post.receipt(p),
                post.last_failure(p),
                post.latest_metrics(p),
                post.take_down(p),
            )
            for p in post.platforms
        },
    }


class PostMachine(RuleBasedStateMachine):
    """Posts driven through every command, checked against a plain model."""

    store: ClassVar[MachineStore]

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        self._closing = ExitStack()
        self.mastodon = TakeDownSandbox("mastodon", seed="machine", clock=self.clock)
        self.failures: list[bool] = []
        """What the Mastodon gateway's next take-downs will do: fail, retryably or not."""
        self.ops = self._closing.enter_context(
            self.store.opened(clock=self.clock, gateways=[self.mastodon], **OPTIONS)
        )
        self.campaign_id = self.ops.campaigns.plan(
            ACTORS["planner"],
            name="World Book Day",
            kind="topic",
            period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        )
        self.events = 1
        # The in-memory copies seal their revisions with the store's keys, as commands do.
        self.seals = draft_seals(self.ops.deps)
        self.model: list[ModelPost] = []
        self.shadows: dict[UUID, Post] = {}
        self.calendars = {p: ModelCalendar() for p in PLATFORMS}
        self.published = 0

    def teardown(self) -> None:
        self._closing.close()

    # --- helpers -----------------------------------------------------------------------

    def pick(self, index: int) -> tuple[ModelPost, Post]:
        post = self.model[index % len(self.model)]
        return post, self.shadows[post.id]

    @staticmethod
    def platform_of(post: ModelPost, which: int) -> Platform:
        return Platform.DOUYIN if which == 7 else post.platforms[which % len(post.platforms)]

    def expect(
        self,
        error: type[Exception] | None,
        real: Callable[[], Any],
        shadow: Callable[[], Any] | None = None,
    ) -> tuple[Any, Any]:
        """Run a command on the store and on the in-memory copy; both fail alike or succeed."""
        before = count_events(self.ops)
        if error is not None:
            for call in (real, shadow):
                if call is None:
                    continue
                with pytest.raises(error) as caught:
                    call()
                assert type(caught.value) is error, caught.value  # not merely a subclass
            assert count_events(self.ops) == before
            return None, None
        result = real()
        return result, None if shadow is None else shadow()

    def check_similar(self, post: ModelPost, found: list[Finding]) -> None:
        """The sameness check names only other posts of the model that are not retracted and
        share a platform with ``post``, the most similar first, at most three, each at the
        threshold or above; a post with the very same title and body as ``post`` (and not
        redacted) is always named."""
        candidates = {
            other.id: other
            for other in self.model
            if other.id != post.id
            and other.status not in WITHDRAWN
            and set(other.platforms) & set(post.platforms)
        }
        named = [similar_post_id(f) for f in found]
        scores = [int(f.excerpt) for f in found]
        assert all(n in candidates for n in named), (named, candidates)
        assert len(set(named)) == len(named) <= 3
        assert scores == sorted(scores, reverse=True)
        assert all(s >= 70 for s in scores)
        twins = [
            other.id
            for other in candidates.values()
            if (other.personal, other.body_redacted) == (post.personal, post.body_redacted)
        ]
        if len(twins) <= 3:
            assert set(twins) <= set(named), (twins, named)

    # --- rules -------------------------------------------------------------------------

    @initialize(personal=st.booleans(), published=st.booleans())
    def start_with_an_approved_post(self, personal: bool, published: bool) -> None:
        """Begin with a post approved for every platform (perhaps out on Weibo already).

        Publishing and metrics are then reached in short runs too.
        """
        self.draft("planner", set(TARGETS), personal, True, None)
        self.push_through_review(0)
        if published:
            self.publish(0, 0, "tech")

    @precondition(lambda self: len(self.model) < MAX_POSTS)
    @rule(
        author=st.sampled_from(["planner", "planner2", "both", "planner", "reviewer"]),
        aimed_at=st.sets(st.sampled_from(TARGETS), min_size=1),
        personal=st.sampled_from([False, False, True]),
        linked=st.booleans(),
        flaw=st.sampled_from([None] * 6 + ["title", "limit"]),
    )
    def draft(
        self, author: str, aimed_at: set[Platform], personal: bool, linked: bool, flaw: str | None
    ) -> None:
        actor = ACTORS[author]
        chosen = tuple(p for p in TARGETS if p in aimed_at)
        text = "x" * 30000 if flaw == "limit" else "世界读书日"
        error: type[Exception] | None = None
        if not may(actor, "post.draft"):
            error = PermissionDeniedError
        elif flaw == "title":
            error = InvalidValueError
        elif flaw == "limit":
            error = VariantLimitError
        post_id, _ = self.expect(
            error,
            lambda: self.ops.posts.draft(
                actor,
                title="" if flaw == "title" else "读书日书单",
                body=PHONE_BODY if personal else CLEAN_BODY,
                content_type="knowledge",
                format="image_text",
                campaign_id=self.campaign_id if linked else None,
                variants=[PostVariant(p, text, media=["cover.jpg"]) for p in chosen],
            ),
        )
        if error is None:
            self.model.append(
                ModelPost(
                    post_id,
                    self.campaign_id if linked else None,
                    chosen,
                    {actor.id},
                    personal,
                )
            )
            self.shadows[post_id] = self.ops.posts.get(post_id)
            self.events += 1

    @precondition(lambda self: self.model)
    @rule(
        index=posts,
        who=st.sampled_from(["planner", "planner2", "both", "reviewer"]),
        personal=st.sampled_from([False, False, True]),
    )
    def revise(self, index: int, who: str, personal: bool) -> None:
        post, shadow = self.pick(index)
        actor = ACTORS[who]
        body = PHONE_BODY if personal else CLEAN_BODY
        error: type[Exception] | None = None
        if not may(actor, "post.revise"):
            error = PermissionDeniedError
        elif post.status not in EDITABLE:
            error = InvalidTransitionError
        self.expect(
            error,
            lambda: self.ops.posts.revise(actor, post.id, body=body),
            lambda: shadow.revise(actor, body=body, sealer=self.seals),
        )
        if error is None:
            post.authors.add(actor.id)
            post.personal = personal
            post.body_redacted = False
            post.version += 1
            self.events += 1

    @precondition(lambda self: self.model)
    @rule(index=posts, who=st.sampled_from(["planner", "planner2", "planner", "reviewer"]))
    def submit(self, index: int, who: str) -> None:
        post, shadow = self.pick(index)
        actor = ACTORS[who]
        error: type[Exception] | None = None
        if not may(actor, "post.submit_for_review"):
            error = PermissionDeniedError
        elif post.status not in EDITABLE:
            error = InvalidTransitionError
        elif post.body_redacted:
            error = RedactedTextError
        found: list[Finding] = []

        def real() -> tuple[Finding, ...]:
            result = self.ops.posts.submit_for_review(actor, post.id)
            found.extend(f for f in result if f.kind is FindingKind.SIMILAR_POST)
            return result

        findings, _ = self.expect(
            error,
            real,
            # The sameness check reads the store: the shadow is given what it found, and
            # what it found is checked against the model below.
            lambda: shadow.submit_for_review(actor, (*scan_texts(shadow.texts(), WORDS), *found)),
        )
        if error is None:
            assert any(f.kind in PERSONAL_DATA for f in findings) is post.personal
            assert findings == shadow.findings
            self.check_similar(post, found)
            post.status = PostStatus.IN_REVIEW
            post.found_personal = post.personal
            post.version += 1
            self.events += 1

    @precondition(lambda self: self.model)
    @rule(
        index=posts,
        who=st.sampled_from(["reviewer", "reviewer", "both", "planner"]),
        approve=st.sampled_from([True, True, False]),
        checked=st.sampled_from([True, True, True, False]),
    )
    def review(self, index: int, who: str, approve: bool, checked: bool) -> None:
        post, shadow = self.pick(index)
        actor = ACTORS[who]
        checklist = ReviewChecklist(accuracy=True, copyright=checked, privacy=True)
        error: type[Exception] | None = None
        if not may(actor, "post.review"):
            error = PermissionDeniedError
        elif post.status is not PostStatus.IN_REVIEW:
            error = InvalidTransitionError
        elif actor.id in post.authors:
            error = ReviewerIsAuthorError
        elif approve and not checked:
            error = ChecklistIncompleteError
        elif approve and post.found_personal:
            error = PersonalDataFoundError
        self.expect(
            error,
            lambda: self.ops.posts.review(
                actor, post.id, checklist, approve=approve, comments="看过了"
            ),
            lambda: shadow.review(actor, checklist, approve, "看过了", sealer=self.seals),
        )
        if error is None:
            post.status = PostStatus.APPROVED if approve else PostStatus.CHANGES_REQUESTED
            post.version += 1
            self.events += 1
            if not approve and post.found_personal:
                # The revision the phone number is in is redacted (its key destroyed);
                # the clean texts of that revision are kept under the redaction's key.
                post.body_redacted = True
                post.version += 1
                self.events += 1

    @precondition(lambda self: self.model)
    @rule(
        index=posts,
        which=platforms,
        who=st.sampled_from(["planner", "admin", "planner", "reviewer"]),
        minutes=st.sampled_from([45, 0, 120, 600, 1440, 2900, -90]),
    )
    def schedule(self, index: int, which: int, who: str, minutes: int) -> None:
        post, shadow = self.pick(index)
        platform = self.platform_of(post, which)
        actor = ACTORS[who]
        now = self.clock.now()
        at = now + timedelta(minutes=minutes)
        error: type[Exception] | None = None
        if not may(actor, "post.schedule"):
            error = PermissionDeniedError
        elif platform not in post.platforms:
            error = PlatformNotTargetedError
        elif post.status is not PostStatus.APPROVED:
            error = InvalidTransitionError
        elif post.platform_status[platform] is PlatformStatus.PUBLISHED:
            error = AlreadyPublishedError
        elif at < now:
            error = ScheduleInPastError
        calendar = self.calendars[platform]
        expected_warnings = (
            POLICY.check(platform, at, calendar.occupied(excluding=post.id))
            if error is None
            else ()
        )
        warnings, _ = self.expect(
            error,
            lambda: self.ops.posts.schedule(actor, post.id, platform, at),
            lambda: shadow.schedule(actor, platform, at, now=now),
        )
        if error is not None:
            return
        assert warnings == expected_warnings
        unchanged = (
            post.platform_status[platform] is PlatformStatus.SCHEDULED
            and post.scheduled_at.get(platform) == at
        )
        if not unchanged:
            post.version += 1
            self.events += 1
        post.platform_status[platform] = PlatformStatus.SCHEDULED
        post.scheduled_at[platform] = at
        if not calendar.exists:
            calendar.exists = True
            self.events += 1
        if calendar.slots.get(post.id) != at:
            calendar.slots[post.id] = at
            self.events += 1

    @precondition(lambda self: self.model)
    @rule(index=posts, which=platforms, who=st.sampled_from(["admin", "admin", "reviewer"]))
    def unschedule(self, index: int, which: int, who: str) -> None:
        post, shadow = self.pick(index)
        platform = self.platform_of(post, which)
        actor = ACTORS[who]
        error: type[Exception] | None = None
        if not may(actor, "post.unschedule"):
            error = PermissionDeniedError
        elif platform not in post.platforms:
            error = PlatformNotTargetedError
        elif post.status is not PostStatus.APPROVED:
            error = InvalidTransitionError
        elif post.platform_status[platform] is PlatformStatus.PUBLISHED:
            error = AlreadyPublishedError
        elif platform not in post.scheduled_at:
            error = InvalidTransitionError
        self.expect(
            error,
            lambda: self.ops.posts.unschedule(actor, post.id, platform),
            lambda: shadow.unschedule(actor, platform),
        )
        if error is None:
            del post.scheduled_at[platform]
            if post.platform_status[platform] is PlatformStatus.SCHEDULED:
                post.platform_status[platform] = PlatformStatus.PENDING
            post.version += 1
            self.events += 1
            self._withdraw(post.id, platform)

    def _withdraw(self, post_id: UUID, platform: Platform) -> None:
        if self.calendars[platform].slots.pop(post_id, None) is not None:
            self.events += 1

    @precondition(lambda self: self.model)
    @rule(index=posts, which=platforms, who=st.sampled_from(["admin", "tech", "tech", "planner"]))
    def publish(self, index: int, which: int, who: str) -> None:
        post, shadow = self.pick(index)
        platform = self.platform_of(post, which)
        actor = ACTORS[who]
        self.published += 1
        receipt = PublishReceipt(
            platform,
            f"ext-{self.published}",
            f"https://example.org/{self.published}",
            self.clock.now(),
        )

        def direct() -> None:
            loaded = self.ops.posts.get(post.id)
            loaded.record_published(actor, receipt)
            calendar = find_calendar(self.ops.app, platform)
            to_save: list[Any] = [loaded]
            if calendar is not None:
                calendar.release(post.id, actor=actor)
                to_save.append(calendar)
            self.ops.app.save(*to_save)

        error = post.publish_error(actor, platform)
        self.expect(error, direct, lambda: shadow.record_published(actor, receipt))
        if error is None:
            post.platform_status[platform] = PlatformStatus.PUBLISHED
            post.receipts[platform] = receipt.external_id
            post.version += 1
            self.events += 1
            calendar = self.calendars[platform]
            slot = calendar.slots.pop(post.id, None)
            if slot is not None:
                calendar.released[post.id] = slot
                self.events += 1

    @precondition(lambda self: self.model)
    @rule(index=posts, which=platforms, retryable=st.booleans())
    def fail(self, index: int, which: int, retryable: bool) -> None:
        post, shadow = self.pick(index)
        platform = self.platform_of(post, which)
        actor = ACTORS["tech"]
        now = self.clock.now()

        def direct() -> None:
            loaded = self.ops.posts.get(post.id)
            loaded.record_publish_failure(actor, platform, "timeout", retryable, now)
            self.ops.app.save(loaded)

        error = post.publish_error(actor, platform)
        self.expect(
            error,
            direct,
            lambda: shadow.record_publish_failure(actor, platform, "timeout", retryable, now),
        )
        if error is None:
            post.platform_status[platform] = PlatformStatus.FAILED
            post.version += 1
            self.events += 1

    @precondition(lambda self: self.model)
    # Three reasons in four are blank, listed first as hypothesis favours early choices:
    # retraction is final, and the machine should not spend its steps on retracted posts.
    @rule(
        index=posts,
        source=st.sampled_from([None, 0, 1, 2, "itself", "unknown"]),
        origin=st.sampled_from(["original", "original", "reposted", "borrowed"]),
        who=st.sampled_from(["planner", "planner2", "reviewer"]),
    )
    def declare_origin(self, index: int, source: object, origin: str, who: str) -> None:
        post, shadow = self.pick(index)
        actor = ACTORS[who]
        derived: UUID | None
        if source == "itself":
            derived = post.id
        elif source == "unknown":
            derived = UNKNOWN_POST
        elif isinstance(source, int):
            derived = self.model[source % len(self.model)].id
        else:
            derived = None
        error: type[Exception] | None = None
        if not may(actor, "post.declare_origin"):
            error = PermissionDeniedError
        elif derived == UNKNOWN_POST:
            error = UnknownIdError  # the application checks it exists before the post does
        elif post.status in WITHDRAWN:
            error = InvalidTransitionError
        elif origin not in ("original", "reposted"):
            error = InvalidValueError
        elif derived == post.id:
            error = ReusedItselfError
        self.expect(
            error,
            lambda: self.ops.posts.declare_origin(
                actor, post.id, origin=origin, derived_from=derived
            ),
            None
            if error is UnknownIdError
            else lambda: shadow.declare_origin(actor, origin, derived),
        )
        if error is None and (origin, derived) != (post.origin, post.derived_from):
            post.origin, post.derived_from = origin, derived
            post.version += 1
            self.events += 1

    @precondition(lambda self: self.model)
    @rule(
        index=posts,
        who=st.sampled_from(["admin", "admin", "planner"]),
        reason=st.sampled_from([" ", "", "\t", "撤回"]),
    )
    def retract(self, index: int, who: str, reason: str) -> None:
        post, shadow = self.pick(index)
        actor = ACTORS[who]
        error: type[Exception] | None = None
        if not may(actor, "post.retract"):
            error = PermissionDeniedError
        elif post.status in WITHDRAWN:
            error = InvalidTransitionError
        elif not reason.strip():
            error = InvalidValueError
        live = post.live()
        through = [p for p in live if p in THROUGH_GATEWAY]
        now = self.clock.now()
        outcomes = {p: self._next_take_down() for p in through} if error is None else {}

        def in_memory() -> None:
            with stamped_by(self.clock):  # a take-down remembers its event's time
                shadow.retract(actor, reason, through_gateway=through)
            for platform, failure in outcomes.items():
                if failure is None:
                    shadow.record_taken_down(actor, platform, now)
                else:
                    shadow.record_take_down_failure(actor, platform, "refused", failure, now)

        self.expect(error, lambda: self.ops.posts.retract(actor, post.id, reason), in_memory)
        if error is None:
            for platform, status in post.platform_status.items():
                if status is not PlatformStatus.PUBLISHED:
                    post.scheduled_at.pop(platform, None)
                if status is PlatformStatus.SCHEDULED:
                    post.platform_status[platform] = PlatformStatus.PENDING
                self._withdraw(post.id, platform)
            for platform in live:
                post.take_downs[platform] = "gateway" if platform in through else "by hand"
            for platform, failure in outcomes.items():
                post.take_downs[platform] = self._after_attempt(failure)
            recorded = 1 + len(live) + len(outcomes)
            post.version += recorded
            self.events += recorded
            post.status = PostStatus.RETRACTING if post.open_take_downs() else PostStatus.RETRACTED

    def _next_take_down(self) -> bool | None:
        """What the Mastodon gateway's next take-down does: None (it goes), or a failure,
        retryable or not; the fake is told the same."""
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            self.mastodon.fail_next_take_down("refused", retryable=failure)
        return failure

    @staticmethod
    def _after_attempt(failure: bool | None) -> str:
        if failure is None:
            return "done"
        return "gateway" if failure else "by hand"

    @rule(retryable=st.booleans())
    def break_take_downs(self, retryable: bool) -> None:
        """The Mastodon gateway will fail its next take-down (a timeout, or a refusal)."""
        self.failures.append(retryable)

    @precondition(lambda self: self.model)
    @rule(index=posts, which=platforms, who=st.sampled_from(["tech", "admin", "planner"]))
    def take_down(self, index: int, which: int, who: str) -> None:
        post, shadow = self.pick(index)
        platform = self.platform_of(post, which)
        actor = ACTORS[who]
        error: type[Exception] | None = None
        if not may(actor, "post.take_down"):
            error = PermissionDeniedError
        elif platform not in post.platforms:
            error = PlatformNotTargetedError
        elif platform not in post.open_take_downs():
            error = NoTakeDownError
        elif platform not in THROUGH_GATEWAY:
            error = TakeDownUnsupportedError
        if error is not None:
            self.expect(
                error,
                lambda: self.ops.posts.take_down(actor, post.id, platform),
                None
                if error is TakeDownUnsupportedError
                else lambda: shadow.check_can_take_down(actor, platform),
            )
            return
        failure = self._next_take_down()
        now = self.clock.now()
        if failure is None:
            assert self.ops.posts.take_down(actor, post.id, platform) == now
            shadow.record_taken_down(actor, platform, now)
        else:  # raised, and the failure recorded all the same
            with pytest.raises(TakeDownFailedError) as raised:
                self.ops.posts.take_down(actor, post.id, platform)
            assert raised.value.retryable is failure
            shadow.record_take_down_failure(actor, platform, "refused", failure, now)
        post.take_downs[platform] = self._after_attempt(failure)
        post.version += 1
        self.events += 1
        post.status = PostStatus.RETRACTING if post.open_take_downs() else PostStatus.RETRACTED

    @precondition(lambda self: self.model)
    @rule(
        index=posts,
        which=platforms,
        who=st.sampled_from(["admin", "tech", "planner", "reviewer"]),
        note=st.sampled_from(["deleted in the app", "deleted in the app", " "]),
        url=st.sampled_from([None, None, "https://weibo.com/1/x", "weibo.com/1/x"]),
    )
    def confirm_take_down(
        self, index: int, which: int, who: str, note: str, url: str | None
    ) -> None:
        post, shadow = self.pick(index)
        platform = self.platform_of(post, which)
        actor = ACTORS[who]
        now = self.clock.now()
        error: type[Exception] | None = None
        if not may(actor, "post.confirm_take_down"):
            error = PermissionDeniedError
        elif platform not in post.platforms:
            error = PlatformNotTargetedError
        elif platform not in post.open_take_downs():
            error = NoTakeDownError
        elif not note.strip():
            error = InvalidValueError
        elif url is not None and not url.startswith("https://"):
            error = TakeDownUrlError
        self.expect(
            error,
            lambda: self.ops.posts.confirm_take_down(actor, post.id, platform, note=note, url=url),
            lambda: shadow.confirm_take_down(actor, platform, note, url, now=now),
        )
        if error is None:
            post.take_downs[platform] = "done"
            post.version += 1
            self.events += 1
            post.status = PostStatus.RETRACTING if post.open_take_downs() else PostStatus.RETRACTED

    @precondition(lambda self: self.model)
    @rule(
        index=posts,
        which=platforms,
        who=st.sampled_from(["tech", "admin", "tech", "planner"]),
        change=st.sampled_from(list(CHANGES)),
        minutes_back=st.sampled_from([0, 0, 0, 30]),
    )
    def record_metrics(
        self, index: int, which: int, who: str, change: str, minutes_back: int
    ) -> None:
        post, shadow = self.pick(index)
        out = [p for p in post.platforms if post.platform_status[p] is PlatformStatus.PUBLISHED]
        # Mostly a published platform, so that snapshots follow one another.
        platform = out[which % len(out)] if out and which < 5 else self.platform_of(post, which)
        actor = ACTORS[who]
        latest = post.metrics.get(platform)
        reads, likes = CHANGES[change]
        snapshot = MetricSnapshot(
            platform,
            self.clock.now() - timedelta(minutes=minutes_back),
            reads=max(0, (latest.reads if latest else 0) + reads),
            likes=max(0, (latest.likes if latest else 0) + likes),
        )
        error: type[Exception] | None = None
        outcome = MetricOutcome.RECORDED
        if not may(actor, "post.record_metrics"):
            error = PermissionDeniedError
        elif platform not in post.platforms:
            error = PlatformNotTargetedError
        elif post.platform_status[platform] is not PlatformStatus.PUBLISHED:
            error = InvalidTransitionError
        elif latest is not None:
            if snapshot.same_counts(latest):
                outcome = MetricOutcome.UNCHANGED
            elif snapshot.observed_at < latest.observed_at:
                error = StaleMetricsError
            elif snapshot.reads < latest.reads or snapshot.likes < latest.likes:
                outcome = MetricOutcome.CORRECTED
        real, in_memory = self.expect(
            error,
            lambda: self.ops.posts.record_metrics(actor, post.id, snapshot),
            lambda: shadow.record_metrics(actor, snapshot),
        )
        if error is None:
            assert real is in_memory is outcome
            if outcome is not MetricOutcome.UNCHANGED:
                post.metrics[platform] = snapshot
                post.version += 1
                self.events += 1

    @precondition(lambda self: self.model)
    @rule(index=posts)
    def push_through_review(self, index: int) -> None:
        """Take a post in draft or sent back to approval in one step (three commands)."""
        post, _ = self.pick(index)
        if post.status not in EDITABLE:
            return
        if post.personal or post.body_redacted:
            self.revise(index, "planner", False)
        self.submit(index, "planner")
        self.review(index, "reviewer", True, True)
        assert post.status is PostStatus.APPROVED

    @precondition(lambda self: self.model)
    @rule(index=posts)
    def send_back_for_personal_data(self, index: int) -> None:
        """Put a phone number in a post in draft or sent back, submit it, and have review
        send it back (three commands): the body's revision is redacted."""
        post, _ = self.pick(index)
        if post.status not in EDITABLE:
            return
        self.revise(index, "planner", True)
        self.submit(index, "planner")
        if "reviewer-1" in post.authors:
            return
        self.review(index, "reviewer", False, True)
        assert post.body_redacted

    @rule(minutes=st.sampled_from([1, 60, 600, 1440]))
    def advance(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def posts_match_model_and_store(self) -> None:
        for post in self.model:
            stored = self.ops.posts.get(post.id)
            shadow = self.shadows[post.id]
            assert view(stored) == view(shadow)
            assert stored.version == post.version
            assert stored.status is post.status
            assert stored.authors == post.authors
            # A body sent back for its phone number reads as redacted, its key gone.
            assert (stored.body == REDACTED_TEXT) is post.body_redacted
            body_key = draft_key_id(post.id, stored.text_revision("body"))
            assert self.ops.keys.is_erased(body_key) is post.body_redacted
            assert stored.campaign_id == post.campaign_id
            assert (stored.origin, stored.derived_from) == (post.origin, post.derived_from)
            assert (shadow.origin, shadow.derived_from) == (post.origin, post.derived_from)
            assert stored.platforms == post.platforms
            # Never shown as withdrawn while it is still live somewhere.
            assert stored.live_platforms() == tuple(post.live())
            assert [t.platform for t in stored.open_take_downs()] == post.open_take_downs()
            if stored.status is PostStatus.RETRACTED:
                assert stored.live_platforms() == ()
            for platform in post.platforms:
                assert stored.platform_status(platform) is post.platform_status[platform]
                assert stored.scheduled_at(platform) == post.scheduled_at.get(platform)
                receipt = stored.receipt(platform)
                assert (receipt and receipt.external_id) == post.receipts.get(platform)
                assert stored.latest_metrics(platform) == post.metrics.get(platform)

    @invariant()
    def listing_matches_model(self) -> None:
        """The posts listing (what /v1/posts and the web app show) says what the model says:
        retracting while any platform is live, retracted after."""
        rows = {UUID(row["id"]): row for row in self.ops.posts.list(limit=200).items}
        for post in self.model:
            row = rows[post.id]
            assert row["status"] == post.status.value
            assert row["retracted"] is (post.status is PostStatus.RETRACTED)

    @invariant()
    def event_count_matches_model(self) -> None:
        assert count_events(self.ops) == self.events

    @invariant()
    def calendars_match_model(self) -> None:
        for platform, model in self.calendars.items():
            assert self.ops.posts.calendar(platform) == sorted(
                model.slots.items(), key=lambda item: (item[1], str(item[0]))
            )
            calendar = find_calendar(self.ops.app, platform)
            assert (calendar is not None) is model.exists
            if calendar is not None:
                assert calendar.occupied() == model.occupied()


# --- running it on every store --------------------------------------------------------------------


def test_post_machine(machine_store: MachineStore) -> None:
    """Posts behave like the model on every store, step after step."""
    # A fresh store for every run (PostMachine opens it), so the model starts from nothing.
    steps = int(os.environ.get("LIBOPS_POST_MACHINE_STEPS", "40"))
    run_machine(PostMachine, machine_store, steps=steps, store=machine_store)
