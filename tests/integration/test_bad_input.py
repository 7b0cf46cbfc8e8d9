"""Bad input through every public door: only libops errors come out, and nothing is recorded.

Each test walks bad inputs through one door on SQLite and PostgreSQL and counts three things,
each of which must stay 0: raw exceptions (anything not a :class:`LibopsError`), tracebacks in
the command line's output, and events recorded by an input that was refused. The inputs are a
fixed corpus (the cases issue 13 found, and their neighbours) plus generated ones: commands of
every kind built with ``build_command`` from plausible JSON with fields replaced, dropped or
added, and command lines with generated store URLs, options and days. Every test counts what it
tried, and checks that it tried at least as many as it promises.
"""

from __future__ import annotations

import copy
import json
import math
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import DatabaseError, InterfaceError, OperationalError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from libops import (
    Actor,
    LibOps,
    MetricSnapshot,
    Objective,
    Period,
    PostVariant,
    Role,
    all_commands,
    build_command,
    cli,
)
from libops.adapters.clock import ManualClock
from libops.adapters.storage import count_events
from libops.application.app import RetryPolicy
from libops.application.catalogue import describe
from libops.domain.budget import Override
from libops.domain.errors import (
    LibopsError,
    NotAStoreError,
    PublishFailedError,
    StorageError,
    StoreBusyError,
    StoreUnavailableError,
)
from libops.domain.interaction.contest import ContestRules, Prize
from libops.domain.interaction.moderation import CommentRef
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.schema import converter
from libops.domain.values import (
    COUNT_MAX,
    HASHTAGS_MAX,
    NAME_MAX,
    POST_TEXT_MAX,
    KolPartner,
    Money,
    ReviewChecklist,
)
from libops.report import build_report

NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
EVERYONE = Actor("bad-input-walker", list(Role), name="Walker")
"""Someone with every role, so that input (not the role table) decides each outcome."""

# --- the bad values ---------------------------------------------------------------------------

BAD_TEXTS: list[str] = [
    "",
    "   ",
    "\ud800",
    "lone \udc00 surrogate",
    "nul\x00byte",
    "\x1b[31mescape",
    "bell\x07",
    "c1\x85\x9b",
    "del\x7f",
    "x" * (NAME_MAX + 1),
    "y" * (POST_TEXT_MAX + 1),
    "z" * 1_000_000,
]
"""Texts no field takes (blank ones only where text is required)."""

BAD_VALUES: list[Any] = [
    *BAD_TEXTS,
    None,
    0,
    -1,
    10**30,
    -(10**30),
    COUNT_MAX + 1,
    1.5,
    math.nan,
    math.inf,
    True,
    [],
    {},
    ["x"] * 10_000,
    [None],
    {"unexpected": 1},
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31",
    "0001-01-01",
    "2026-13-45",
    "not-a-uuid",
    str(UUID(int=0)),
    "00000000-0000-0000-0000-00000000000g",
]
"""Values, good for no field or not for most, to put in any field of any command."""


# --- what the walks count ---------------------------------------------------------------------


@dataclass
class Tally:
    """What a walk tried and what went wrong (every list must stay empty)."""

    tried: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    raw: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)

    def check(self, at_least: int) -> None:
        assert self.raw == [], f"{len(self.raw)} raw exceptions: {self.raw[:5]}"
        assert self.recorded == [], f"{len(self.recorded)} refusals recorded: {self.recorded[:5]}"
        assert self.tracebacks == [], f"{len(self.tracebacks)} tracebacks: {self.tracebacks[:3]}"
        assert self.tried >= at_least, f"only {self.tried} inputs tried, promised {at_least}"
        print(f"{self.tried} bad inputs: {dict(self.outcomes)}")  # shown with pytest -s


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def attempt(ops: LibOps, tally: Tally, what: str, call: Callable[[], object]) -> None:
    """Try ``call``: a libops error records nothing, anything else raised is counted raw."""
    tally.tried += 1
    before = count_events(ops.app.recorder)
    try:
        call()
    except PublishFailedError:
        # The one refusal that records by design: the failed attempt is kept on the post.
        tally.outcomes["refused (failure recorded)"] += 1
        return
    except LibopsError as error:
        tally.outcomes["refused"] += 1
        if not str(error):
            tally.raw.append(f"{what}: {type(error).__name__} without a message")
        after = count_events(ops.app.recorder)
        if after != before:
            tally.recorded.append(f"{what}: {after - before} events, then {error!r}")
        return
    except Exception as error:
        tally.outcomes["raw"] += 1
        where = traceback.extract_tb(error.__traceback__)[-1]
        at = f"{where.filename}:{where.lineno}"
        tally.raw.append(f"{what}: {type(error).__name__}: {_short(str(error))} at {at}")
        return
    tally.outcomes["accepted"] += 1
    tally.accepted.append(what)


