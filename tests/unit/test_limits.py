"""Every limit in docs/limits.md, tried at the limit (accepted) and one over (refused, with
nothing recorded); and old events past a limit still load."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from libops import Actor, LibOps, MetricSnapshot, Objective, Period, PostVariant, Role
from libops.adapters.clock import ManualClock
from libops.adapters.storage import count_events, parse_store_url
from libops.domain.errors import (
    ControlCharacterError,
    DateRangeError,
    InvalidValueError,
    LimitExceededError,
    StoreUrlError,
)
from libops.domain.interaction.contest import ContestRules, Prize
from libops.domain.interaction.moderation import CommentRef
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.values import (
    COUNT_MAX,
    EARLIEST_DAY,
    HASHTAG_MAX,
    HASHTAGS_MAX,
    ITEMS_MAX,
    LATEST_DAY,
    LINE_MAX,
    NAME_MAX,
    POST_TEXT_MAX,
    TEXT_MAX,
    KolPartner,
    Money,
    ReviewChecklist,
    limits_unchecked,
    optional_line,
    require_line,
    require_text,
    storable_text,
)

LIMITS_DOC = Path(__file__).parents[2] / "docs" / "limits.md"
NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
ALL = Actor("limits-1", list(Role), name="Tester")
APPROVER = Actor("approver-1", [Role.BUDGET_OWNER])
APPROVER_REVIEWER = Actor("reviewer-9", [Role.REVIEWER])
PERIOD = Period(date(2026, 4, 1), date(2026, 6, 30))


@dataclass
class Store:
    """A memory store with one aggregate of each kind to aim commands at."""

    ops: LibOps
    ids: dict[str, Any]


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh memory store, seeded."""
    with LibOps.open("memory://", clock=ManualClock(NOW)) as ops:
        campaign = ops.campaigns.plan(
            ALL,
            name="c",
            kind="topic",
            period=PERIOD,
            platforms=["weibo"],
            objectives=[Objective("reads", 10)],
        )
        budget = ops.budgets.open(ALL, name="b", period=PERIOD)
        ops.budgets.allocate(ALL, budget, "content_creation", Money("1000.00"))
        ops.budgets.commit(
            ALL, budget, reference="po-1", amount=Money("10.00"), category="content_creation"
        )
        post = ops.posts.draft(
            ALL,
            title="t",
            body="b",
            content_type="news",
            format="image_text",
            variants=[PostVariant("wechat", "v", media=("cover.jpg",)), PostVariant("weibo", "v")],
        )
        in_review = ops.posts.draft(
            ALL,
            title="t",
            body="b",
            content_type="news",
            format="image_text",
            variants=[PostVariant("weibo", "v")],
        )
        ops.posts.submit_for_review(ALL, in_review)
        risk = ops.risks.identify(
            ALL, title="r", category="content", likelihood=2, impact=2, owner=ALL
        )
        ops.risks.report_incident(ALL, risk, severity="minor", affected="a page")
        contest = ops.contests.announce(ALL, kind="prize_quiz", title="q")
        question = ops.questions.receive(
            ALL,
            platform="weibo",
            text="When?",
            asker=PersonalInfo(handle="@reader"),
            consent=Consent("answering", NOW),
        )
        subject = ops.questions.get(question).asker.subject_id
        ids: dict[str, Any] = {"campaign": campaign, "budget": budget, "post": post, "risk": risk}
        ids["in review"] = in_review
        ids |= {"contest": contest, "question": question, "subject": subject}
        yield Store(ops, ids)


def _rules(eligibility: str = "anyone", prize: str = "a book") -> ContestRules:
    return ContestRules(
        eligibility=eligibility,
        opens_at=NOW + timedelta(days=1),
        closes_at=NOW + timedelta(days=8),
        entry_method="comment",
        prizes=(Prize(prize),),
        platforms=("weibo",),
    )


def _comment(s: Store, n: int) -> CommentRef:
    return CommentRef(s.ids["post"], "weibo", f"comment-{n}")


Call = Callable[[Store, Any], object]


def _session(**fields: str) -> dict[str, Any]:
    given: dict[str, Any] = {"title": "s", "capacity": 5, "platform": "weibo"}
    given |= {"starts_at": NOW + timedelta(days=1), "ends_at": NOW + timedelta(days=1, hours=1)}
    return given | fields


def _expense(**fields: str) -> dict[str, Any]:
    given = {"vendor": "v", "invoice_reference": "inv-1", "category": "content_creation"}
    return {**given, "amount": Money("1.00"), **fields}


