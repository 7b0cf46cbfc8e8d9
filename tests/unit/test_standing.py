"""The account's standing: peer rankings, honours, typical cases, service uses (issue 14)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from libops import LibOps, Period, PostVariant
from libops.application.catalogue import build
from libops.application.standing import RecordRanking
from libops.domain.errors import (
    ControlCharacterError,
    DateRangeError,
    DuplicateHonourError,
    HonourWithdrawnError,
    IdempotencyKeyReuseError,
    InvalidValueError,
    LimitExceededError,
    PermissionDeniedError,
    RankingTableError,
    TypicalCaseError,
    UnknownHonourError,
    UnknownIdError,
)
from libops.domain.permissions import PERMISSIONS
from libops.domain.standing import STANDING_ID, RankingRow, ServiceCount, Standing
from libops.domain.values import Actor, Role
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, REVIEWER, TECH
from tests.helpers import count_events, refused

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
SOURCE = "文化和旅游部 全国文旅新媒体传播力指数 月榜"
ROWS = (
    RankingRow("国家图书馆", Decimal("1234.5"), 1),
    RankingRow("滨江市图书馆", "980.25", 2),
    RankingRow("C馆", 700, 3),
)
COMMANDS = (
    "standing.record_ranking",
    "standing.record_honour",
    "standing.withdraw_honour",
    "standing.mark_typical_case",
    "standing.unmark_typical_case",
    "standing.record_service_uses",
)


def _ranking(ops: LibOps, actor: Actor = ADMIN, **changed: Any) -> str:
    fields: dict[str, Any] = {
        "source": SOURCE,
        "period": APRIL,
        "index": "传播力指数",
        "rows": ROWS,
        "us": "滨江市图书馆",
    }
    return ops.standing.record_ranking(actor, **(fields | changed))


def _honour(ops: LibOps, actor: Actor = ADMIN, **changed: Any) -> str:
    fields: dict[str, Any] = {
        "title": "全省优秀新媒体账号",
        "awarded_by": "省文化和旅游厅",
        "awarded_on": date(2026, 4, 20),
        "note": "年度评选",
    }
    return ops.standing.record_honour(actor, **(fields | changed))


def _services(ops: LibOps, actor: Actor = ADMIN, **changed: Any) -> bool:
    fields: dict[str, Any] = {
        "period": APRIL,
        "kind": "renewal",
        "counts": [ServiceCount("wechat", 120), ServiceCount("小程序", 30)],
    }
    return ops.standing.record_service_uses(actor, **(fields | changed))


def _campaign(ops: LibOps) -> str:
    return str(ops.campaigns.plan(PLANNER, name="世界读书日", kind="topic", period=APRIL))


class TestRecords:
    def test_every_record_reads_back_from_the_store(self, ops: LibOps) -> None:
        """Each kind of record, on memory, SQLite and PostgreSQL, read back after reopening
        the aggregate (so replayed from the stored events)."""
        ranking_id = _ranking(ops)
        honour_id = _honour(ops)
        campaign_id = _campaign(ops)
        ops.standing.mark_typical_case(
            ADMIN, campaign_id, theme="阅读推广", why="全网话题阅读破百万", subject_kind="campaign"
        )
        assert _services(ops) is False
        ops.app.repository.cache = None
        standing = ops.standing.get()
        assert standing is not None
        ranking = standing.rankings[ranking_id]
        assert (ranking.ours.rank, ranking.ours.value) == (2, Decimal("980.25"))
        assert (ranking.leader.name, ranking.leader.value) == ("国家图书馆", Decimal("1234.5"))
        assert ranking.platform == "overall"
        assert ranking.period == APRIL
        honour = standing.honours[honour_id]
        assert (honour.title, honour.awarded_on, honour.withdrawn) == (
            "全省优秀新媒体账号",
            date(2026, 4, 20),
            None,
        )
        (case,) = standing.cases.values()
        assert (case.subject_kind, str(case.subject_id), case.title) == (
            "campaign",
            campaign_id,
            "世界读书日",
        )
        (uses,) = standing.services.values()
        assert (uses.kind, uses.total) == ("renewal", 150)

    def test_nothing_recorded_no_standing(self, memory_ops: LibOps) -> None:
        assert memory_ops.standing.get() is None

    def test_a_table_recorded_again_replaces_its_rows(self, memory_ops: LibOps) -> None:
        first = _ranking(memory_ops)
        again = _ranking(memory_ops, rows=(RankingRow("滨江市图书馆", "990", 1),))
        assert first == again
        standing = memory_ops.standing.get()
        assert standing is not None
        assert standing.rankings[first].rows == (RankingRow("滨江市图书馆", Decimal("990"), 1),)
        events = list(memory_ops.app.repository.event_store.get(STANDING_ID))
        recorded = [e for e in events if isinstance(e, Standing.RankingRecorded)]
        assert [e.replaced for e in recorded] == [False, True]
        other = _ranking(memory_ops, platform="wechat")
        assert other != first

    def test_service_uses_of_the_same_period_and_kind_replace(self, memory_ops: LibOps) -> None:
        assert _services(memory_ops) is False
        assert _services(memory_ops, counts=[ServiceCount("wechat", 200)]) is True
        assert _services(memory_ops, kind="入馆预约") is False
        standing = memory_ops.standing.get()
        assert standing is not None
        assert sorted((s.kind, s.total) for s in standing.services.values()) == [
            ("renewal", 200),
            ("入馆预约", 150),
        ]

    def test_an_honour_withdrawn_and_recorded_again(self, memory_ops: LibOps) -> None:
        honour_id = _honour(memory_ops)
        memory_ops.standing.withdraw_honour(ADMIN, honour_id, "录入有误")
        standing = memory_ops.standing.get()
        assert standing is not None
        assert standing.honours[honour_id].withdrawn == "录入有误"
        assert _honour(memory_ops) == honour_id
        standing = memory_ops.standing.get()
        assert standing is not None
        assert standing.honours[honour_id].withdrawn is None

    def test_a_case_unmarked_can_be_marked_again(self, memory_ops: LibOps) -> None:
        campaign_id = _campaign(memory_ops)
        mark = memory_ops.standing.mark_typical_case
        mark(ADMIN, campaign_id, theme="t", why="w", subject_kind="campaign")
        memory_ops.standing.unmark_typical_case(ADMIN, campaign_id, "换一个案例")
        standing = memory_ops.standing.get()
        assert standing is not None
        assert standing.cases == {}
        mark(ADMIN, campaign_id, theme="t2", why="w2", subject_kind="campaign")
        standing = memory_ops.standing.get()
        assert standing is not None
        assert [c.theme for c in standing.cases.values()] == ["t2"]

    def test_the_same_key_records_once(self, memory_ops: LibOps) -> None:
        first = _ranking(memory_ops, idempotency_key="import-4")
        before = count_events(memory_ops)
        assert _ranking(memory_ops, idempotency_key="import-4") == first
        assert count_events(memory_ops) == before
        with pytest.raises(IdempotencyKeyReuseError):
            _ranking(memory_ops, idempotency_key="import-4", index="另一个指数")

    def test_built_from_json(self, memory_ops: LibOps) -> None:
        command = build(
            "standing.record_ranking",
            {
                "source": SOURCE,
                "period": {"start": "2026-04-01", "end": "2026-04-30"},
                "index": "传播力指数",
                "rows": [{"name": "A馆", "value": "12.5", "rank": 1}],
                "us": "A馆",
                "platform": "weibo",
            },
        )
        assert isinstance(command, RecordRanking)
        ranking_id = memory_ops.execute(TECH, command)
        standing = memory_ops.standing.get()
        assert standing is not None
        assert standing.rankings[ranking_id].platform == "weibo"


def _bad_rankings() -> list[tuple[dict[str, Any], type[Exception]]]:
    return [
        ({"rows": ()}, RankingTableError),
        ({"us": "不在榜上的馆"}, RankingTableError),
        ({"rows": (*ROWS, RankingRow("C馆", 1, 4))}, RankingTableError),
        ({"rows": ("国家图书馆",)}, RankingTableError),
        ({"platform": "toutiao"}, InvalidValueError),
        ({"source": ""}, InvalidValueError),
        ({"source": "x" * 501}, LimitExceededError),
        ({"index": "传播\x07力"}, ControlCharacterError),
        ({"period": ("2026-04-01", "2026-04-30")}, InvalidValueError),
    ]


class TestRefusals:
    @pytest.mark.parametrize(("changed", "error"), _bad_rankings())
    def test_bad_rankings(
        self, memory_ops: LibOps, changed: dict[str, Any], error: type[Exception]
    ) -> None:
        refused(memory_ops, error, lambda: _ranking(memory_ops, **changed))

    @pytest.mark.parametrize(
        ("make", "error"),
        [
            (lambda: RankingRow("A", "NaN", 1), RankingTableError),
            (lambda: RankingRow("A", "Infinity", 1), RankingTableError),
            (lambda: RankingRow("A", 1.5, 1), RankingTableError),
            (lambda: RankingRow("A", "十", 1), RankingTableError),
            (lambda: RankingRow("A", 1, 0), RankingTableError),
            (lambda: RankingRow("A", 1, True), RankingTableError),
            (lambda: RankingRow("", 1, 1), InvalidValueError),
            (lambda: ServiceCount("wechat", -1), InvalidValueError),
            (lambda: ServiceCount("wechat", 10**12 + 1), LimitExceededError),
            (lambda: ServiceCount("", 1), InvalidValueError),
        ],
    )
    def test_bad_rows_and_counts(self, make: Callable[[], object], error: type[Exception]) -> None:
        with pytest.raises(error) as raised:
            make()
        assert type(raised.value) is error

    @pytest.mark.parametrize(
        ("changed", "error"),
        [
            ({"title": ""}, InvalidValueError),
            ({"awarded_by": "x" * 201}, LimitExceededError),
            ({"awarded_on": date(1899, 12, 31)}, DateRangeError),
            ({"awarded_on": "2026-04-20"}, InvalidValueError),
            ({"note": "x" * 4001}, LimitExceededError),
        ],
    )
    def test_bad_honours(
        self, memory_ops: LibOps, changed: dict[str, Any], error: type[Exception]
    ) -> None:
        refused(memory_ops, error, lambda: _honour(memory_ops, **changed))

    def test_honour_rules(self, memory_ops: LibOps) -> None:
        honour_id = _honour(memory_ops)
        refused(memory_ops, DuplicateHonourError, lambda: _honour(memory_ops))
        withdraw = memory_ops.standing.withdraw_honour
        refused(memory_ops, UnknownHonourError, lambda: withdraw(ADMIN, "no-such", "r"))
        refused(memory_ops, InvalidValueError, lambda: withdraw(ADMIN, honour_id, " "))
        withdraw(ADMIN, honour_id, "撤销")
        refused(memory_ops, HonourWithdrawnError, lambda: withdraw(ADMIN, honour_id, "again"))

    @pytest.mark.parametrize(
        ("changed", "error"),
        [
            ({"counts": []}, InvalidValueError),
            ({"counts": [ServiceCount("wechat", 1), ServiceCount("wechat", 2)]}, InvalidValueError),
            ({"counts": {"wechat": 1}}, InvalidValueError),
            ({"kind": ""}, InvalidValueError),
            ({"period": None}, InvalidValueError),
        ],
    )
    def test_bad_service_uses(
        self, memory_ops: LibOps, changed: dict[str, Any], error: type[Exception]
    ) -> None:
        refused(memory_ops, error, lambda: _services(memory_ops, **changed))

    def test_typical_case_rules(self, memory_ops: LibOps) -> None:
        ops = memory_ops
        mark, unmark = ops.standing.mark_typical_case, ops.standing.unmark_typical_case
        draft = ops.posts.draft(
            PLANNER,
            title="草稿",
            body="正文",
            content_type="knowledge",
            format="image_text",
            variants=[PostVariant("weibo", "正文")],
        )
        refused(ops, TypicalCaseError, lambda: mark(ADMIN, draft, theme="t", why="w"))
        refused(
            ops,
            UnknownIdError,
            lambda: mark(ADMIN, "5f0c7a8e-1111-4c4c-9a9a-123456789abc", theme="t", why="w"),
        )
        refused(
            ops,
            UnknownIdError,
            lambda: mark(ADMIN, draft, theme="t", why="w", subject_kind="campaign"),
        )
        refused(
            ops,
            InvalidValueError,
            lambda: mark(ADMIN, draft, theme="t", why="w", subject_kind="video"),
        )
        campaign_id = _campaign(ops)
        refused(
            ops,
            InvalidValueError,
            lambda: mark(ADMIN, campaign_id, theme="", why="w", subject_kind="campaign"),
        )
        mark(ADMIN, campaign_id, theme="t", why="w", subject_kind="campaign")
        refused(
            ops,
            TypicalCaseError,
            lambda: mark(ADMIN, campaign_id, theme="t", why="w", subject_kind="campaign"),
        )
        refused(ops, TypicalCaseError, lambda: unmark(ADMIN, draft, "r"))
        refused(ops, InvalidValueError, lambda: unmark(ADMIN, "not-an-id", "r"))


class TestRoles:
    def test_the_role_table(self) -> None:
        for name in COMMANDS:
            assert PERMISSIONS[name] == {Role.OPERATIONS_ADMIN, Role.TECHNICAL_SUPPORT}, name

    @pytest.mark.parametrize("actor", [PLANNER, REVIEWER, OWNER, AUDITOR], ids=lambda a: a.id)
    def test_others_record_nothing(self, memory_ops: LibOps, actor: Actor) -> None:
        ops = memory_ops
        refused(ops, PermissionDeniedError, lambda: _ranking(ops, actor))
        refused(ops, PermissionDeniedError, lambda: _honour(ops, actor))
        refused(ops, PermissionDeniedError, lambda: _services(ops, actor))
        honour_id = _honour(ops)
        refused(
            ops,
            PermissionDeniedError,
            lambda: ops.standing.withdraw_honour(actor, honour_id, "r"),
        )

    def test_technical_support_records(self, memory_ops: LibOps) -> None:
        _ranking(memory_ops, TECH)
        _honour(memory_ops, TECH)
        assert _services(memory_ops, TECH) is False