# --- a store with something in it -------------------------------------------------------------


@dataclass
class Seeded:
    """A store with one aggregate of each kind, to aim commands at."""

    ops: LibOps
    clock: ManualClock
    ids: dict[str, str]


def _seed(ops: LibOps) -> dict[str, str]:
    campaign = ops.campaigns.plan(
        EVERYONE,
        name="Seeded campaign",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 6, 30)),
        platforms=["weibo"],
        objectives=[Objective("reads", 1000)],
    )
    budget = ops.budgets.open(
        EVERYONE, name="Seeded budget", period=Period(date(2026, 1, 1), date(2026, 12, 31))
    )
    post = ops.posts.draft(
        EVERYONE,
        title="Seeded post",
        body="A body.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "A variant.")],
        campaign_id=campaign,
    )
    risk = ops.risks.identify(
        EVERYONE, title="Seeded risk", category="content", likelihood=2, impact=2, owner=EVERYONE
    )
    contest = ops.contests.announce(EVERYONE, kind="prize_quiz", title="Seeded contest")
    session = ops.sessions.schedule(
        EVERYONE,
        title="Seeded session",
        starts_at=NOW + timedelta(days=7),
        ends_at=NOW + timedelta(days=7, hours=2),
        capacity=10,
        platform="weibo",
    )
    question = ops.questions.receive(
        EVERYONE,
        platform="weibo",
        text="When do you open?",
        asker=PersonalInfo(handle="@reader"),
        consent=Consent("answering the question", NOW),
    )
    return {
        "campaign": str(campaign),
        "budget": str(budget),
        "post": str(post),
        "risk": str(risk),
        "contest": str(contest),
        "session": str(session),
        "question": str(question),
    }


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """A store of each kind, migrated and seeded (one per module: the walks share it)."""
    from tests.conftest import postgres_schema

    clock = ManualClock(NOW)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('bad-input')}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            yield Seeded(ops, clock, _seed(ops))
        return
    with postgres_schema("bad") as url, LibOps.open(url, clock=clock, migrate=True) as ops:
        yield Seeded(ops, clock, _seed(ops))


# --- plausible JSON for every command, to mutate ----------------------------------------------

_SAMPLES: dict[str, Any] = {
    "str": "plain text",
    "bool": True,
    "int": 1,
    "date": "2026-05-01",
    "datetime": "2026-05-01T10:00:00+00:00",
    "UUID": str(uuid4()),
    "Money": converter.unstructure(Money("10.00")),
    "Period": converter.unstructure(Period(date(2026, 4, 1), date(2026, 4, 30))),
    "Actor": converter.unstructure(Actor("approver-1", ["budget_owner"])),
    "Override": converter.unstructure(Override(Actor("approver-1", ["budget_owner"]), "urgent")),
    "KolPartner": converter.unstructure(
        KolPartner("@kol", "weibo", 1000, ("one post",), Money("100.00"))
    ),
    "CommentRef": converter.unstructure(CommentRef(uuid4(), "weibo", "c-1")),
    "PersonalInfo": converter.unstructure(PersonalInfo(handle="@reader")),
    "Consent": converter.unstructure(Consent("taking part", NOW)),
    "ContestRules": converter.unstructure(
        ContestRules(
            eligibility="Anyone",
            opens_at=NOW + timedelta(days=1),
            closes_at=NOW + timedelta(days=8),
            entry_method="comment",
            prizes=(Prize("a book"),),
            platforms=("weibo",),
        )
    ),
    "MetricSnapshot": converter.unstructure(MetricSnapshot("weibo", NOW, reads=10)),
    "ReviewChecklist": converter.unstructure(ReviewChecklist(True, True, True)),
    "PostVariant": converter.unstructure(PostVariant("weibo", "A variant.")),
    "Objective": converter.unstructure(Objective("reads", 100)),
}