def _text(n: int) -> str:
    return "x" * n


def _plan(**fields: Any) -> Call:
    def call(s: Store, value: Any) -> object:
        given = {"name": "c", "kind": "topic", "period": PERIOD, **fields}
        key = next(k for k, v in given.items() if v is ...)
        return s.ops.campaigns.plan(ALL, **{**given, key: value})

    return call


def _kol(**fields: Any) -> Call:
    def call(s: Store, value: Any) -> object:
        given = {"handle": "@k", "audience_size": 1, "deliverables": ("a post",), **fields}
        key = next(k for k, v in given.items() if v is ...)
        partner = KolPartner(platform="weibo", fee=Money("1.00"), **{**given, key: value})
        return s.ops.campaigns.add_kol_partner(ALL, s.ids["campaign"], partner)

    return call


PROBES: dict[str, tuple[Call, Callable[[int], Any]]] = {
    "actor id": (
        lambda s, v: s.ops.campaigns.launch(Actor(v, list(Role)), s.ids["campaign"]),
        _text,
    ),
    "actor name": (lambda s, v: Actor("a", [Role.AUDITOR], name=v), _text),
    "idempotency key": (
        lambda s, v: s.ops.campaigns.amend(
            ALL, s.ids["campaign"], description="d", idempotency_key=v
        ),
        _text,
    ),
    "campaign name": (_plan(name=...), _text),
    "campaign description": (_plan(description=...), _text),
    "campaign pause or cancel reason": (
        lambda s, v: s.ops.campaigns.cancel(ALL, s.ids["campaign"], v),
        _text,
    ),
    "hashtag": (_plan(hashtags=...), lambda n: ["h" * n]),
    "hashtags of a campaign": (_plan(hashtags=...), lambda n: [f"h{i}" for i in range(n)]),
    "objectives of a campaign": (
        _plan(objectives=...),
        lambda n: [Objective("reads", i + 1) for i in range(n)],
    ),
    "objective target": (_plan(objectives=...), lambda n: [Objective("reads", n)]),
    "KOL partner handle": (_kol(handle=...), _text),
    "KOL partner deliverable": (_kol(deliverables=...), lambda n: ("d" * n,)),
    "KOL partner deliverables": (_kol(deliverables=...), lambda n: ("d",) * n),
    "KOL partner audience size": (_kol(audience_size=...), lambda n: n),
    "post title": (lambda s, v: s.ops.posts.revise(ALL, s.ids["post"], title=v), _text),
    "post body": (lambda s, v: s.ops.posts.revise(ALL, s.ids["post"], body=v), _text),
    "post source or licence": (
        lambda s, v: s.ops.posts.revise(ALL, s.ids["post"], source=v),
        _text,
    ),
    "post media reference": (
        lambda s, v: s.ops.posts.revise(ALL, s.ids["post"], media=[v]),
        _text,
    ),
    "post media": (
        lambda s, v: s.ops.posts.revise(ALL, s.ids["post"], media=v),
        lambda n: [f"m{i}" for i in range(n)],
    ),
    # No platform takes 64,000 characters: the ceiling is the value's, the platform's own
    # limit is checked when the post is drafted or revised (VariantLimitError).
    "variant text": (lambda s, v: PostVariant("facebook", v), _text),
    "variant media reference or link": (lambda s, v: PostVariant("wechat", "v", link=v), _text),
    "review comments": (
        lambda s, v: s.ops.posts.review(
            APPROVER_REVIEWER,
            s.ids["in review"],
            ReviewChecklist(True, True, True),
            approve=False,
            comments=v,
        ),
        _text,
    ),
    "metric counts": (lambda s, v: MetricSnapshot("weibo", NOW, reads=v), lambda n: n),
    "retraction reason": (lambda s, v: s.ops.posts.retract(ALL, s.ids["post"], v), _text),
    "budget name": (lambda s, v: s.ops.budgets.open(ALL, name=v, period=PERIOD), _text),
    "budget commitment reference": (
        lambda s, v: s.ops.budgets.commit(
            ALL, s.ids["budget"], reference=v, amount=Money("1.00"), category="content_creation"
        ),
        _text,
    ),
    "expense vendor": (
        lambda s, v: s.ops.budgets.record_expense(ALL, s.ids["budget"], **_expense(vendor=v)),
        _text,
    ),
    "expense invoice reference": (
        lambda s, v: s.ops.budgets.record_expense(
            ALL, s.ids["budget"], **_expense(invoice_reference=v)
        ),
        _text,
    ),
    "budget reason (release, adjustment, override)": (
        lambda s, v: s.ops.budgets.release(ALL, s.ids["budget"], "po-1", reason=v),
        _text,
    ),
    "risk title": (
        lambda s, v: s.ops.risks.identify(
            ALL, title=v, category="content", likelihood=1, impact=1, owner=ALL
        ),
        _text,
    ),
    "risk owner": (lambda s, v: s.ops.risks.assign_owner(ALL, s.ids["risk"], v), _text),
    "risk description": (
        lambda s, v: s.ops.risks.identify(
            ALL, title="t", category="content", likelihood=1, impact=1, owner=ALL, description=v
        ),
        _text,
    ),
    "risk reassessment or closing reason": (
        lambda s, v: s.ops.risks.reassess(ALL, s.ids["risk"], likelihood=3, impact=3, reason=v),
        _text,
    ),
    "mitigation action description": (
        lambda s, v: s.ops.risks.add_mitigation(
            ALL, s.ids["risk"], description=v, due_on=date(2026, 5, 1)
        ),
        _text,
    ),
    "risk review notes": (
        lambda s, v: s.ops.risks.record_review(
            ALL, s.ids["risk"], notes=v, next_review_on=date(2026, 6, 1)
        ),
        _text,
    ),
    "contingency plan": (
        lambda s, v: s.ops.risks.set_contingency_plan(ALL, s.ids["risk"], plan=v, owner=ALL),
        _text,
    ),
    "incident affected": (
        lambda s, v: s.ops.risks.report_incident(ALL, s.ids["risk"], severity="minor", affected=v),
        _text,
    ),
    "incident resolution": (
        lambda s, v: s.ops.risks.resolve_incident(ALL, s.ids["risk"], 1, resolution=v),
        _text,
    ),
    "contest title": (
        lambda s, v: s.ops.contests.announce(ALL, kind="prize_quiz", title=v),
        _text,
    ),
    "contest eligibility": (
        lambda s, v: s.ops.contests.state_rules(ALL, s.ids["contest"], _rules(eligibility=v)),
        _text,
    ),
    "prize description": (
        lambda s, v: s.ops.contests.state_rules(ALL, s.ids["contest"], _rules(prize=v)),
        _text,
    ),
    "reading session title": (
        lambda s, v: s.ops.sessions.schedule(ALL, **_session(title=v)),
        _text,
    ),
    "reading session description": (
        lambda s, v: s.ops.sessions.schedule(ALL, **_session(description=v)),
        _text,
    ),
    "question answer": (lambda s, v: s.ops.questions.answer(ALL, s.ids["question"], v), _text),
    "comment external id": (
        lambda s, v: s.ops.moderation.warn(
            ALL, s.ids["subject"], CommentRef(s.ids["post"], "weibo", v), "rude"
        ),
        _text,
    ),
    "moderation reason": (
        lambda s, v: s.ops.moderation.warn(ALL, s.ids["subject"], _comment(s, len(v)), v),
        _text,
    ),
    "moderation reward": (
        lambda s, v: s.ops.moderation.reward(
            ALL, s.ids["subject"], _comment(s, len(v)), "helpful", v
        ),
        _text,
    ),
}
"""How to give each field of the table a value of a size, and the value of that size."""


