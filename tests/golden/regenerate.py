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
   ``ops`` (the clock is a ``ManualClock`` at ``START``; advance it with ``ops.clock``),
   and should record every event class of the aggregate at least once.
2. Add ``Golden("post_events.json", post_scenario, "b0570000", "...")`` to ``SCENARIOS``
   (a prefix of 8 hex digits of its own).
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
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import StoredEvent

from libops import Actor, KolPartner, LibOps, Metric, Money, Objective, Period, Platform, Role
from libops.adapters.clock import ManualClock

GOLDEN_DIR = Path(__file__).parent
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

PLANNER = Actor("planner-1", [Role.CONTENT_PLANNER], name="Li Na")
ADMIN = Actor("admin-1", [Role.OPERATIONS_ADMIN], name="Chen Jie")


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


@attrs.frozen
class Golden:
    """One golden file: its name, the scenario that records it and its fixed-id prefix."""

    name: str
    scenario: Callable[[LibOps], None]
    id_prefix: str
    about: str


SCENARIOS: tuple[Golden, ...] = (
    Golden(
        "campaign_events.json",
        campaign_scenario,
        "ca000000",
        "Two campaigns: one planned (with an idempotency key), amended, given two KOL "
        "partners, launched, paused, resumed and completed; one planned and cancelled.",
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
    with LibOps.open("memory://", clock=ManualClock(START)) as ops:
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