def _plausible(type_text: str, field_name: str, ids: dict[str, str]) -> Any:
    """A value of the kind a field's type names (the first member of a union)."""
    first = type_text.split(" | ")[0].strip()
    kind = field_name.removesuffix("_id")
    if first in ("UUID", "UUID | str") or (field_name.endswith("_id") and first == "UUID"):
        return ids.get(kind, ids["campaign"])
    if field_name.endswith("_id") and kind in ids:
        return ids[kind]
    if first.startswith("tuple["):
        inner = first.removeprefix("tuple[").split(",")[0].strip()
        return [_plausible(inner, field_name, ids)]
    if first in _SAMPLES:
        return _SAMPLES[first]
    enum_values = _ENUM_VALUES.get(first)
    if enum_values:
        return enum_values[0]
    return "plain text"


def _enum_values() -> dict[str, list[str]]:
    from libops.domain.schema import ENUM_TYPES

    return {t.__name__: [m.value for m in t] for t in ENUM_TYPES}


_ENUM_VALUES = _enum_values()
_COMMANDS = {name: describe(name).fields for name in all_commands()}


def _nested_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            paths += _nested_paths(inner, (*prefix, key))
    elif isinstance(value, list) and len(value) <= 10:
        for index, inner in enumerate(value):
            paths += _nested_paths(inner, (*prefix, index))
    return paths


