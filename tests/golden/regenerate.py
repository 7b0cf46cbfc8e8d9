"""Write the golden files: stored events of fixed scenarios, exactly as libops stores them.

Each golden file (``tests/golden/<name>.json``) holds the events one scenario records, in
the order they were recorded, each as stored: ``originator_id``, ``originator_version``,
``topic`` and ``state`` (the stored JSON text, kept as a string). ``tests/unit/test_golden.py``
decodes the files with a fresh application and compares what comes out with expectations
written out by hand, so renaming a topic, a stored type name or a field cannot slip through.

The files are the same on every run and every machine. A scenario runs on a memory store
with a manual clock and a :class:`GoldenKeyStore` (every data subject's key, and the secret
behind pseudonymous subject ids, follow from fixed labels), inside :func:`fixed_randomness`:
the n-th random (version 4) id made is ``<prefix>-0000-4000-8000-<n>``, and every other
random byte (the nonces of sealed personal data, a contest's seed) comes from a fixed
stream. Because ids are fixed when they are made, personal data sealed for an aggregate
(bound to its id) opens again in the tests, with a :class:`GoldenKeyStore`. The n-th
event's timestamp becomes ``START`` plus n minutes. Ids that libops derives itself
(version 5, such as an idempotency record's or a platform calendar's) are kept.

Usage (from the repository root)::

    python -m tests.golden.regenerate            # write missing files, report differences
    python -m tests.golden.regenerate --check    # write nothing; fail if any file differs
    python -m tests.golden.regenerate --force campaign_events.json   # overwrite that file

Adding a scenario (for example the Post aggregate's events):

1. Write ``def post_scenario(ops: LibOps) -> None`` below: it gives commands through
   ``ops`` (the clock is a ``ManualClock`` at ``START``; move it with ``_manual_clock(ops)``),
   and should record every event class of the aggregate at least once. Make each new
   aggregate in the order it is saved: an aggregate made and then not saved (a refused
   command) uses up a fixed id, and recording then stops with an error saying so.
2. Add ``Golden("post_events.json", post_scenario, "b0570000", "...")`` to ``SCENARIOS``
   (a prefix of 8 hex digits of its own). A scenario that publishes passes ``gateways``
   (sandbox platforms built on the scenario's clock); ``sensitive_words`` configures the
   automatic review.
3. Run ``python -m tests.golden.regenerate`` and commit the new file.
4. In ``tests/unit/test_golden.py`` write out the expected events and the expected state of
   the reconstructed aggregates explicitly (never generated from the file).

The files ``question_events.json``, ``reading_session_events.json``,
``contest_events.json`` and ``access_events.json`` are kept as the record of the first
format of sealed personal data (no subject, field or consent binding; question texts in
clear; erasure in one step): their scenarios now write ``<name>.v2.json``, and the old
files are still decoded and checked by ``tests/unit/test_golden.py``.

``post_events.json`` is kept likewise as the record of retractions before take-downs (issue
11): a ``Post.Retracted`` alone, the post then read as retracted although it was published.
Its scenario now writes ``post_events.v2.json``, where the retraction is followed by a
take-down task for the platform the post was live on (``tests/unit/test_golden_take_down.py``).

A golden file is a record of a released format. When a test fails because the stored form
changed on purpose, do not just overwrite the file: keep it (rename it, e.g.
``campaign_events.v1.json``, with its expectations, which must still pass through the
upcasters), give the changed event classes a ``class_version`` and an upcaster, and only then
write the current form with ``--force``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

import attrs
from eventsourcing.persistence import StoredEvent

from libops import (
    Actor,
    CommentRef,
    Consent,
    ContestRules,
    KolPartner,
    LibOps,
    Metric,
    MetricSnapshot,
    Money,
    Objective,
    Override,
    Period,
    PersonalInfo,
    Platform,
    PlatformGateway,
    PostVariant,
    Prize,
    ReviewChecklist,
    Role,
    SandboxPlatform,
    SurveyQuestion,
)
from libops.adapters.clock import ManualClock
from libops.application.publishing import ClaimPublication
from libops.domain.brief import BriefReference
from libops.domain.errors import PlatformError, PublishFailedError, SubjectErasedError
from libops.domain.personal import require_subject_id
from libops.domain.ports import Clock
from libops.domain.standing import RankingRow, ServiceCount

GOLDEN_DIR = Path(__file__).parent
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

BEIJING = timezone(timedelta(hours=8))

PLANNER = Actor("planner-1", [Role.CONTENT_PLANNER], name="Li Na")
PLANNER2 = Actor("planner-2", [Role.CONTENT_PLANNER], name="Wang Fang")
REVIEWER = Actor("reviewer-1", [Role.REVIEWER], name="Zhao Min")
ADMIN = Actor("admin-1", [Role.OPERATIONS_ADMIN], name="Chen Jie")
AUDITOR = Actor("auditor-1", [Role.AUDITOR], name="Sun Min")
TECH = Actor("tech-1", [Role.TECHNICAL_SUPPORT], name="Sun Hao")
OWNER = Actor("owner-1", [Role.BUDGET_OWNER], name="Zhou Min")
OWNER2 = Actor("owner-2", [Role.BUDGET_OWNER], name="Wu Hua")


# --- fixed keys and randomness ---------------------------------------------------------


def _fixed_id(prefix: str, n: int) -> UUID:
    return UUID(f"{prefix}-0000-4000-8000-{n:012d}")


class GoldenKeyStore:
    """A key store whose keys follow from the subject ids: the same on every run and machine.

    Every subject's key is there (as in a key store restored from a backup) until the subject
    is erased here; the pseudonym secret is fixed too, so subject ids made from handles are
    the same on every run. Anyone can derive these keys: for golden files and tests only.
    """

    def __init__(self) -> None:
        self._erased: set[str] = set()

    @staticmethod
    def _key(subject_id: str) -> bytes:
        return hashlib.sha256(b"libops-golden-key\x00" + subject_id.encode()).digest()

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's key; refused for an erased subject."""
        subject_id = require_subject_id(subject_id)
        if subject_id in self._erased:
            raise SubjectErasedError(subject_id)
        return self._key(subject_id)

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None once erased."""
        subject_id = require_subject_id(subject_id)
        return None if subject_id in self._erased else self._key(subject_id)

    def erase(self, subject_id: str) -> bool:
        """Forget the subject's key; True unless it was forgotten before."""
        subject_id = require_subject_id(subject_id)
        if subject_id in self._erased:
            return False
        self._erased.add(subject_id)
        return True

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased here."""
        return require_subject_id(subject_id) in self._erased

    def pseudonym_secret(self) -> bytes:
        """A fixed secret for subject ids made from handles."""
        return hashlib.sha256(b"libops-golden-pseudonym-secret").digest()

    def close(self) -> None:
        """Nothing to release."""


class _FixedRandomness:
    """Random bytes for a scenario: fixed ids for uuid4, a SHA-256 stream for the rest."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._ids = 0
        self._blocks = 0
        self._buffer = b""

    def urandom(self, size: int) -> bytes:
        if size == 16:  # uuid.uuid4(), which eventsourcing and libops make new ids with
            self._ids += 1
            return _fixed_id(self._prefix, self._ids).bytes
        return self.token_bytes(size)

    def token_bytes(self, size: int | None = None) -> bytes:
        size = 32 if size is None else size  # secrets.token_bytes() gives 32 by default
        while len(self._buffer) < size:
            block = f"libops-golden:{self._prefix}:{self._blocks}".encode()
            self._buffer += hashlib.sha256(block).digest()
            self._blocks += 1
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken


@contextlib.contextmanager
def fixed_randomness(prefix: str) -> Iterator[None]:
    """Within the block, new ids are the fixed ids of ``prefix`` and random bytes are fixed.

    ``os.urandom`` (behind ``uuid.uuid4``) and ``secrets.token_bytes`` (nonces, contest
    seeds) are replaced for the block only.
    """
    source = _FixedRandomness(prefix)
    with (
        mock.patch.object(os, "urandom", source.urandom),
        mock.patch.object(secrets, "token_bytes", source.token_bytes),
    ):
        yield


@contextlib.contextmanager
def unsealed_drafts() -> Iterator[None]:
    """Within the block, posts are drafted and revised in clear, as before sealed drafts.

    For golden files recorded before drafts were sealed: their scenarios still record
    exactly the stored form of then, which old stores hold and which must read as before.
    """
    with mock.patch("libops.application.posts.draft_seals", return_value=None):
        yield


# --- scenarios -------------------------------------------------------------------------