def documented_limits() -> dict[str, tuple[str, str]]:
    """The table in docs/limits.md: field -> (kind, at most)."""
    rows = {}
    for line in LIMITS_DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("Field", "---"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def _number(text: str) -> int:
    number = re.match(r"[\d,*]+", text)
    assert number, text
    digits = number.group()
    if "**" in digits:
        base, power = digits.split("**")
        power_of: int = int(base) ** int(power)
        return power_of
    return int(digits.replace(",", ""))


class TestTheTable:
    """docs/limits.md lists exactly the limits the code enforces."""

    def test_every_row_is_tried_and_every_probe_documented(self) -> None:
        """Each row of the table has a probe below, and each probe a row."""
        rows = set(documented_limits()) - {"days and moments"}
        assert rows == set(PROBES)

    def test_the_constants_are_the_documented_ones(self) -> None:
        """The named constants are the numbers the table and its notes give."""
        rows = documented_limits()
        assert _number(rows["campaign name"][1]) == NAME_MAX
        assert _number(rows["post body"][1]) == POST_TEXT_MAX
        assert _number(rows["variant text"][1]) == POST_TEXT_MAX
        assert _number(rows["campaign description"][1]) == TEXT_MAX
        assert _number(rows["post media reference"][1]) == LINE_MAX
        assert _number(rows["hashtag"][1]) == HASHTAG_MAX
        assert _number(rows["hashtags of a campaign"][1]) == HASHTAGS_MAX
        assert _number(rows["post media"][1]) == ITEMS_MAX
        assert _number(rows["metric counts"][1]) == COUNT_MAX
        assert rows["days and moments"][1] == f"{EARLIEST_DAY} to {LATEST_DAY}"


@pytest.mark.parametrize("field", sorted(PROBES))
def test_at_the_limit_accepted_one_over_refused(store: Store, field: str) -> None:
    """One over the limit is refused naming the field and limit, recording nothing; at the
    limit it is accepted."""
    _, at_most = documented_limits()[field]
    limit = _number(at_most)
    call, make = PROBES[field]
    before = count_events(store.ops.app.recorder)
    with pytest.raises(LimitExceededError) as refused:
        call(store, make(limit + 1))
    assert refused.value.limit == limit, refused.value
    assert str(limit) in str(refused.value) or f"{limit:,}" in str(refused.value)
    assert count_events(store.ops.app.recorder) == before
    call(store, make(limit))


class TestControlCharacters:
    """Names, titles, ids and references are one line of printable text; multi-line texts
    may hold tabs and line breaks, and nothing else of the control characters."""

    @pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\n", "\t"])
    def test_one_line_refuses_every_control_character(self, char: str) -> None:
        """A control character inside a name is refused, naming the field."""
        with pytest.raises(ControlCharacterError) as refused:
            require_line("title", f"a{char}b")
        assert refused.value.field == "title"
        assert f"U+{ord(char):04X}" in str(refused.value)

    @pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\ud800"])
    def test_multi_line_refuses_all_but_tabs_and_breaks(self, char: str) -> None:
        """A body holds tabs and line breaks, but no other control character or surrogate."""
        with pytest.raises(ControlCharacterError):
            require_text("body", f"a{char}b")
        assert require_text("body", "a\tb\r\nc") == "a\tb\r\nc"

    def test_breaks_at_the_ends_of_a_line_are_stripped(self) -> None:
        """A line break at either end of a title is dropped like a space, not refused."""
        assert require_line("title", "\n Title\t\n") == "Title"
        assert optional_line("name", "") == ""

    def test_lone_surrogate_is_refused_everywhere(self) -> None:
        """A lone surrogate, which no store can encode, is refused in lines and texts."""
        for check in (require_line, require_text, storable_text):
            with pytest.raises(ControlCharacterError, match="lone surrogate"):
                check("field", "a\udc00")

    @pytest.mark.parametrize(
        "actor",
        [("nul\x00", "id"), ("bell\x07", "id"), ("ok", "esc\x1b")],
    )
    def test_actor_ids_and_names(self, actor: tuple[str, str]) -> None:
        """An actor's id and name hold no control character."""
        with pytest.raises(ControlCharacterError):
            Actor(actor[0], [Role.AUDITOR], name=actor[1])

    def test_actor_roles_that_are_not_a_list(self) -> None:
        """Roles given as None or a number are refused with a libops error, not a TypeError."""
        for roles in (None, 5, 1.5):
            with pytest.raises(InvalidValueError, match="roles"):
                Actor("x", roles)  # type: ignore[arg-type]  # deliberately not roles


class TestDays:
    """Days and moments from 1900-01-01 to 2999-12-31."""

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (EARLIEST_DAY - timedelta(days=1), date(2026, 1, 1)),
            (date(2026, 1, 1), LATEST_DAY + timedelta(days=1)),
            (date(1, 1, 1), date(9999, 12, 31)),
        ],
    )
    def test_periods_outside_are_refused(self, start: date, end: date) -> None:
        """A period starting or ending outside the accepted years is refused."""
        with pytest.raises(DateRangeError):
            Period(start, end)

    def test_the_ends_are_accepted(self) -> None:
        """The first and last accepted days make a period."""
        assert Period(EARLIEST_DAY, LATEST_DAY).end == LATEST_DAY

    def test_moments_outside_are_refused(self, store: Store) -> None:
        """Moments in year 1 or 9999, in any time zone, are refused without overflowing."""
        before = count_events(store.ops.app.recorder)
        for moment in (
            datetime(9999, 12, 31, 23, tzinfo=UTC),
            datetime(1, 1, 1, tzinfo=UTC),
            datetime(3000, 1, 1, tzinfo=UTC),
            datetime(1899, 12, 31, 23, tzinfo=UTC),
        ):
            with pytest.raises(DateRangeError):
                MetricSnapshot("weibo", moment)
            with pytest.raises(DateRangeError):
                store.ops.risks.report_incident(
                    ALL, store.ids["risk"], severity="minor", affected="x", started_at=moment
                )
        assert count_events(store.ops.app.recorder) == before