def _replace(data: Any, path: tuple[Any, ...], new: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = new


_nasty_text = st.text(
    st.characters(categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co", "L")), min_size=1, max_size=12
)


@st.composite
def bad_commands(draw: st.DrawFn, ids: dict[str, str]) -> tuple[str, Any]:
    """A command's name and plain JSON with one to three things wrong with it."""
    name = draw(st.sampled_from(sorted(_COMMANDS)))
    fields = _COMMANDS[name]
    data: dict[str, Any] = {
        f.name: json.loads(json.dumps(_plausible(f.type, f.name, ids)))
        for f in fields
        if f.required or draw(st.booleans())
    }
    if draw(st.integers(0, 30)) == 0:
        return name, draw(st.sampled_from([None, [], "text", 42, [data]]))
    for _ in range(draw(st.integers(1, 3))):
        change = draw(st.sampled_from(["replace", "replace", "nested", "drop", "unknown"]))
        paths = _nested_paths(data)
        if change == "drop" and data:
            del data[draw(st.sampled_from(sorted(data)))]
        elif change == "unknown":
            data[draw(st.sampled_from(["extra", "actor", "idempotency", "__class__"]))] = 1
        elif paths:
            top = [p for p in paths if len(p) == 1]
            chosen = draw(st.sampled_from(top if change == "replace" or len(paths) == 1 else paths))
            new = draw(st.one_of(st.sampled_from(BAD_VALUES), _nasty_text))
            _replace(data, chosen, copy.deepcopy(new))
    if draw(st.booleans()):
        data["idempotency_key"] = draw(st.one_of(st.just("key-1"), st.sampled_from(BAD_TEXTS)))
    return name, data


# --- the API ----------------------------------------------------------------------------------


def _far(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


def _direct_calls(s: Seeded) -> list[tuple[str, Callable[[], object]]]:
    """Typed service calls, value objects, ``execute``, ``open``, the report and the audit."""
    ops, ids = s.ops, s.ids
    period = Period(date(2026, 4, 1), date(2026, 4, 30))
    calls: list[tuple[str, Callable[[], object]]] = [
        ("Actor roles None", lambda: Actor("x", None)),  # type: ignore[arg-type]
        ("Actor roles 5", lambda: Actor("x", 5)),  # type: ignore[arg-type]
        ("Actor unknown role", lambda: Actor("x", ["janitor"])),
        ("Actor id None", lambda: Actor(None, [Role.AUDITOR])),  # type: ignore[arg-type]
        ("Actor name 5", lambda: Actor("x", [Role.AUDITOR], name=5)),  # type: ignore[arg-type]
        ("Period 0001", lambda: Period(date(1, 1, 1), date(2026, 1, 1))),
        ("Period 9999", lambda: Period(date(2026, 1, 1), date(9999, 12, 31))),
        ("Objective 10**30", lambda: Objective("reads", 10**30)),
        ("Objective nan", lambda: Objective("reads", Decimal("NaN"))),
        ("Snapshot 10**30", lambda: MetricSnapshot("weibo", NOW, reads=10**30)),
        ("Snapshot count over", lambda: MetricSnapshot("weibo", NOW, likes=COUNT_MAX + 1)),
        (
            "Snapshot 9999 west",
            lambda: MetricSnapshot("weibo", datetime(9999, 12, 31, 23, tzinfo=_far(-12))),
        ),
        ("Snapshot 0001 east", lambda: MetricSnapshot("weibo", datetime(1, 1, 1, tzinfo=_far(12)))),
        ("Money 10**30", lambda: Money(10**30)),
        ("Money nan", lambda: Money("NaN")),
        ("Variant NUL", lambda: PostVariant("weibo", "a\x00b")),
        ("Variant media", lambda: PostVariant("weibo", "a", media=("m\x1b",))),
        ("KolPartner count", lambda: KolPartner("@k", "weibo", 10**13, (), Money(1))),
        ("build unknown", lambda: build_command("campaign.explode", {})),
        ("build not a mapping", lambda: build_command("campaign.plan", "junk")),  # type: ignore[arg-type]
        ("execute not a command", lambda: ops.execute(EVERYONE, "campaign.plan")),  # type: ignore[arg-type]
        (
            "execute not an actor",
            lambda: ops.execute(
                "admin",  # type: ignore[arg-type]
                build_command("campaign.launch", {"campaign_id": ids["campaign"]}),
            ),
        ),
        ("get unknown", lambda: ops.campaigns.get(uuid4())),
        ("get junk", lambda: ops.posts.get("junk")),
        (
            "hashtags 10,000",
            lambda: ops.campaigns.plan(
                EVERYONE,
                name="n",
                kind="topic",
                period=period,
                hashtags=[f"h{i}" for i in range(10_000)],
            ),
        ),
        (
            "hashtags one over",
            lambda: ops.campaigns.plan(
                EVERYONE,
                name="n",
                kind="topic",
                period=period,
                hashtags=[f"h{i}" for i in range(HASHTAGS_MAX + 1)],
            ),
        ),
        (
            "schedule 9999",
            lambda: ops.posts.schedule(
                EVERYONE, ids["post"], "weibo", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
            ),
        ),
        (
            "schedule 0001",
            lambda: ops.posts.schedule(
                EVERYONE, ids["post"], "weibo", datetime(1, 1, 1, tzinfo=UTC)
            ),
        ),
        (
            "report 9999",
            lambda: build_report(ops, period=(date(9999, 12, 31), date(9999, 12, 31))),
        ),
        ("report 0001", lambda: build_report(ops, period=(date(1, 1, 1), date(1, 1, 2)))),
        ("report junk campaign", lambda: build_report(ops, campaign_id="junk")),
        ("report language", lambda: build_report(ops, lang="xx")),
        ("report period junk", lambda: build_report(ops, period="junk")),  # type: ignore[arg-type]
        ("audit as_of 9999", lambda: ops.audit.as_of(ids["campaign"], at=datetime.max)),
        ("audit as_of 0001", lambda: ops.audit.as_of(ids["campaign"], at=datetime.min)),
        ("audit as_of version", lambda: ops.audit.as_of(ids["campaign"], version=10**30)),
        ("audit history junk", lambda: ops.audit.history("junk")),
        ("audit prove", lambda: ops.audit.prove_inclusion(10**30)),
        ("audit consistency", lambda: ops.audit.prove_consistency(-1)),
        ("audit access", lambda: ops.audit.access("\ud800")),
        ("open cadence", lambda: LibOps.open("memory://", cadence="x")),  # type: ignore[arg-type]
        ("open threshold", lambda: LibOps.open("memory://", risk_escalation_threshold=10**30)),
        (
            "open escalation",
            lambda: LibOps.open("memory://", escalate_questions_after=timedelta(-1)),
        ),
    ]
    checklist = ReviewChecklist(True, True, True)
    by_text: dict[str, Callable[[str], object]] = {
        "campaign name": lambda t: ops.campaigns.plan(
            EVERYONE, name=t, kind="topic", period=period
        ),
        "campaign description": lambda t: ops.campaigns.plan(
            EVERYONE, name="n", kind="topic", period=period, description=t
        ),
        "pause reason": lambda t: ops.campaigns.pause(EVERYONE, ids["campaign"], reason=t),
        "post body": lambda t: ops.posts.revise(EVERYONE, ids["post"], body=t),
        "post title": lambda t: ops.posts.revise(EVERYONE, ids["post"], title=t),
        "post source": lambda t: ops.posts.revise(EVERYONE, ids["post"], source=t),
        "review comments": lambda t: ops.posts.review(
            EVERYONE, ids["post"], checklist, approve=False, comments=t
        ),
        "risk notes": lambda t: ops.risks.record_review(
            EVERYONE, ids["risk"], notes=t, next_review_on=date(2026, 6, 1)
        ),
        "answer": lambda t: ops.questions.answer(EVERYONE, ids["question"], t),
        "idempotency key": lambda t: ops.campaigns.launch(
            EVERYONE, ids["campaign"], idempotency_key=t
        ),
        "actor id": lambda t: ops.campaigns.launch(Actor(t, list(Role)), ids["campaign"]),
        "store url": lambda t: LibOps.open(f"sqlite:///{t}"),
    }
    # Multi-line texts may run past a name's limit, and some may be blank.
    multi_line = {"campaign description", "pause reason", "post body", "review comments"}
    multi_line |= {"risk notes", "answer", "post source"}
    may_be_blank = {"campaign description", "review comments", "post source", "post body"}
    for index, text in enumerate(BAD_TEXTS):
        for what, call in by_text.items():
            if not text.strip() and what in may_be_blank:
                continue
            if len(text) == NAME_MAX + 1 and what in multi_line:
                continue
            calls.append((f"{what} #{index}", lambda c=call, t=text: c(t)))  # type: ignore[misc]
    return calls


class TestTheApi:
    """The Python API: typed calls, commands built from JSON, opening, the report, the audit."""

    def test_fixed_corpus(self, seeded: Seeded) -> None:
        """The cases the issue found, and their neighbours: libops errors only, no records."""
        tally = Tally()
        for what, call in _direct_calls(seeded):
            attempt(seeded.ops, tally, what, call)
        tally.check(at_least=150)
        assert tally.accepted == []

    def test_generated_commands(self, seeded: Seeded) -> None:
        """500 commands of every kind built from mutated JSON: libops errors only, no records."""
        tally = Tally()

        @settings(
            max_examples=500,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(bad_commands(seeded.ids))
        def walk(case: tuple[str, Any]) -> None:
            name, data = case

            def build_and_execute() -> object:
                return seeded.ops.execute(EVERYONE, build_command(name, data))

            attempt(seeded.ops, tally, f"{name} {_short(data)}", build_and_execute)

        walk()
        tally.check(at_least=500)
        # Mostly refused: a walk that accepted most inputs would not be walking bad ones.
        assert tally.outcomes["refused"] > 0.8 * tally.tried


# --- the command line -------------------------------------------------------------------------


def _run(args: list[str]) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(cli.app, args, env={"LIBOPS_STORE": "", "LIBOPS_DEBUG": ""})
    return result.exit_code, result.output, result.exception


def cli_attempt(ops: LibOps, tally: Tally, args: list[str]) -> None:
    """Run ``libops args``: no traceback, no raw error, nothing recorded in ``ops``'s store."""
    tally.tried += 1
    before = count_events(ops.app.recorder)
    code, output, exception = _run(args)
    what = " ".join(_short(a) for a in args)
    if exception is not None and not isinstance(exception, SystemExit):
        tally.raw.append(f"{what}: {type(exception).__name__}: {_short(str(exception))}")
    if "Traceback" in output or "libops failed unexpectedly" in output:
        tally.tracebacks.append(f"{what}: {output[-500:]}")
    tally.outcomes["refused" if code else "accepted"] += 1
    after = count_events(ops.app.recorder)
    if code and after != before:
        tally.recorded.append(f"{what}: {after - before} events")


def _store_of(seeded: Seeded) -> str:
    return seeded.ops.config.url


def _cli_corpus(seeded: Seeded, tmp: Path) -> list[list[str]]:
    store, ids = _store_of(seeded), seeded.ids
    not_sqlite = tmp / "notes.txt"
    not_sqlite.write_text("not a database\n")
    base = store.split("?")[0]
    pg = base if base.startswith("postgresql") else "postgresql://u:p@127.0.0.1:1/db"
    urls = [
        "",
        "nonsense",
        "memory://x",
        "mysql://u:p@h/db",
        "sqlite://host/x.db",
        "sqlite:///",
        f"sqlite:///{tmp}/{'a' * 300}.db",
        f"sqlite:///{tmp}/{'é' * 130}.db",
        f"sqlite:///{tmp}/missing/dir/x.db",
        f"sqlite:///{not_sqlite}",
        f"sqlite:///{tmp}",
        f"sqlite:///{tmp}/x.db?lock_timeout=99999999999999999999",
        f"sqlite:///{tmp}/x.db?cache_size=-1",
        f"sqlite:///{tmp}/x.db?unknown=1",
        f"sqlite:///{tmp}/x\x00.db",
        f"{pg}?pool_size=0",
        f"{pg}?connect_timeout=99999999999999999999",
        f"{pg}?max_overflow=99999999999999999999",
        f"{pg}?lock_timeout=-5",
        f"{pg}?schema=Robert');DROP",
        "postgresql://u:secret@127.0.0.1:0/db",
        "postgresql://u:secret@127.0.0.1:1/db",
        "postgresql://u:secret@/db",
        "postgresql://u:p@h:99999/db",
    ]
    corpus: list[list[str]] = []
    for url in urls:
        corpus += [["db", "migrate", "--store", url], ["db", "check", "--store", url]]
        corpus += [["project", "status", "--store", url], ["audit", "checkpoints", "--store", url]]
    for first, last in (
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-02"),
        ("0001-01-01", "9999-12-31"),
        ("2026-02-30", "2026-03-01"),
        ("junk", "2026-03-01"),
        ("2026-04-01", "2026-03-01"),
    ):
        corpus.append(
            ["report", "--store", store, "--from", first, "--to", last, "--out", str(tmp / "r")]
        )
    corpus += [
        ["report", "--store", store, "--campaign", "junk", "--out", str(tmp / "r")],
        ["report", "--store", store, "--lang", "xx", "--out", str(tmp / "r")],
        ["report", "--store", store, "--from", "2026-04-01"],
        ["audit", "as-of", ids["campaign"], "--store", store, "--at", "9999-12-31T23:59:59+00:00"],
        ["audit", "as-of", ids["campaign"], "--store", store, "--at", "0001-01-01T00:00:00+00:00"],
        ["audit", "as-of", ids["campaign"], "--store", store, "--at", "junk"],
        ["audit", "as-of", ids["campaign"], "--store", store, "--version", str(10**30)],
        ["audit", "as-of", ids["campaign"], "--store", store, "--position", "-1"],
        ["audit", "as-of", "junk", "--store", store, "--version", "1"],
        ["audit", "as-of", str(uuid4()), "--store", store, "--version", "1"],
        ["audit", "history", "junk", "--store", store],
        ["audit", "history", "\ud800", "--store", store],
        ["audit", "prove", str(10**30), "--store", store],
        ["audit", "prove", "-1", "--store", store],
        ["audit", "consistency", "5", "2", "--store", store],
        ["audit", "verify", "--store", store, "--bundle", str(not_sqlite)],
        ["audit", "import", str(not_sqlite), "--store", store],
        ["audit", "import", str(tmp / "missing.zip"), "--store", store],
        ["audit", "access", "--store", store, "--subject", "\x07"],
        ["audit", "view", "nope", "--store", store, "--position", "1"],
        ["project", "run", "nope", "--store", store],
        ["project", "run", "--store", store, "--batch-size", "0"],
        ["project", "run", "--store", store, "--batch-size", str(10**30)],
        ["project", "rebuild", "nope", "--store", store],
        ["commands", "nope"],
        ["audit", "export", "--store", store, "--out", "/dev/null/bundle"],
        ["audit", "checkpoint", "--store", store, "--by", "bell\x07"],
        ["audit", "checkpoint", "--store", store, "--by", "x" * 300],
        ["demo", "--store", store, "--posts", "-1"],
        ["demo", "--store", store, "--days", str(10**30)],
        ["demo", "--store", store, "--seed", "junk"],
        ["demo", "--store", store, "--lang", "xx"],
        ["nope"],
        ["db", "nope"],
        ["--debug"],
    ]
    return corpus


_generated_urls = st.one_of(
    st.text(max_size=30).map(lambda t: f"sqlite:///{t}"),
    st.text(max_size=30).map(lambda t: f"postgresql://{t}"),
    st.text(max_size=30),
    st.tuples(
        st.sampled_from(["pool_size", "connect_timeout", "lock_timeout", "cache_size", "schema"]),
        st.one_of(st.integers(-(10**30), 10**30).map(str), st.text(max_size=10)),
    ).map(lambda kv: f"postgresql://u:p@127.0.0.1:1/db?{kv[0]}={kv[1]}"),
)


class TestTheCommandLine:
    """``libops``: a one-line message and an exit code for every bad argument, never a
    traceback, nothing recorded and no file left beside the store."""

    def test_fixed_corpus(self, seeded: Seeded, tmp_path: Path) -> None:
        """Bad store URLs, files, days, ids and options for every command group."""
        # An erasure the API walks left half-way (an accepted privacy.request_erasure) is
        # finished by the first ``libops`` that opens the store, by design: finish it first.
        seeded.ops.privacy.finish_pending_erasures()
        tally = Tally()
        for args in _cli_corpus(seeded, tmp_path):
            cli_attempt(seeded.ops, tally, args)
        tally.check(at_least=130)
        assert tally.outcomes["accepted"] <= 3  # --debug alone shows the help
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == ["notes.txt"], f"files left beside the store: {left}"

    def test_generated_arguments(
        self, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Generated store URLs and report days: no traceback, no raw error, nothing recorded."""
        tally = Tally()
        monkeypatch.chdir(tmp_path)  # relative SQLite paths land in the test's own directory

        @settings(
            max_examples=60,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            url=_generated_urls,
            day=st.one_of(
                st.dates(max_value=date(1899, 12, 31)).map(str),
                st.dates(min_value=date(3000, 1, 1)).map(str),
                st.text(max_size=12),
            ),
        )
        def walk(url: str, day: str) -> None:
            if "\x00" in url or "\x00" in day:
                return  # a NUL cannot be passed in a process's arguments at all
            cli_attempt(seeded.ops, tally, ["db", "check", "--store", url])
            cli_attempt(
                seeded.ops,
                tally,
                ["report", "--store", _store_of(seeded), "--from", day, "--to", day, "--out", "r"],
            )

        walk()
        tally.check(at_least=100)


# --- the store failing, and files that are not stores -----------------------------------------


class TestStoreFailures:
    """A store that fails in use, or a file that is not one, gives a libops storage error."""

    @pytest.mark.parametrize(
        ("failure", "expected"),
        [
            (OperationalError("server closed the connection unexpectedly"), StoreUnavailableError),
            (InterfaceError("the connection is closed"), StoreUnavailableError),
            (OperationalError("database is locked"), StoreBusyError),
            (OperationalError("something new"), StoreUnavailableError),
            (DatabaseError("disk I/O error"), StorageError),
        ],
    )
    def test_a_failing_store_gives_a_storage_error(
        self,
        ops: LibOps,
        monkeypatch: pytest.MonkeyPatch,
        failure: Exception,
        expected: type[StorageError],
    ) -> None:
        """eventsourcing's errors from the recorder leave commands and reads as StorageError."""
        campaign = ops.campaigns.plan(
            EVERYONE, name="c", kind="topic", period=Period(date(2026, 4, 1), date(2026, 4, 2))
        )
        before = count_events(ops.app.recorder)

        def fail(*args: object, **kwargs: object) -> None:
            raise failure

        monkeypatch.setattr(ops.app, "retry", RetryPolicy(deadline=0.2))  # a lock: retried
        monkeypatch.setattr(ops.app.recorder, "insert_events", fail)
        monkeypatch.setattr(ops.app.recorder, "select_events", fail)
        ops.app.repository.cache = None  # reads must reach the (failing) store
        with pytest.raises(expected) as raised:
            ops.campaigns.pause(EVERYONE, campaign, "an outage")
        assert type(raised.value) is expected
        assert ops.config.redacted_url in str(raised.value)
        with pytest.raises(expected):
            ops.campaigns.get(campaign)
        monkeypatch.undo()
        assert count_events(ops.app.recorder) == before

    def test_postgresql_connections_cut(self, postgres_url: str) -> None:
        """Every connection of the pool cut by the server: a StorageError or success, never
        eventsourcing's own error, and the next command works."""
        from eventsourcing.postgres import PostgresApplicationRecorder

        from tests.conftest import _pg_connect

        with LibOps.open(postgres_url, migrate=True) as ops:
            period = Period(date(2026, 4, 1), date(2026, 4, 2))
            ops.campaigns.plan(EVERYONE, name="before", kind="topic", period=period)
            recorder = ops.app.recorder
            assert isinstance(recorder, PostgresApplicationRecorder)
            pool = recorder.datastore.pool
            pids = [conn.info.backend_pid for conn in list(pool._pool)]
            assert pids
            base = postgres_url.split("?")[0]
            with _pg_connect(base) as admin:
                for pid in pids:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            outcomes = []
            for attempt_number in range(3):
                try:
                    ops.campaigns.plan(
                        EVERYONE, name=f"during {attempt_number}", kind="topic", period=period
                    )
                    outcomes.append("done")
                except StorageError as error:
                    outcomes.append(type(error).__name__)
            print("after the cut:", outcomes)  # shown with pytest -s
            assert outcomes[-1] == "done", outcomes

    def test_migrate_refuses_a_file_that_is_not_sqlite(self, tmp_path: Path) -> None:
        """Migrating a file that is not SQLite changes nothing and leaves no lock file."""
        path = tmp_path / "notes.txt"
        path.write_text("my notes\n")
        with pytest.raises(NotAStoreError, match="not a SQLite database"):
            LibOps.open(f"sqlite:///{path}", migrate=True)
        code, output, exception = _run(["db", "migrate", "--store", f"sqlite:///{path}"])
        assert code == 1
        assert exception is None or isinstance(exception, SystemExit)
        assert "not a SQLite database" in output
        assert "Traceback" not in output
        assert path.read_text() == "my notes\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]

    def test_migrate_leaves_no_lock_file(self, tmp_path: Path) -> None:
        """A migration removes its lock file; running it again changes nothing."""
        url = f"sqlite:///{tmp_path}/libops.db"
        for _ in range(2):
            code, output, _exception = _run(["db", "migrate", "--store", url])
            assert code == 0, output
        assert not list(tmp_path.glob("*.migrate-lock"))

    def test_debug_shows_the_traceback(self, tmp_path: Path) -> None:
        """With --debug the error comes out as it is, traceback and all."""
        path = tmp_path / "notes.txt"
        path.write_text("my notes\n")
        result = CliRunner().invoke(
            cli.app, ["--debug", "db", "migrate", "--store", f"sqlite:///{path}"]
        )
        assert isinstance(result.exception, NotAStoreError)