def campaign_scenario(ops: LibOps) -> None:
    """Every Campaign event, and an idempotency record, with every value type they carry."""
    world_book_day = ops.campaigns.plan(
        PLANNER,
        name="World Book Day 2026",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        platforms=["weibo", "wechat"],
        objectives=[
            Objective(Metric.READS, Decimal(50000)),
            Objective(Metric.FOLLOWERS_GAINED, Decimal("300"), Platform.WECHAT),
        ],
        hashtags=["#世界读书日", "WorldBookDay"],
        description="读书月: a month of reading events",
        idempotency_key="golden-plan-world-book-day",
    )
    ops.campaigns.amend(
        PLANNER,
        world_book_day,
        name="World Book Day 2026 · 世界读书日",
        period=Period(date(2026, 4, 1), date(2026, 5, 5)),
        hashtags=["#世界读书日", "WorldBookDay", "读书"],
    )
    ops.campaigns.add_kol_partner(
        PLANNER,
        world_book_day,
        KolPartner(
            "@bookworm",
            Platform.DOUYIN,
            120_000,
            ["2 short videos", "1 live stream"],
            Money(Decimal("8000"), "CNY"),
        ),
    )
    ops.campaigns.add_kol_partner(
        ADMIN,
        world_book_day,
        KolPartner("@readers_kw", Platform.X, 4_500, [], Money(Decimal("250.5"), "KWD")),
    )
    ops.campaigns.launch(ADMIN, world_book_day)
    ops.campaigns.pause(ADMIN, world_book_day, "Weibo outage")
    ops.campaigns.resume(ADMIN, world_book_day)
    ops.campaigns.complete(ADMIN, world_book_day)

    reading_club = ops.campaigns.plan(
        ADMIN,
        name="Summer reading club",
        kind="reading_event",
        period=Period(date(2026, 7, 1), date(2026, 8, 31)),
    )
    ops.campaigns.cancel(ADMIN, reading_club, "venue under renovation")


def _manual_clock(ops: LibOps) -> ManualClock:
    """The scenario's clock, which only moves when the scenario moves it."""
    clock = ops.clock
    assert isinstance(clock, ManualClock)
    return clock


def post_scenario(ops: LibOps) -> None:
    """Every Post and PlatformCalendar event, with every value type they carry.

    One post on Weibo and WeChat: drafted in a campaign, revised by a second planner, sent
    back by review for personal data, revised, approved with a sensitive word accepted,
    scheduled on both, unscheduled and rescheduled on WeChat, published on Weibo through
    the sandbox, failed on WeChat, measured (a new snapshot, the same counts again, a
    correction) and retracted.
    """
    clock = _manual_clock(ops)
    campaign = ops.campaigns.plan(
        PLANNER,
        name="World Book Day 2026",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        platforms=["weibo", "wechat"],
    )
    post = ops.posts.draft(
        PLANNER,
        title="Ten books we loved · 馆员书单",
        body="年度最佳书单: ten books our librarians loved. 咨询电话 13812345678",
        content_type="knowledge",
        format="image_text",
        variants=[
            PostVariant(
                Platform.WEIBO, "#世界读书日# 馆员推荐十本好书，咨询 13812345678", ["img/cover.jpg"]
            ),
            PostVariant(
                Platform.WECHAT,
                "世界读书日｜馆员推荐的十本书。来信 zhang.san@example.org",
                ["img/cover.jpg", "img/list.png"],
                "https://library.example.org/wbd2026",
            ),
        ],
        media=["img/cover.jpg", "img/list.png"],
        source="Reader services, City Library",
        licence="CC BY 4.0",
        campaign_id=campaign,
    )
    ops.posts.revise(PLANNER2, post, title="World Book Day: ten books we loved", licence="")
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(
        REVIEWER,
        post,
        ReviewChecklist(accuracy=True, copyright=True, privacy=False, notes="电话与邮箱"),
        approve=False,
        comments="Remove the phone number and the e-mail address.",
    )
    ops.posts.revise(
        PLANNER,
        post,
        body="年度最佳书单: ten books our librarians loved.",
        variants=[
            PostVariant(Platform.WEIBO, "#世界读书日# 馆员推荐十本好书", ["img/cover.jpg"]),
            PostVariant(
                Platform.WECHAT,
                "世界读书日｜馆员推荐的十本书",
                ["img/cover.jpg", "img/list.png"],
                "https://library.example.org/wbd2026",
            ),
        ],
    )
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(
        REVIEWER,
        post,
        ReviewChecklist(accuracy=True, copyright=True, privacy=True),
        approve=True,
        comments="“最佳” names the list; fine.",
    )

    clock.set(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    ops.posts.schedule(ADMIN, post, "weibo", datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING))
    ops.posts.schedule(PLANNER, post, "wechat", datetime(2026, 3, 2, 12, 0, tzinfo=BEIJING))
    ops.posts.unschedule(PLANNER, post, "wechat")
    ops.posts.schedule(PLANNER, post, "wechat", datetime(2026, 3, 3, 4, 0, tzinfo=UTC))

    clock.set(datetime(2026, 3, 2, 2, 0, 7, tzinfo=UTC))
    ops.publishing.publish(ADMIN, post, "weibo")
    clock.set(datetime(2026, 3, 3, 4, 0, 3, tzinfo=UTC))
    wechat = ops.publishing.gateway("wechat")
    assert isinstance(wechat, SandboxPlatform)
    wechat.fail_next(message="freepublish/submit: errcode 45009, api freq out of limit")
    try:
        ops.publishing.publish(TECH, post, "wechat")
    except PublishFailedError:
        pass  # recorded on the post: that is what the scenario wants
    else:
        raise RuntimeError("the sandbox was told to fail the WeChat publish")

    counts = {"reads": 2480, "comments": 9, "shares": 7, "favourites": 4}
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    ops.posts.record_metrics(
        TECH,
        post,
        MetricSnapshot(Platform.WEIBO, clock.now(), likes=51, followers_gained=5, **counts),
    )
    clock.set(datetime(2026, 3, 3, 20, 0, tzinfo=UTC))
    ops.posts.record_metrics(  # the same counts again: nothing is recorded
        TECH,
        post,
        MetricSnapshot(Platform.WEIBO, clock.now(), likes=51, followers_gained=5, **counts),
    )
    clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    ops.posts.record_metrics(  # Weibo removed spam likes: a correction
        ADMIN,
        post,
        MetricSnapshot(Platform.WEIBO, clock.now(), likes=49, followers_gained=6, **counts),
    )
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    ops.posts.retract(ADMIN, post, "a listed book was withdrawn by its publisher")


def publish_claim_scenario(ops: LibOps) -> None:
    """PublishClaim: a due post claimed by a run that died before calling the platform; the
    claim taken over by the next run once it lapsed, the post published and the claim settled.
    """
    clock = _manual_clock(ops)
    post = ops.posts.draft(
        PLANNER,
        title="Night opening",
        body="The library stays open until midnight during exam weeks.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "考试周图书馆开放至午夜 #夜读#")],
    )
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(REVIEWER, post, ReviewChecklist(True, True, True), approve=True)
    ops.posts.schedule(ADMIN, post, "weibo", clock.now() + timedelta(minutes=30))
    clock.advance(timedelta(hours=1))
    ops.execute(TECH, ClaimPublication(post, "weibo"))  # a run that then died
    clock.advance(timedelta(minutes=20))
    ops.publishing.publish_due(ADMIN)


def sealed_post_scenario(ops: LibOps) -> None:
    """Post.Drafted and Post.Revised with sealed texts, and Post.Redacted (both kinds).

    Drafted with a reader's phone number in the body and the Weibo text; retitled by a
    second planner; submitted; sent back for personal data (revision 1 redacted, its source
    kept under the redaction's key); body and variant revised; the revision-2 title
    redacted on request; retitled; submitted and approved.
    """
    post = ops.posts.draft(
        PLANNER,
        title="Reading club sign-up",
        body="读书会报名请致电 13812345678 (Ms Zhang).",
        content_type="news",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "#读书会# 报名 13812345678", ["img/club.jpg"])],
        source="Reader services, City Library",
    )
    ops.posts.revise(PLANNER2, post, title="Reading club: sign up with Ms Zhang")
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(
        REVIEWER,
        post,
        ReviewChecklist(accuracy=True, copyright=True, privacy=False),
        approve=False,
        comments="No phone numbers of readers.",
    )
    ops.posts.revise(
        PLANNER,
        post,
        body="读书会报名请到服务台.",
        variants=[PostVariant(Platform.WEIBO, "#读书会# 报名请到服务台", ["img/club.jpg"])],
    )
    ops.posts.redact(REVIEWER, post, 2, "the title names the reader")
    ops.posts.revise(PLANNER, post, title="Reading club: sign up at the desk")
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(
        REVIEWER, post, ReviewChecklist(accuracy=True, copyright=True, privacy=True), approve=True
    )