class TestOldEventsStillLoad:
    """Limits apply to commands: events recorded past them (by an older libops) still load."""

    def test_a_campaign_past_every_limit_reloads(self, tmp_path: Path) -> None:
        """Recorded without limits, a campaign and a post past them load in a new process."""
        url = f"sqlite:///{tmp_path}/old.db"
        with LibOps.open(url, clock=ManualClock(NOW), migrate=True) as ops, limits_unchecked():
            campaign = ops.campaigns.plan(
                ALL,
                name="n" * (NAME_MAX + 50),
                kind="topic",
                period=Period(date(1800, 1, 1), date(3100, 1, 1)),
                hashtags=[f"h{i}" for i in range(HASHTAGS_MAX + 10)],
                objectives=[Objective("reads", COUNT_MAX * 10)],
                description="d" * (TEXT_MAX + 1),
            )
            post = ops.posts.draft(
                ALL,
                title="t" * (NAME_MAX + 1),
                body="b",
                content_type="news",
                format="image_text",
                variants=[PostVariant("wechat", "v", media=("cover.jpg",))],
            )
            partner = KolPartner("@k", "weibo", COUNT_MAX * 10, ("d",) * 200, Money("1.00"))
            ops.campaigns.add_kol_partner(ALL, campaign, partner)
        with pytest.raises(LimitExceededError):
            KolPartner("@k", "weibo", COUNT_MAX * 10, (), Money("1.00"))  # a command is refused
        with LibOps.open(url) as reopened:
            loaded = reopened.campaigns.get(campaign)
            assert len(loaded.name) == NAME_MAX + 50
            assert len(loaded.hashtags) == HASHTAGS_MAX + 10
            assert loaded.period.start == date(1800, 1, 1)
            assert loaded.objectives[0].target == COUNT_MAX * 10
            assert loaded.kol_partners[0].audience_size == COUNT_MAX * 10
            assert len(loaded.kol_partners[0].deliverables) == 200
            assert len(reopened.posts.get(post).title) == NAME_MAX + 1
            # ...and the next command on it is held to the limits.
            with pytest.raises(LimitExceededError):
                reopened.campaigns.amend(ALL, campaign, name="n" * (NAME_MAX + 1))


