"""Write the golden files: stored events of fixed scenarios, exactly as libops stores them.

Each golden file (``tests/golden/<name>.json``) holds the events one scenario records, in
the order they were recorded, each as stored: ``originator_id``, ``originator_version``,
``topic`` and ``state`` (the stored JSON text, kept as a string). ``tests/unit/test_golden.py``
decodes the files with a fresh application and compares what comes out with expectations
written out by hand, so renaming a topic, a stored type name or a field cannot slip through.

The files are the same on every run and every machine: a scenario runs on a memory store
with a manual clock, then each random (version 4) aggregate id is replaced with a fixed id
(``<prefix>-0000-4000-8000-<n>`` for the n-th new aggregate, wherever the id appears in the
events), and the n-th event's timestamp becomes ``START`` plus n minutes. Ids that libops
derives itself (version 5, such as an idempotency record's) are kept.

Usage (from the repository root)::

    python -m tests.golden.regenerate            # write missing files, report differences
    python -m tests.golden.regenerate --check    # write nothing; fail if any file differs
    python -m tests.golden.regenerate --force campaign_events.json   # overwrite that file

Adding a scenario (for example the Post aggregate's events):

1. Write ``def post_scenario(ops: LibOps) -> None`` below: it gives commands through
   ``ops`` (the clock is a ``ManualClock`` at ``START``; move it with ``_manual_clock(ops)``),
   and should record every event class of the aggregate at least once. Avoid idempotency
   keys on commands whose arguments hold a new aggregate's id: the fingerprint hashes the
   real (random) id, so the file would differ on every run.
2. Add ``Golden("post_events.json", post_scenario, "b0570000", "...")`` to ``SCENARIOS``
   (a prefix of 8 hex digits of its own). A scenario that publishes passes ``gateways``
   (sandbox platforms built on the scenario's clock); ``sensitive_words`` configures the
   automatic review.
3. Run ``python -m tests.golden.regenerate`` and commit the new file.
4. In ``tests/unit/test_golden.py`` write out the expected events and the expected state of
   the reconstructed aggregates explicitly (never generated from the file).

A golden file is a record of a released format. When a test fails because the stored form
changed on purpose, do not just overwrite the file: keep it (rename it, e.g.
``campaign_events.v1.json``, with its expectations, which must still pass through the
upcasters), give the changed event classes a ``class_version`` and an upcaster, and only then
write the current form with ``--force``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import StoredEvent

from libops import (
    Actor,
    KolPartner,
    LibOps,
    Metric,
    MetricSnapshot,
    Money,
    Objective,
    Period,
    Platform,
    PlatformGateway,
    PostVariant,
    ReviewChecklist,
    Role,
    SandboxPlatform,
)
from libops.adapters.clock import ManualClock
from libops.domain.errors import PublishFailedError
from libops.domain.ports import Clock

GOLDEN_DIR = Path(__file__).parent
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

BEIJING = timezone(timedelta(hours=8))

PLANNER = Actor("planner-1", [Role.CONTENT_PLANNER], name="Li Na")
PLANNER2 = Actor("planner-2", [Role.CONTENT_PLANNER], name="Wang Fang")
REVIEWER = Actor("reviewer-1", [Role.REVIEWER], name="Zhao Min")
ADMIN = Actor("admin-1", [Role.OPERATIONS_ADMIN], name="Chen Jie")
TECH = Actor("tech-1", [Role.TECHNICAL_SUPPORT], name="Sun Hao")


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


SCENARIOS: tuple[Golden, ...] = (
    Golden(
        "campaign_events.json",
        campaign_scenario,
        "ca000000",
        "Two campaigns: one planned (with an idempotency key), amended, given two KOL "
        "partners, launched, paused, resumed and completed; one planned and cancelled.",
    ),
    Golden(
        "post_events.json",
        post_scenario,
        "b0570000",
        "A campaign and one post on Weibo and WeChat with the platforms' calendars: drafted, "
        "revised, sent back for personal data, revised, approved, scheduled on both, "
        "unscheduled and rescheduled on WeChat, published on Weibo (sandbox), failed on "
        "WeChat, metrics recorded, repeated (nothing recorded) and corrected, retracted.",
        gateways=_sandboxes,
        sensitive_words=("最佳",),
    ),
)
"""Every golden file, by name. Add a scenario here (see the module docstring)."""


# --- recording -------------------------------------------------------------------------


def _fixed_id(prefix: str, n: int) -> UUID:
    return UUID(f"{prefix}-0000-4000-8000-{n:012d}")


def _replace_ids(value: Any, ids: dict[UUID, UUID]) -> Any:
    """``value`` with every real id replaced by its fixed id (also inside text)."""
    if isinstance(value, UUID):
        return ids.get(value, value)
    if isinstance(value, str):
        for real, fixed in ids.items():
            value = value.replace(str(real), str(fixed)).replace(real.hex, fixed.hex)
        return value
    if isinstance(value, dict):
        return {key: _replace_ids(item, ids) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_replace_ids(item, ids) for item in value)
    if attrs.has(type(value)):
        changes = {
            field.alias: _replace_ids(getattr(value, field.name), ids)
            for field in attrs.fields(type(value))
            if field.init
        }
        return attrs.evolve(value, **changes)
    return value


def record(golden: Golden) -> list[dict[str, Any]]:
    """Run ``golden``'s scenario and return its stored events with fixed ids and times."""
    clock = ManualClock(START)
    with LibOps.open(
        "memory://",
        clock=clock,
        gateways=golden.gateways(clock),
        sensitive_words=golden.sensitive_words,
    ) as ops:
        golden.scenario(ops)
        notifications = ops.app.recorder.select_notifications(start=1, limit=100_000)
        transcoder = ops.app.mapper.transcoder
        ids: dict[UUID, UUID] = {}
        for notification in notifications:
            real = UUID(str(notification.originator_id))
            if real.version == 4 and real not in ids:
                ids[real] = _fixed_id(golden.id_prefix, len(ids) + 1)
        records = []
        for position, notification in enumerate(notifications):
            state = transcoder.decode(notification.state)
            state["timestamp"] = START + timedelta(minutes=position)
            state = _replace_ids(state, ids)
            real = UUID(str(notification.originator_id))
            records.append(
                {
                    "originator_id": str(ids.get(real, real)),
                    "originator_version": notification.originator_version,
                    "topic": notification.topic,
                    "state": transcoder.encode(state).decode("utf-8"),
                }
            )
        _check_stable(ops, records)
    return records


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