def metric_void_scenario(ops: LibOps) -> None:
    """Post.MetricsVoided: a wrong snapshot withdrawn, after which a real one is accepted.

    One post on Weibo, published through the sandbox; a snapshot, then one from a bad export
    (counts a hundred times too high), voided with a reason, then the next real snapshot.
    """
    clock = _manual_clock(ops)
    post = ops.posts.draft(
        PLANNER,
        title="Reading week",
        body="Events all week.",
        content_type="news",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "#读书周# Events all week")],
    )
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(REVIEWER, post, ReviewChecklist(True, True, True), approve=True)
    clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    ops.publishing.publish(ADMIN, post, "weibo")
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    ops.posts.record_metrics(TECH, post, MetricSnapshot(Platform.WEIBO, clock.now(), reads=120))
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    wrong = MetricSnapshot(Platform.WEIBO, clock.now(), reads=13000, likes=900)
    ops.posts.record_metrics(TECH, post, wrong)
    ops.publishing.void_metrics(
        ADMIN, post, "weibo", wrong.observed_at, "the export counted every view a hundred times"
    )
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    ops.posts.record_metrics(
        TECH, post, MetricSnapshot(Platform.WEIBO, clock.now(), reads=130, likes=9)
    )


def budget_scenario(ops: LibOps) -> None:
    """Every Budget event and Campaign.BudgetLineLinked, with every value type they carry.

    A CNY budget: allocations to a general line and to a campaign's line (which links the
    campaign), a KOL partner engaged (the fee committed on the campaign's line), a commitment
    past what is available with an override, part of it released, an invoice settling the
    KOL fee, the same invoice again (nothing recorded), money moved (approved), an expense
    past the line with an override, an allocation changed (approved), the rest released,
    closed.
    """
    campaign = ops.campaigns.plan(
        PLANNER,
        name="World Book Day 2026",
        kind="kol",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
    )
    budget = ops.budgets.open(
        OWNER, name="Social media 2026", period=Period(date(2026, 1, 1), date(2026, 12, 31))
    )
    ops.budgets.allocate(OWNER, budget, "promotion", Money(Decimal("12000.50")))
    ops.budgets.allocate(OWNER, budget, "partnerships", Money(10000), campaign_id=campaign)
    fee = ops.campaigns.engage_kol_partner(
        PLANNER,
        campaign,
        KolPartner("@bookworm", Platform.DOUYIN, 120_000, ["2 short videos"], Money(8000)),
        budget_id=budget,
    )
    ops.budgets.commit(
        PLANNER,
        budget,
        reference="PO-2026-014",
        amount=Money(Decimal("12500.00")),
        category="promotion",
        override=Override(OWNER2, "World Book Day trending topic"),
    )
    ops.budgets.release(ADMIN, budget, "PO-2026-014", reason="smaller print run", amount=Money(500))
    for _ in range(2):  # the second is a repeat: nothing is recorded
        ops.budgets.record_expense(
            ADMIN,
            budget,
            vendor="@bookworm",
            invoice_reference="BW-2026-04",
            amount=Money(Decimal("8200.00")),
            category="partnerships",
            campaign_id=campaign,
            settles=fee,
        )
    ops.budgets.move(
        PLANNER,
        budget,
        amount=Money(1000),
        from_category="partnerships",
        from_campaign_id=campaign,
        to_category="staff",
        reason="volunteer stand",
        approver=OWNER,
    )
    ops.budgets.record_expense(
        OWNER,
        budget,
        vendor="城市印务 Print Co.",
        invoice_reference="INV 2026/0419",
        amount=Money(Decimal("1200.00")),
        category="staff",
        override=Override(OWNER2, "printing for the volunteer stand ran over"),
    )
    ops.budgets.change_allocation(
        OWNER,
        budget,
        category="technical_support",
        allocation=Money(2400),
        reason="scheduling tool licence",
        approver=OWNER2,
    )
    ops.budgets.release(ADMIN, budget, "PO-2026-014", reason="cancelled")
    ops.budgets.close(OWNER, budget)