class TestStoreUrlOptions:
    """Store URL options are whole numbers in a range every driver and pool can hold."""

    BASE = "postgresql://u:p@127.0.0.1:5432/db"

    @pytest.mark.parametrize(
        ("option", "low", "high"),
        [
            ("pool_size", 1, 1_000),
            ("max_overflow", 0, 1_000),
            ("max_waiting", 0, 100_000),
            ("connect_timeout", 0, 3_600),
            ("lock_timeout", 0, 86_400),
            ("idle_in_transaction_session_timeout", 0, 86_400),
            ("cache_size", 0, 1_000_000),
        ],
    )
    def test_each_end_accepted_one_past_refused(self, option: str, low: int, high: int) -> None:
        """The range's ends are accepted; one past either end is refused naming the range."""
        for value in (low, high):
            parse_store_url(f"{self.BASE}?{option}={value}")
        for value in (low - 1, high + 1, 10**30):
            with pytest.raises(StoreUrlError, match=f"from {low} to {high}"):
                parse_store_url(f"{self.BASE}?{option}={value}")

    def test_sqlite_file_names_fit_with_their_neighbours(self, tmp_path: Path) -> None:
        """A file name of 242 bytes is accepted; 243 is refused, since ``.migrate-lock`` must
        fit beside it in 255 bytes; a directory name over 255 bytes is refused too."""
        parse_store_url(f"sqlite:///{tmp_path}/{'a' * 239}.db")
        with pytest.raises(StoreUrlError, match="243 bytes; at most 242"):
            parse_store_url(f"sqlite:///{tmp_path}/{'a' * 240}.db")
        with pytest.raises(StoreUrlError, match="bytes; at most 242"):
            parse_store_url(f"sqlite:///{tmp_path}/{'é' * 121}.db")  # 2 bytes each
        with pytest.raises(StoreUrlError, match="directory name"):
            parse_store_url(f"sqlite:///{tmp_path}/{'d' * 256}/x.db")