def risk_scenario(ops: LibOps) -> None:
    """Every Risk event, with every value type they carry.

    A content risk about a campaign, identified by a reviewer, reassessed over the
    escalation threshold (escalated), handed to another owner, given two mitigation actions
    (one completed), a contingency plan, an incident reported and resolved, a review,
    reassessed below the threshold and closed; and a technical risk opened by a signal at a
    critical score (escalated at once).
    """
    clock = _manual_clock(ops)
    campaign = ops.campaigns.plan(
        PLANNER,
        name="World Book Day 2026",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
    )
    risk = ops.risks.identify(
        REVIEWER,
        title="Unlicensed cover images in reading lists",
        category="content",
        likelihood=3,
        impact=4,
        owner=ADMIN,
        description="书单配图 may be used without the publishers' permission.",
        campaign_id=campaign,
    )
    ops.risks.reassess(ADMIN, risk, likelihood=4, impact=4, reason="two takedown notices this week")
    ops.risks.assign_owner(ADMIN, risk, REVIEWER)
    ops.risks.add_mitigation(
        ADMIN,
        risk,
        description="Check the licence of every image before review",
        due_on=date(2026, 3, 15),
    )
    ops.risks.add_mitigation(
        TECH,
        risk,
        description="Replace the covers in published posts",
        due_on=date(2026, 3, 8),
        owner="planner-1",
    )
    clock.set(datetime(2026, 3, 5, 10, 0, tzinfo=UTC))
    ops.risks.complete_mitigation(ADMIN, risk, 2, note="12 images replaced")
    ops.risks.set_contingency_plan(
        ADMIN,
        risk,
        plan="Retract the post and contact the rights holder within 24 hours",
        owner=ADMIN,
    )
    clock.set(datetime(2026, 3, 6, 3, 0, tzinfo=UTC))
    ops.risks.report_incident(
        TECH,
        risk,
        severity="major",
        affected="weibo: 3 posts",
        summary="A publisher asked for a cover to be taken down.",
        started_at=datetime(2026, 3, 6, 9, 30, tzinfo=BEIJING),
    )
    clock.set(datetime(2026, 3, 6, 7, 45, tzinfo=UTC))
    ops.risks.resolve_incident(
        ADMIN, risk, 1, resolution="Cover replaced; the publisher agreed in writing."
    )
    clock.set(datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    ops.risks.record_review(
        ADMIN,
        risk,
        notes="The licence check works; no new notices.",
        next_review_on=date(2026, 4, 10),
    )
    ops.risks.reassess(ADMIN, risk, likelihood=2, impact=2, reason="licence check in place")
    ops.risks.close(ADMIN, risk, "licence check is part of every review")

    ops.risks.identify(
        TECH,
        title="Weibo publishing fails",
        category="technical",
        likelihood=5,
        impact=4,
        owner="tech-1",
        source="signal:publish_failures",
    )


def _reader(ops: LibOps, platform: str, handle: str) -> str:
    """The pseudonymous subject id of the reader with ``handle`` on ``platform``."""
    return ops.privacy.subject_id_for(platform, handle)


def question_scenario(ops: LibOps) -> None:
    """Every Question event and DataSubject.Erased, with the sealed personal data they carry.

    A post; a question on it, answered; a direct question left waiting, escalated, answered
    late; then its asker erased on request.
    """
    clock = _manual_clock(ops)
    post = ops.posts.draft(
        PLANNER,
        title="World Book Day opening hours",
        body="世界读书日开放时间 and the book swap.",
        content_type="news",
        format="image_text",
        variants=[PostVariant(Platform.WECHAT, "世界读书日开放时间", ["img/hours.png"])],
    )
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    first = ops.questions.receive(
        PLANNER,
        platform="wechat",
        text="世界读书日当天阅览室开放吗? Is the reading room open?",
        asker=PersonalInfo(name="张伟", handle="@zhangwei_reads"),
        consent=Consent("answering this question", clock.now()),
        post_id=post,
        asked_at=datetime(2026, 3, 2, 8, 45, tzinfo=BEIJING),
    )
    clock.set(datetime(2026, 3, 2, 2, 30, tzinfo=UTC))
    ops.questions.answer(PLANNER, first, "Yes: 9:00 to 21:00, with a book swap in the atrium.")
    clock.set(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
    late = ops.questions.receive(
        ADMIN,
        platform="weibo",
        text="How do I renew a book my child borrowed?",
        asker=PersonalInfo(name="Li Ming", handle="@LiMing1990", contact="li.ming@example.org"),
        consent=Consent("answering this question", clock.now()),
    )
    clock.set(datetime(2026, 3, 3, 5, 0, tzinfo=UTC))
    ops.questions.escalate_overdue(ADMIN)
    clock.set(datetime(2026, 3, 3, 6, 15, tzinfo=UTC))
    ops.questions.answer(ADMIN, late, "Renew it on the child's card, online or at any desk.")
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    ops.privacy.erase(
        ADMIN, _reader(ops, "weibo", "@LiMing1990"), "the reader asked for their data to go"
    )


def reading_session_scenario(ops: LibOps) -> None:
    """Every ReadingSession event, with the sealed personal data they carry.

    A session online and in the library for a campaign: two participants register (one by
    their handle, one by the library's own pseudonym), both attend, one contributes twice,
    the session is closed; a second session is cancelled.
    """
    clock = _manual_clock(ops)
    campaign = ops.campaigns.plan(
        PLANNER,
        name="Reading circles 2026",
        kind="reading_event",
        period=Period(date(2026, 4, 1), date(2026, 6, 30)),
    )
    session = ops.sessions.schedule(
        PLANNER,
        title="World Book Day reading circle · 读书分享会",
        starts_at=datetime(2026, 4, 23, 19, 0, tzinfo=BEIJING),
        ends_at=datetime(2026, 4, 23, 21, 0, tzinfo=BEIJING),
        capacity=30,
        platform="douyin",
        place="City Library, 3F reading room",
        description="Bring a book you loved.",
        campaign_id=campaign,
    )
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    fang = ops.sessions.register(
        PLANNER,
        session,
        participant=PersonalInfo(name="王芳", handle="@bookish_fang"),
        consent=Consent("the reading circle of 23 April", clock.now()),
        platform="douyin",
    )
    clock.set(datetime(2026, 4, 2, 14, 30, tzinfo=UTC))
    lei = ops.sessions.register(
        ADMIN,
        session,
        participant=PersonalInfo(name="Zhou Lei", contact="zhou.lei@example.org"),
        consent=Consent("the reading circle of 23 April", clock.now()),
        subject_id="card-20260042",
    )
    clock.set(datetime(2026, 4, 23, 11, 5, tzinfo=UTC))
    ops.sessions.record_attendance(PLANNER, session, fang)
    ops.sessions.record_attendance(PLANNER, session, lei)
    clock.set(datetime(2026, 4, 23, 11, 40, tzinfo=UTC))
    ops.sessions.record_contribution(PLANNER, session, fang, "推荐《额尔古纳河右岸》 by 迟子建")
    clock.set(datetime(2026, 4, 23, 12, 10, tzinfo=UTC))
    ops.sessions.record_contribution(PLANNER, session, fang, "A reading list for teenagers")
    clock.set(datetime(2026, 4, 23, 13, 10, tzinfo=UTC))
    ops.sessions.close(ADMIN, session)

    poetry = ops.sessions.schedule(
        ADMIN,
        title="Poetry evening",
        starts_at=datetime(2026, 4, 25, 11, 0, tzinfo=UTC),
        ends_at=datetime(2026, 4, 25, 12, 30, tzinfo=UTC),
        capacity=12,
        place="Riverside branch",
    )
    ops.sessions.cancel(ADMIN, poetry, "the speaker is ill")


def contest_scenario(ops: LibOps) -> None:
    """Every Contest event, with the rules, sealed entries, commitment and draw they carry.

    A prize quiz for a campaign: announced without rules, rules stated, opened, five entries
    (three numbered by libops, two by their platform ids), one disqualified, closed (seed
    committed, sealed until the draw) and drawn; a repost draw announced with its rules and
    cancelled.
    """
    clock = _manual_clock(ops)
    campaign = ops.campaigns.plan(
        PLANNER,
        name="World Book Day 2026",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
    )
    quiz = ops.contests.announce(
        PLANNER,
        kind="prize_quiz",
        title="World Book Day quiz · 读书日知识竞赛",
        campaign_id=campaign,
    )
    ops.contests.state_rules(
        PLANNER,
        quiz,
        ContestRules(
            eligibility="Readers with a library card; library staff may not take part.",
            opens_at=datetime(2026, 4, 20, 8, 0, tzinfo=BEIJING),
            closes_at=datetime(2026, 4, 24, 0, 0, tzinfo=BEIJING),
            entry_method="answer",
            prizes=[Prize("Signed copy of 《三体》"), Prize("Library tote bag", 2)],
            platforms=["weibo", "wechat"],
            entries_per_person=1,
            correct_answer_required=True,
        ),
    )
    clock.set(datetime(2026, 4, 19, 8, 0, tzinfo=UTC))
    ops.contests.open(ADMIN, quiz)
    consent = Consent("the World Book Day quiz and its prizes", datetime(2026, 4, 20, tzinfo=UTC))
    clock.set(datetime(2026, 4, 21, 12, 0, tzinfo=UTC))
    for handle, platform, entry_id in (
        ("@reader_one", "weibo", None),
        ("@kw_books", "wechat", None),
        ("@staff_liu", "weibo", None),
        ("@xiaoyu", "weibo", "wb-5040557670457632"),
        ("@night_owl", "wechat", "wx-2247483921"),
    ):
        ops.contests.enter(
            PLANNER,
            quiz,
            participant=PersonalInfo(handle=handle),
            consent=consent,
            platform=platform,
            method="answer",
            entry_id=entry_id,
            entered_at=datetime(2026, 4, 21, 9, 30, tzinfo=UTC),
            answer_correct=True,
        )
    ops.contests.disqualify(ADMIN, quiz, "E000003", "a library staff member's account")
    clock.set(datetime(2026, 4, 23, 16, 0, tzinfo=UTC))
    ops.contests.close(ADMIN, quiz)
    clock.set(datetime(2026, 4, 23, 16, 30, tzinfo=UTC))
    ops.contests.draw(ADMIN, quiz)

    repost = ops.contests.announce(
        ADMIN,
        kind="repost_draw",
        title="Repost to win a tote bag",
        rules=ContestRules(
            eligibility="Anyone following the library's account",
            opens_at=datetime(2026, 5, 1, tzinfo=UTC),
            closes_at=datetime(2026, 5, 8, tzinfo=UTC),
            entry_method="repost",
            prizes=[Prize("Library tote bag", 5)],
            platforms=["weibo"],
            entries_per_person=3,
        ),
    )
    ops.contests.cancel(ADMIN, repost, "it would run into the quiz's prize giving")


def conduct_scenario(ops: LibOps) -> None:
    """Every ConductRecord event, with the comment references they carry.

    On one post's Weibo comments: a reader's comment hidden, three warnings (the third
    brings the policy's automatic sanction) and a moderator's sanction; another reader's
    comment featured and rewarded.
    """
    post = ops.posts.draft(
        PLANNER,
        title="Which book changed your life?",
        body="Tell us in the comments: 哪本书改变了你?",
        content_type="interactive",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "哪本书改变了你? #世界读书日#", ["img/q.png"])],
    )
    rude = _reader(ops, "weibo", "@angry_reader")
    kind = _reader(ops, "weibo", "@helpful_reader")

    def comment(external_id: str) -> CommentRef:
        return CommentRef(post, "weibo", external_id)

    ops.moderation.hide(ADMIN, rude, comment("4990001"), "insulting another reader")
    ops.moderation.warn(ADMIN, rude, comment("4990001"), "insulting another reader")
    ops.moderation.warn(ADMIN, rude, comment("4990002"), "spam links")
    ops.moderation.warn(ADMIN, rude, comment("4990003"), "insulting staff")
    ops.moderation.sanction(ADMIN, rude, comment("4990003"), "threatening staff", "block")
    ops.moderation.feature(PLANNER, kind, comment("4990010"), "a thoughtful review · 好评")
    ops.moderation.reward(
        PLANNER, kind, comment("4990010"), "best review of the week", "Library tote bag"
    )


def checkpoint_scenario(ops: LibOps) -> None:
    """Checkpoint.Recorded: a campaign planned, then the log signed at its one event."""
    ops.campaigns.plan(
        PLANNER,
        name="Reading month",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
    )
    _manual_clock(ops).advance(timedelta(minutes=5))
    ops.audit.checkpoint(AUDITOR)


def access_scenario(ops: LibOps) -> None:
    """DataAccess.Read: a question received, then its asker's data opened to reply."""
    clock = _manual_clock(ops)
    question = ops.questions.receive(
        PLANNER,
        platform="wechat",
        text="Can I renew my loan by phone?",
        asker=PersonalInfo(name="Zhao Li", handle="@zhaoli"),
        consent=Consent("answering this question", clock.now()),
    )
    clock.advance(timedelta(minutes=10))
    ops.questions.asker(ADMIN, question, "replying by telephone, as the reader asked")


def standing_scenario(ops: LibOps) -> None:
    """The account's standing: a ranking recorded and recorded again (replaced), an honour
    recorded and withdrawn, a campaign marked as a typical case and unmarked, service uses
    recorded and replaced."""
    clock = _manual_clock(ops)
    april = Period(date(2026, 4, 1), date(2026, 4, 30))
    rows = (
        RankingRow("国家图书馆", Decimal("1234.50"), 1),
        RankingRow("滨江市图书馆", Decimal("980.25"), 2),
    )
    source, index, us = "文化和旅游部 全国文旅新媒体传播力指数 月榜", "传播力指数", "滨江市图书馆"
    ops.standing.record_ranking(ADMIN, source=source, period=april, index=index, rows=rows, us=us)
    clock.advance(timedelta(minutes=5))
    more = (*rows, RankingRow("C馆", "700", 3))
    ops.standing.record_ranking(ADMIN, source=source, period=april, index=index, rows=more, us=us)
    honour = ops.standing.record_honour(
        ADMIN,
        title="全省优秀新媒体账号",
        awarded_by="省文化和旅游厅",
        awarded_on=date(2026, 4, 23),
        note="年度评选",
    )
    ops.standing.withdraw_honour(ADMIN, honour, "recorded in error · 录入有误")
    campaign = ops.campaigns.plan(PLANNER, name="世界读书日", kind="topic", period=april)
    ops.standing.mark_typical_case(
        ADMIN, campaign, subject_kind="campaign", theme="全民阅读", why="三个平台联动"
    )
    ops.standing.unmark_typical_case(ADMIN, campaign, "another case chosen")
    uses = [ServiceCount("wechat", 1240), ServiceCount("小程序", 310)]
    ops.standing.record_service_uses(ADMIN, period=april, kind="renewal", counts=uses)
    ops.standing.record_service_uses(ADMIN, period=april, kind="renewal", counts=uses[:1])


def origin_scenario(ops: LibOps) -> None:
    """Where posts come from (docs/reuse.md): a post declared reposted (转载), a second made
    from the first (reused, 复用) and declared original again after a mistake, and an
    expense recorded against the second as its production cost."""
    variants = [PostVariant(Platform.WEIBO, "世界读书日：馆员推荐十本好书")]
    first = ops.posts.draft(
        PLANNER,
        title="世界读书日书单",
        body="馆员推荐十本好书。",
        content_type="knowledge",
        format="image_text",
        variants=variants,
    )
    ops.posts.declare_origin(PLANNER, first, origin="reposted")
    second = ops.posts.draft(
        PLANNER,
        title="暑期书单",
        body="把世界读书日书单改成暑期版。",
        content_type="knowledge",
        format="image_text",
        variants=variants,
    )
    ops.posts.declare_origin(PLANNER, second, origin="reposted", derived_from=first)
    ops.posts.declare_origin(PLANNER, second, derived_from=first)
    budget = ops.budgets.open(
        OWNER, name="Content 2026", period=Period(date(2026, 1, 1), date(2026, 12, 31))
    )
    ops.budgets.allocate(OWNER, budget, "content_creation", Money(5000))
    ops.budgets.record_expense(
        OWNER,
        budget,
        vendor="设计工作室 Studio",
        invoice_reference="INV-0423",
        amount=Money(Decimal("300.00")),
        category="content_creation",
        post_id=second,
    )


USER_CAMPAIGN = UUID("05e40000-0000-4000-8000-00000000ca01")
"""The campaign the user of the user scenario is first limited to (named, not made)."""


def user_scenario(ops: LibOps) -> None:
    """Every User event: a scoped user added, a password set, roles and scope changed, a
    token issued and revoked, the user disabled and enabled again."""
    ops.users.add(
        ADMIN,
        login="Li.Na",
        name="Li Na",
        roles=["content_planner"],
        platforms=["weibo"],
        campaigns=[USER_CAMPAIGN],
    )
    herself = Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na")
    ops.users.set_password(herself, login="li.na", password="a long pass phrase")
    ops.users.change_roles(ADMIN, login="li.na", roles=["content_planner", "reviewer"])
    ops.users.change_scopes(ADMIN, login="li.na", platforms=["weibo", "wechat"])
    issued = ops.users.issue_token(
        ADMIN, login="li.na", roles=["reviewer"], expires_days=30, label="cms"
    )
    ops.users.revoke_token(ADMIN, login="li.na", token_id=issued.token_id)
    ops.users.disable(ADMIN, login="li.na", reason="on leave")
    ops.users.enable(ADMIN, login="li.na")


def team_scenario(ops: LibOps) -> None:
    """Every team event of the User (issue 17): a member given duties, joining, a training
    recorded, leaving and rejoining."""
    clock = _manual_clock(ops)
    ops.users.add(ADMIN, login="wang.fang", name="王芳", roles=["content_planner"])
    ops.users.set_duties(ADMIN, login="wang.fang", duties=["WeChat editor", "摄影"])
    ops.users.join(ADMIN, login="wang.fang", on=date(2026, 1, 5))
    herself = Actor("wang.fang", [Role.CONTENT_PLANNER], name="王芳")
    ops.users.record_training(
        herself,
        login="wang.fang",
        course="新媒体写作",
        provider="Provincial Library Society",
        on=date(2026, 2, 27),
        hours=Decimal("6.5"),
        learned="Headlines that say what a post is about.",
        certificate="PLS-2026-0042",
    )
    clock.advance(timedelta(days=1))
    ops.users.leave(ADMIN, login="wang.fang", on=date(2026, 3, 2), reason="study leave")
    ops.users.join(ADMIN, login="wang.fang", on=date(2026, 3, 2))


def training_correction_scenario(ops: LibOps) -> None:
    """The training correction of the User (issue 17): a training recorded with the wrong
    hours and day, corrected by an operations admin with the reason."""
    ops.users.add(ADMIN, login="zhao.lei", name="赵磊", roles=["content_planner"])
    ops.users.record_training(
        ADMIN,
        login="zhao.lei",
        course="短视频剪辑",
        provider="市图书馆学会",
        on=date(2026, 2, 20),
        hours=Decimal("8"),
    )
    ops.users.correct_training(
        ADMIN,
        login="zhao.lei",
        training_id="t1",
        on=date(2026, 2, 21),
        hours=Decimal("3.5"),
        learned="Cutting to the beat.",
        reason="the certificate says 3.5 hours on 21 February",
    )


def brief_scenario(ops: LibOps) -> None:
    """Every ContentBrief event (issue 17): a brief in a campaign, with references of each
    sort, planned, replanned, started and drafted as a post of the campaign; another brief
    proposed and dropped."""
    campaign = ops.campaigns.plan(
        PLANNER,
        name="World Book Day 2026",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        platforms=["weibo"],
        hashtags=["#世界读书日"],
    )
    brief = ops.briefs.propose(
        PLANNER,
        title="诗歌入门书单 · Poetry picks",
        need="Readers keep asking where to start with poetry.",
        content_type="knowledge",
        format="image_text",
        platforms=["weibo", "wechat"],
        references=[
            BriefReference("12 questions about poetry in March", kind="question", ref="q-118"),
            BriefReference("survey: 38% want reading lists", kind="survey", ref="survey-3"),
            BriefReference("reads of last year's list: 18,400", kind="figure"),
            BriefReference("staff note"),
        ],
        campaign_id=campaign,
    )
    ops.briefs.plan(PLANNER, brief, due_on=date(2026, 4, 20), assignee="planner-2")
    ops.briefs.replan(ADMIN, brief, due_on=date(2026, 4, 18), assignee="planner-1")
    ops.briefs.start(PLANNER, brief)
    post = ops.posts.draft(
        PLANNER,
        title="Poetry picks",
        body="Five books of poems to start with.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant("weibo", "Five books of poems to start with")],
        campaign_id=campaign,
    )
    ops.briefs.mark_drafted(PLANNER, brief, post)
    other = ops.briefs.propose(
        ADMIN,
        title="Night reading live",
        need="Late readers",
        content_type="interactive",
        format="live",
    )
    ops.briefs.drop(ADMIN, other, "no presenter this month")


def media_scenario(ops: LibOps) -> None:
    """Every MediaAsset event (issue 17): a photo under CC BY 4.0 for Weibo only, its licence
    replaced by a purchased one; a music track in the public domain, withdrawn; a post on
    WeChat using both, submitted for review: a finding for the withdrawn track; the library
    adds the checklist item 导向 (orientation), and the reviewer sends the post back answering
    it (issue 17, item 9)."""
    from libops.domain.media import Licence, asset_reference

    photo = ops.media.register(
        PLANNER,
        title="阅览室 · Reading room",
        kind="image",
        source="Wikimedia Commons, user Shanghai-Lib",
        content_ref="sha256:" + "5e" * 32,
        licence=Licence(
            kind="creative_commons",
            cc_id="CC BY 4.0",
            holder="Shanghai-Lib",
            reference="https://creativecommons.org/licenses/by/4.0/",
            expires_on=date(2026, 4, 30),
            platforms=["weibo"],
            attribution="Photo: Shanghai-Lib, CC BY 4.0",
        ),
    )
    ops.media.update_licence(
        ADMIN,
        photo,
        Licence(kind="purchased", holder="Visual China", reference="VC-2026-0418"),
    )
    track = ops.media.register(
        PLANNER,
        title="Für Elise",
        kind="music",
        source="Musopen recording",
        content_ref="https://media.example.org/elise.mp3",
        licence=Licence(kind="public_domain"),
    )
    ops.media.withdraw(ADMIN, track, "the recording itself is not in the public domain")
    post = ops.posts.draft(
        PLANNER,
        title="Music in the reading room",
        body="Quiet music for quiet reading.",
        content_type="knowledge",
        format="image_text",
        variants=[
            PostVariant(
                "wechat",
                "Quiet music for quiet reading",
                media=(asset_reference(photo), asset_reference(track)),
            )
        ],
    )
    ops.posts.submit_for_review(PLANNER, post)
    ops.review_items.define(ADMIN, "orientation", "Orientation", "导向")
    ops.posts.review(
        REVIEWER,
        post,
        ReviewChecklist(accuracy=True, copyright=False, privacy=True),
        approve=False,
        comments="the track may not be used: swap it",
        answers={"orientation": "not_applicable"},
    )


def review_items_scenario(ops: LibOps) -> None:
    """Every ReviewItems event (issue 17): two checklist items added, one relabelled, the
    other retired with a reason."""
    ops.review_items.define(ADMIN, "orientation", "Orientation", "导向")
    ops.review_items.define(ADMIN, "accessibility", "Accessibility", "无障碍")
    ops.review_items.define(ADMIN, "orientation", "Political orientation", "政治导向")
    ops.review_items.retire(ADMIN, "accessibility", "merged into the accuracy check")


def _no_gateways(clock: Clock) -> tuple[PlatformGateway, ...]:
    return ()


def _sandboxes(clock: Clock) -> tuple[PlatformGateway, ...]:
    return (
        SandboxPlatform("weibo", seed="golden", clock=clock),
        SandboxPlatform("wechat", seed="golden", clock=clock, supports_idempotency_key=False),
    )


@attrs.frozen
class Golden:
    """One golden file: its name, the scenario that records it and its fixed-id prefix.

    ``gateways`` builds the platform adapters the scenario publishes through, on its clock.
    """

    name: str
    scenario: Callable[[LibOps], None]
    id_prefix: str
    about: str
    gateways: Callable[[Clock], tuple[PlatformGateway, ...]] = _no_gateways
    sensitive_words: tuple[str, ...] = ()
    sealed_drafts: bool = True
    """False for files recorded before drafts were sealed: posts are drafted in clear, as
    then (see :func:`unsealed_drafts`), so the file keeps recording that format."""


def survey_scenario(ops: LibOps) -> None:
    """Every Survey event, with the sealed personal data a named response carries.

    A reading session two readers attend; a named survey of it (a rating, a recommendation,
    a multiple choice and free text), opened, answered by both (one with free text, sealed
    with them), closed; an anonymous survey of the account over April, opened, answered once.
    """
    clock = _manual_clock(ops)
    session = ops.sessions.schedule(
        PLANNER,
        title="World Book Day reading circle",
        starts_at=datetime(2026, 4, 23, 11, 0, tzinfo=UTC),
        ends_at=datetime(2026, 4, 23, 13, 0, tzinfo=UTC),
        capacity=20,
        place="City Library, 3F reading room",
    )
    clock.set(datetime(2026, 4, 20, 9, 0, tzinfo=UTC))
    readers = [
        ops.sessions.register(
            PLANNER,
            session,
            participant=PersonalInfo(name=name),
            consent=Consent("the reading circle of 23 April", clock.now()),
            subject_id=subject,
        )
        for name, subject in (("王芳", "card-20260007"), ("Zhou Lei", "card-20260042"))
    ]
    clock.set(datetime(2026, 4, 23, 11, 5, tzinfo=UTC))
    for reader in readers:
        ops.sessions.record_attendance(PLANNER, session, reader)
    survey = ops.surveys.create(
        PLANNER,
        title="How was the reading circle? · 读书分享会满意度",
        target="activity",
        target_id=session,
        questions=(
            SurveyQuestion("overall", "How satisfied are you with the circle?", "rating"),
            SurveyQuestion("recommend", "Would you recommend it to a friend?", "recommendation"),
            SurveyQuestion(
                "next",
                "What would you like next?",
                "multiple_choice",
                required=False,
                options=("poetry", "history", "science"),
            ),
            SurveyQuestion("comment", "Anything else?", "free_text", required=False),
        ),
    )
    clock.set(datetime(2026, 4, 23, 13, 10, tzinfo=UTC))
    ops.surveys.open(PLANNER, survey)
    clock.set(datetime(2026, 4, 23, 13, 30, tzinfo=UTC))
    ops.surveys.record_response(
        PLANNER,
        survey,
        answers={
            "overall": 5,
            "recommend": 10,
            "next": ["history", "poetry"],
            "comment": "多一些诗歌",
        },
        respondent=PersonalInfo(name="王芳"),
        consent=Consent("the survey of the reading circle", clock.now()),
        subject_id=readers[0],
    )
    ops.surveys.record_response(
        ADMIN,
        survey,
        answers={"overall": 3, "recommend": 6},
        respondent=PersonalInfo(name="Zhou Lei"),
        consent=Consent("the survey of the reading circle", clock.now()),
        subject_id=readers[1],
    )
    clock.set(datetime(2026, 4, 30, 9, 0, tzinfo=UTC))
    ops.surveys.close(ADMIN, survey)
    account = ops.surveys.create(
        ADMIN,
        title="Our accounts in April",
        target="account",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        anonymous=True,
        questions=(
            SurveyQuestion("recommend", "Would you recommend our accounts?", "recommendation"),
            SurveyQuestion(
                "platform", "Where do you follow us?", "single_choice", options=("wechat", "weibo")
            ),
            SurveyQuestion("comment", "Anything else?", "free_text", required=False),
        ),
    )
    ops.surveys.open(ADMIN, account)
    clock.set(datetime(2026, 4, 30, 10, 0, tzinfo=UTC))
    ops.surveys.record_response(
        PLANNER,
        account,
        answers={"recommend": 9, "platform": "wechat", "comment": "More reading lists, please"},
    )


def import_scenario(ops: LibOps) -> None:
    """Post.RecordedExternally: posts published outside libops, found in an analytics export
    (docs/import.md). A Weibo CSV with two rows, imported through a mapping file: two posts
    recorded externally and published with their counts; the same file again (nothing
    recorded); a day later a corrected file lowering the first post's reads."""
    clock = _manual_clock(ops)
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    header = "标题,链接,发布时间,阅读数,点赞数\n"
    first = '春季书展开幕,https://weibo.com/1234/AbCd,2026-03-02 10:00,"1,523",88\n'
    second = "古籍修复小课堂,,2026-03-05 19:30,940,-\n"
    mapping = (
        'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
        '[counts]\nreads = "阅读数"\nlikes = "点赞数"\n'
    )
    with tempfile.TemporaryDirectory() as folder:
        export, rules = Path(folder) / "weibo.csv", Path(folder) / "weibo.toml"
        export.write_text(header + first + second, encoding="utf-8")
        rules.write_text(mapping, encoding="utf-8")
        ops.imports.run(ADMIN, export, mapping=rules)
        ops.imports.run(ADMIN, export, mapping=rules)
        clock.set(datetime(2026, 3, 11, 8, 0, tzinfo=UTC))
        export.write_text(header + first.replace("1,523", "1,500") + second, encoding="utf-8")
        ops.imports.run(ADMIN, export, mapping=rules)


def follower_scenario(ops: LibOps) -> None:
    """AccountFollowers: a WeChat user-growth export (HTML named .xls) of two days imported,
    then a corrected one changing the second day (``replaced``)."""
    clock = _manual_clock(ops)
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    head = (
        "<html><body><table><tr><th>用户增长</th></tr><tr><th>时间</th><th>新关注人数</th>"
        "<th>取消关注人数</th><th>净增关注人数</th><th>累积关注人数</th></tr>"
    )
    first = "<tr><td>2026-03-01</td><td>21</td><td>10</td><td>11</td><td>4811</td></tr>"
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "user_analysis.xls"
        second = "<tr><td>2026-03-02</td><td>5</td><td>10</td><td>-5</td><td>4806</td></tr>"
        export.write_text(head + first + second + "</table></body></html>", encoding="utf-8")
        ops.imports.run(ADMIN, export)
        clock.set(datetime(2026, 3, 11, 8, 0, tzinfo=UTC))
        second = "<tr><td>2026-03-02</td><td>6</td><td>10</td><td>-4</td><td>4807</td></tr>"
        export.write_text(head + first + second + "</table></body></html>", encoding="utf-8")
        ops.imports.run(ADMIN, export)


class TakeDownSandbox(SandboxPlatform):
    """A sandbox that can also take posts down (the ``SupportsTakeDown`` port), and be told
    to fail the next take-downs: for the take-down scenario only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken_down: list[str] = []
        self._take_down_failures: list[PlatformError] = []

    def fail_next_take_down(self, message: str, *, retryable: bool) -> None:
        """Fail the next take-down with ``message``."""
        self._take_down_failures.append(PlatformError(message, retryable=retryable))

    def take_down(self, external_id: str) -> None:
        """Remove the post (a post gone already counts as removed)."""
        if self._take_down_failures:
            raise self._take_down_failures.pop(0)
        if external_id not in self.taken_down:
            self.taken_down.append(external_id)


def _take_down_gateways(clock: Clock) -> tuple[PlatformGateway, ...]:
    return (
        TakeDownSandbox("mastodon", seed="golden", clock=clock),
        TakeDownSandbox("bluesky", seed="golden", clock=clock, supports_idempotency_key=False),
        SandboxPlatform("weibo", seed="golden", clock=clock),
    )


def take_down_scenario(ops: LibOps) -> None:
    """Every take-down event (issue 11): a post out on Mastodon, Bluesky and Weibo, retracted.

    Mastodon's take-down fails (a timeout: it may pass) and is taken down on the next try;
    Bluesky refuses for good, which leaves it to staff; the sandbox Weibo cannot take posts
    down, so staff get a task. Staff confirm both; the post is then retracted.
    """
    clock = _manual_clock(ops)
    platforms = (Platform.MASTODON, Platform.BLUESKY, Platform.WEIBO)
    post = ops.posts.draft(
        PLANNER,
        title="Opening hours over the holiday",
        body="The library closes at 17:00 on 4 and 5 April.",
        content_type="news",
        format="image_text",
        variants=[
            PostVariant(p, "Holiday hours: we close at 17:00 on 4 and 5 April.") for p in platforms
        ],
    )
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(
        REVIEWER, post, ReviewChecklist(accuracy=True, copyright=True, privacy=True), approve=True
    )
    clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    for platform in platforms:
        ops.publishing.publish(ADMIN, post, platform)
    mastodon, bluesky = ops.publishing.gateway("mastodon"), ops.publishing.gateway("bluesky")
    assert isinstance(mastodon, TakeDownSandbox)
    assert isinstance(bluesky, TakeDownSandbox)
    mastodon.fail_next_take_down("mastodon: the answer was lost (timeout)", retryable=True)
    bluesky.fail_next_take_down("bluesky: 403 this account may not delete records", retryable=False)
    clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    ops.posts.retract(ADMIN, post, "the hours were wrong: we close at 16:00")
    clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    ops.posts.take_down(TECH, post, "mastodon")
    clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    ops.posts.confirm_take_down(
        ADMIN, post, "bluesky", note="deleted in the Bluesky app", url="https://bsky.app/profile/x"
    )
    ops.posts.confirm_take_down(ADMIN, post, "weibo", note="删除于微博客户端")


def bulk_import_scenario(ops: LibOps) -> None:
    """MetricImport (issue 11, item 7): two Weibo posts recorded by the ordinary import,
    then a CSV of their daily snapshots through the bulk path in batches of three (the
    second day lowers the first post's reads: a correction), then the same file again
    (nothing recorded)."""
    clock = _manual_clock(ops)
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
    header = "标题,链接,发布时间,日期,阅读数,点赞数\n"
    mapping = (
        'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
        'observed_at = "日期"\n[counts]\nreads = "阅读数"\nlikes = "点赞数"\n'
    )
    posts = (
        "春季书展开幕,https://weibo.com/1234/AbCd,2026-03-02 10:00,2026-03-02,100,5\n"
        "古籍修复小课堂,https://weibo.com/1234/EfGh,2026-03-05 19:30,2026-03-05,40,2\n"
    )
    daily = (
        "春季书展开幕,https://weibo.com/1234/AbCd,2026-03-02 10:00,2026-03-06,520,31\n"
        "古籍修复小课堂,https://weibo.com/1234/EfGh,2026-03-05 19:30,2026-03-06,90,7\n"
        "春季书展开幕,https://weibo.com/1234/AbCd,2026-03-02 10:00,2026-03-07,505,33\n"
        "古籍修复小课堂,https://weibo.com/1234/EfGh,2026-03-05 19:30,2026-03-07,130,9\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        rules = Path(folder) / "weibo.toml"
        rules.write_text(mapping, encoding="utf-8")
        first = Path(folder) / "weibo_posts.csv"
        first.write_text(header + posts, encoding="utf-8")
        ops.imports.run(ADMIN, first, mapping=rules)
        export = Path(folder) / "weibo_daily.csv"
        export.write_text(header + daily, encoding="utf-8")
        ops.imports.run_bulk(ADMIN, export, mapping=rules, batch_rows=3)
        ops.imports.run_bulk(ADMIN, export, mapping=rules, batch_rows=3)


SCENARIOS: tuple[Golden, ...] = (
    Golden(
        "campaign_events.json",
        campaign_scenario,
        "ca000000",
        "Two campaigns: one planned (with an idempotency key), amended, given two KOL "
        "partners, launched, paused, resumed and completed; one planned and cancelled.",
    ),
    Golden(
        "post_events.v2.json",
        post_scenario,
        "b0570000",
        "A campaign and one post on Weibo and WeChat with the platforms' calendars: drafted, "
        "revised, sent back for personal data, revised, approved, scheduled on both, "
        "unscheduled and rescheduled on WeChat, published on Weibo (sandbox), failed on "
        "WeChat, metrics recorded, repeated (nothing recorded) and corrected, retracted "
        "(a take-down task for Weibo, where the sandbox cannot take posts down).",
        gateways=_sandboxes,
        sensitive_words=("最佳",),
        sealed_drafts=False,
    ),
    Golden(
        "sealed_post_events.json",
        sealed_post_scenario,
        "5ea1ed00",
        "One post with sealed drafts: drafted with a reader's phone number, retitled, sent "
        "back for personal data (the draft redacted, its clean source kept), revised, its "
        "old title redacted on request, retitled, approved.",
    ),
    Golden(
        "post_metric_void_events.json",
        metric_void_scenario,
        "b0570d00",
        "One post on Weibo, published (sandbox): a snapshot, a wrong one from a bad export, "
        "voided with a reason, then the next real snapshot.",
        gateways=_sandboxes,
        sealed_drafts=False,
    ),
    Golden(
        "publish_claim_events.json",
        publish_claim_scenario,
        "c1a10000",
        "A post approved and scheduled on Weibo; at its time a run claims it and dies; 20 "
        "minutes later the next run takes the lapsed claim over, asks the platform, publishes "
        "and settles the claim.",
        gateways=_sandboxes,
        sealed_drafts=False,
    ),
    Golden(
        "budget_events.json",
        budget_scenario,
        "b0d9e700",
        "A campaign and a CNY budget: allocations (a campaign's line linked to the campaign), "
        "a KOL partner engaged, a commitment with an override, partly released, an invoice "
        "settling the KOL fee (repeated: nothing recorded), money moved, an expense with an "
        "override, an allocation changed, the rest released, closed.",
    ),
    Golden(
        "risk_events.json",
        risk_scenario,
        "415c0000",
        "A content risk identified, reassessed and escalated, reassigned, mitigated, given a "
        "contingency plan, an incident reported and resolved, reviewed, reassessed below the "
        "threshold and closed; a technical risk opened by a signal, escalated at once.",
    ),
    Golden(
        "question_events.v2.json",
        question_scenario,
        "a5c00000",
        "A post; a question on it, answered; a question escalated after 24 hours, answered "
        "late; its asker erased.",
        sealed_drafts=False,
    ),
    Golden(
        "reading_session_events.v2.json",
        reading_session_scenario,
        "5e550000",
        "A campaign; a reading session with two registrations, attendance and contributions, "
        "closed; a second session cancelled.",
    ),
    Golden(
        "contest_events.v2.json",
        contest_scenario,
        "c0de5700",
        "A campaign; a prize quiz announced, its rules stated, opened, five entries, one "
        "disqualified, closed and drawn; a repost draw announced with rules and cancelled.",
    ),
    Golden(
        "conduct_events.json",
        conduct_scenario,
        "c0dc0000",
        "A post; a reader's comment hidden, three warnings (an automatic sanction) and a "
        "sanction; another reader's comment featured and rewarded.",
        sealed_drafts=False,
    ),
    Golden(
        "checkpoint_events.json",
        checkpoint_scenario,
        "c4ec0000",
        "A campaign planned; a checkpoint signing the log's Merkle root at its one event.",
    ),
    Golden(
        "access_events.v2.json",
        access_scenario,
        "acce5500",
        "A question received; its asker's personal data opened to reply (the reading recorded).",
    ),
    Golden(
        "standing_events.json",
        standing_scenario,
        "57a40000",
        "The account's standing: a peer ranking recorded and replaced, an honour recorded and "
        "withdrawn, a campaign marked as a typical case and unmarked, service uses recorded "
        "and replaced.",
    ),
    Golden(
        "post_origin_events.json",
        origin_scenario,
        "0a160000",
        "Two posts: one declared reposted; one made from it, declared reposted and then "
        "original again; a content budget with an expense recorded against the second post.",
    ),
    Golden(
        "user_events.json",
        user_scenario,
        "05e40000",
        "A user added with a scope; password set; roles and scope changed; a token issued and "
        "revoked; the user disabled and enabled.",
    ),
    Golden(
        "user_team_events.json",
        team_scenario,
        "7ea40000",
        "A member of the team given duties and a joining day; a training recorded by the "
        "member; the member leaves and rejoins.",
    ),
    Golden(
        "survey_events.json",
        survey_scenario,
        "5a7e0000",
        "A reading session two readers attend; a named survey of it opened, answered by both "
        "(free text sealed), closed; an anonymous survey of the account opened and answered.",
    ),
    Golden(
        "brief_events.json",
        brief_scenario,
        "b41ef000",
        "A campaign; a content brief with references, planned, replanned, started and "
        "drafted as a post of the campaign; another brief proposed and dropped.",
    ),
    Golden(
        "import_events.json",
        import_scenario,
        "1b0e7000",
        "An analytics export imported (docs/import.md): two posts published outside libops, "
        "recorded externally with their counts; the same file again (nothing recorded); a "
        "corrected file lowering a count.",
        sealed_drafts=False,
    ),
    Golden(
        "account_follower_events.json",
        follower_scenario,
        "f0110000",
        "A WeChat account's daily follower figures imported from a user-growth export: two "
        "days recorded, then a corrected file replacing the second day.",
    ),
    Golden(
        "media_events.json",
        media_scenario,
        "3ed1a000",
        "A photo under CC BY 4.0 for Weibo, its licence replaced by a purchased one; a "
        "public-domain track, withdrawn; a WeChat post using both, submitted for review; "
        "a checklist item 导向 added; the post sent back, the item answered.",
        sealed_drafts=False,
    ),
    Golden(
        "bulk_import_events.json",
        bulk_import_scenario,
        "b1c00000",
        "A CSV of daily snapshots through the bulk import path (issue 11, item 7): two "
        "posts recorded by the ordinary import, then four snapshots in two columnar "
        "batches (one a correction), and the same file again (nothing recorded).",
        sealed_drafts=False,
    ),
    Golden(
        "user_training_correction_events.json",
        training_correction_scenario,
        "7ea4c000",
        "A member added; a training recorded with the wrong day and hours, then corrected "
        "by an operations admin with the reason.",
    ),
    Golden(
        "review_item_events.json",
        review_items_scenario,
        "4e71e000",
        "Two checklist items added (导向, 无障碍); 导向 relabelled; 无障碍 retired with a reason.",
    ),
)
"""Every golden file, by name. Add a scenario here (see the module docstring)."""

SCENARIOS += (
    Golden(
        "post_take_down_events.json",
        take_down_scenario,
        "7a4ed000",
        "One post published on Mastodon, Bluesky and Weibo, retracted: Mastodon's take-down "
        "fails (retryable) and succeeds on the next try; Bluesky refuses for good and Weibo "
        "cannot take posts down, so staff confirm both.",
        gateways=_take_down_gateways,
        sealed_drafts=False,  # titles in clear: the listing reads them without the key store
    ),
)


# --- recording -------------------------------------------------------------------------


def record(golden: Golden) -> list[dict[str, Any]]:
    """Run ``golden``'s scenario and return its stored events, with fixed ids and times."""
    clock = ManualClock(START)
    with LibOps.open(
        "memory://",
        clock=clock,
        gateways=golden.gateways(clock),
        sensitive_words=golden.sensitive_words,
        keys=GoldenKeyStore(),
    ) as ops:
        drafts = contextlib.nullcontext() if golden.sealed_drafts else unsealed_drafts()
        with fixed_randomness(golden.id_prefix), drafts:
            golden.scenario(ops)
        notifications = ops.app.recorder.select_notifications(start=1, limit=100_000)
        transcoder = ops.app.mapper.transcoder
        _check_ids(golden, [UUID(str(n.originator_id)) for n in notifications])
        records = []
        for position, notification in enumerate(notifications):
            state = transcoder.decode(notification.state)
            state["timestamp"] = START + timedelta(minutes=position)
            records.append(
                {
                    "originator_id": str(notification.originator_id),
                    "originator_version": notification.originator_version,
                    "topic": notification.topic,
                    "state": transcoder.encode(state).decode("utf-8"),
                }
            )
        _check_stable(ops, records)
    return records


def _check_ids(golden: Golden, originator_ids: Sequence[UUID]) -> None:
    """The n-th new random id in the log is the n-th fixed id (else one was made, not saved)."""
    made: list[UUID] = []
    for originator_id in originator_ids:
        if originator_id.version == 4 and originator_id not in made:
            made.append(originator_id)
    for n, originator_id in enumerate(made, start=1):
        if originator_id != _fixed_id(golden.id_prefix, n):
            raise RuntimeError(
                f"the scenario of {golden.name} saved {originator_id} as its aggregate number "
                f"{n}: make aggregates in the order they are saved, and none that is not saved"
            )


def stored_events(records: Sequence[dict[str, Any]]) -> list[StoredEvent]:
    """The golden records as eventsourcing's stored events."""
    return [
        StoredEvent(
            originator_id=UUID(record["originator_id"]),
            originator_version=int(record["originator_version"]),
            topic=str(record["topic"]),
            state=str(record["state"]).encode("utf-8"),
        )
        for record in records
    ]


def _check_stable(ops: LibOps, records: Sequence[dict[str, Any]]) -> None:
    """Each record decodes, and encodes again to exactly the same stored form."""
    for stored in stored_events(records):
        again = ops.app.mapper.to_stored_event(ops.app.mapper.to_domain_event(stored))
        if (again.topic, again.state) != (stored.topic, stored.state):
            raise RuntimeError(f"{stored.topic} does not encode back to the same stored form")


def render(golden: Golden) -> str:
    """The text of ``golden``'s file, as the code writes it today."""
    records = record(golden)
    if record(golden) != records:
        raise RuntimeError(f"the scenario of {golden.name} is not deterministic")
    document = {"about": golden.about, "events": records}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load(name: str) -> list[dict[str, Any]]:
    """The stored events of the golden file ``name``."""
    document = json.loads((GOLDEN_DIR / name).read_text(encoding="utf-8"))
    events = document["events"]
    assert isinstance(events, list)
    return events


def golden_files() -> list[Path]:
    """Every golden file on disk (including kept older versions)."""
    return sorted(GOLDEN_DIR.glob("*.json"))


# --- command line ----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Write missing golden files; with --check write nothing; --force NAME overwrites."""
    parser = argparse.ArgumentParser(prog="python -m tests.golden.regenerate")
    parser.add_argument("--check", action="store_true", help="write nothing; fail on any change")
    parser.add_argument("--force", nargs="+", default=[], metavar="NAME", help="overwrite these")
    options = parser.parse_args(argv)
    known = {golden.name for golden in SCENARIOS}
    unknown = sorted(set(options.force) - known)
    if unknown:
        parser.error(f"no scenario writes {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    failed = False
    for golden in SCENARIOS:
        path = GOLDEN_DIR / golden.name
        text = render(golden)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            print(f"{golden.name}: unchanged")
        elif options.check:
            print(f"{golden.name}: {'differs' if path.exists() else 'missing'}")
            failed = True
        elif path.exists() and golden.name not in options.force:
            print(f"{golden.name}: DIFFERS; not overwritten (read the module docstring first)")
            failed = True
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{golden.name}: written")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
