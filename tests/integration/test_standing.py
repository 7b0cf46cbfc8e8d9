"""The account's standing end to end: CSV import, the command line, the view, the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from libops import LibOps, Period, cli
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.adapters.storage import STORE_ENV_VAR
from libops.application.standing import ranking_rows_from_csv
from libops.domain.errors import RankingFileError
from libops.domain.standing import RankingRow, ServiceCount
from libops.report import build_report, render_markdown
from libops.report.strings_en import STRINGS as EN
from libops.report.strings_zh import STRINGS as ZH
from tests.actors import ADMIN
from tests.helpers import count_events
from tests.integration.test_report_chinese import IN_CAMPAIGN, MONDAY, WEEK, _publish

TABLE = '排名,名称,指数,备注\n1,国家图书馆,"1,234.5",\n2,滨江市图书馆,980.25,x\n3,C馆,700,\n'
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args), env={"COLUMNS": "200"}, terminal_width=200)


@pytest.fixture(autouse=True)
def _no_store_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)


# --- the CSV ---------------------------------------------------------------------------------


class TestRankingCsv:
    @pytest.mark.parametrize(
        "data",
        [
            TABLE.encode("utf-8"),
            b"\xef\xbb\xbf" + TABLE.encode("utf-8"),
            TABLE.encode("gb18030"),
            TABLE.replace("\n", "\r\n").encode("gb18030"),
            TABLE.replace("排名,名称,指数", "Rank,Name,Value").encode("utf-8"),
        ],
        ids=["utf-8", "bom", "gb18030", "gb18030-crlf", "english-header"],
    )
    def test_encodings(self, data: bytes) -> None:
        assert ranking_rows_from_csv(data) == (
            RankingRow("国家图书馆", Decimal("1234.5"), 1),
            RankingRow("滨江市图书馆", Decimal("980.25"), 2),
            RankingRow("C馆", Decimal("700"), 3),
        )

    @pytest.mark.parametrize(
        ("text", "line", "column"),
        [
            ("排名,名称,指数\n1,A,1\nx,B,2\n", 3, "排名"),
            ("排名,名称,指数\n1,A,1\n0,B,2\n", 3, "排名"),
            ("排名,名称,指数\n1,A,\n", 2, "指数"),
            ("排名,名称,指数\n1,A,很高\n", 2, "指数"),
            ("排名,名称,指数\n1,A,NaN\n", 2, "指数"),
            ("排名,名称,指数\n1,A,1\n2,A,2\n", 3, "名称"),
            ("排名,名称,指数\n1,A\n", 2, "指数"),
            ("排名,名称,指数\n\n1,A,1\n2,\x07B,2\n", 4, "名称"),
            ("排名,名称\n1,A\n", 1, None),
            ("", 1, None),
            ("排名,名称,指数\n", None, None),
        ],
    )
    def test_malformed(self, text: str, line: int | None, column: str | None) -> None:
        with pytest.raises(RankingFileError) as raised:
            ranking_rows_from_csv(text.encode("utf-8"))
        assert (raised.value.line, raised.value.column) == (line, column)

    def test_not_text(self) -> None:
        with pytest.raises(RankingFileError) as raised:
            ranking_rows_from_csv(b"\xff\xfe\x00\x81\x30\x81")
        assert "neither UTF-8 nor GB18030" in str(raised.value)


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/libops.db"
    assert run("db", "migrate", "--store", url).exit_code == 0
    return url


def _import(store: str, path: Path, *more: str) -> Result:
    return run(
        "standing",
        "import-ranking",
        str(path),
        "--period",
        "2026-04-01:2026-04-30",
        "--source",
        "文化和旅游部 全国文旅新媒体传播力指数 月榜",
        "--index",
        "传播力指数",
        "--us",
        "滨江市图书馆",
        "--store",
        store,
        *more,
    )


class TestCommandLine:
    def test_import_and_list(self, store: str, tmp_path: Path) -> None:
        path = tmp_path / "rank.csv"
        path.write_bytes(TABLE.encode("gb18030"))
        result = _import(store, path)
        assert result.exit_code == 0, result.output
        assert "滨江市图书馆 is ranked 2 of 3" in result.output
        honour = run(
            "standing", "honour", "add", "--title", "优秀账号", "--awarded-by", "省文旅厅",
            "--date", "2026-04-20", "--store", store,
        )  # fmt: skip
        assert honour.exit_code == 0, honour.output
        services = run(
            "standing", "services", "--period", "2026-04-01:2026-04-30", "--kind", "renewal",
            "--count", "wechat=120", "--count", "小程序=30", "--store", store,
        )  # fmt: skip
        assert services.exit_code == 0, services.output
        listed = json.loads(run("standing", "list", "--json", "--store", store).output)
        (ranking,) = listed["rankings"]
        assert (ranking["rank"], ranking["entrants"], ranking["value"]) == (2, 3, "980.25")
        assert listed["honours"][0]["id"] == honour.output.strip()
        assert listed["services"][0]["total"] == 150
        withdrawn = run(
            "standing", "honour", "withdraw", honour.output.strip(), "--reason", "录入有误",
            "--store", store,
        )  # fmt: skip
        assert withdrawn.exit_code == 0, withdrawn.output
        listed = json.loads(run("standing", "list", "--json", "--store", store).output)
        assert listed["honours"][0]["withdrawn"] == "录入有误"
        assert run("standing", "list", "--store", store).exit_code == 0

    def test_a_malformed_file_records_nothing(self, store: str, tmp_path: Path) -> None:
        path = tmp_path / "rank.csv"
        path.write_bytes("排名,名称,指数\n1,滨江市图书馆,1\n2,B,二\n".encode("gb18030"))
        with LibOps.open(store) as ops:
            before = count_events(ops)
        result = _import(store, path)
        assert result.exit_code != 0
        assert "line 3, column 指数" in result.output
        with LibOps.open(store) as ops:
            assert count_events(ops) == before

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--period", "2026-04-01"), "FIRST:LAST"),
            (("--period", "2026-04-31:2026-05-01"), "a day"),
            (("--platform", "toutiao"), "not a ranking's platform"),
        ],
    )
    def test_bad_options(
        self, store: str, tmp_path: Path, args: tuple[str, ...], message: str
    ) -> None:
        path = tmp_path / "rank.csv"
        path.write_bytes(TABLE.encode("utf-8"))
        result = _import(store, path, *args)
        assert result.exit_code != 0
        assert message in result.output

    def test_bad_counts(self, store: str) -> None:
        result = run(
            "standing", "services", "--period", "2026-04-01:2026-04-30", "--kind", "renewal",
            "--count", "wechat", "--store", store,
        )  # fmt: skip
        assert result.exit_code != 0
        assert "CHANNEL=USES" in result.output


# --- the view and the report ------------------------------------------------------------------


@pytest.fixture
def week_ops(store_url: str) -> Iterator[LibOps]:
    """The Chinese report tests' week of six posts, on every kind of store."""
    clock = ManualClock(MONDAY)
    gateways = [SandboxPlatform(p, seed=3, clock=clock) for p in ("wechat", "weibo", "douyin")]
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=gateways) as ops:
        _publish(ops, clock)
        yield ops


def _record(ops: LibOps) -> tuple[str, str]:
    """Rankings (one in the week, one before), honours (one in the week, one before, one
    withdrawn), cases (a post of the campaign, the campaign), service uses (two in the week,
    one over a longer period). Returns the campaign's id and the marked post's."""
    rows = (
        RankingRow("国家图书馆", "1234.5", 1),
        RankingRow("滨江市图书馆", "980.25", 2),
        RankingRow("C馆", "700", 3),
    )
    record = ops.standing.record_ranking
    record(
        ADMIN, source="文旅部月榜", period=APRIL, index="传播力指数", rows=rows, us="滨江市图书馆"
    )
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    record(ADMIN, source="文旅部月榜", period=march, index="传播力指数", rows=rows[1:], us="C馆")
    ops.standing.record_honour(
        ADMIN, title="阅读推广优秀案例", awarded_by="省图书馆学会", awarded_on=date(2026, 4, 8)
    )
    ops.standing.record_honour(
        ADMIN, title="去年的荣誉", awarded_by="省图书馆学会", awarded_on=date(2025, 4, 8)
    )
    withdrawn = ops.standing.record_honour(
        ADMIN, title="撤回的荣誉", awarded_by="某单位", awarded_on=date(2026, 4, 9)
    )
    ops.standing.withdraw_honour(ADMIN, withdrawn, "录入有误")
    campaign_id = str(ops.campaigns.list()[0].id)
    ops.projections.run()
    posts = ops.projections.view("engagement")
    post_id = next(
        key.removeprefix("meta:")
        for key, doc in posts.items()
        if key.startswith("meta:") and doc.get("campaign_id") == campaign_id
    )
    ops.standing.mark_typical_case(ADMIN, post_id, theme="阅读推广", why="阅读量最高的一篇")
    ops.standing.mark_typical_case(
        ADMIN, campaign_id, theme="读书周", why="三个平台联动", subject_kind="campaign"
    )
    uses = ops.standing.record_service_uses
    uses(ADMIN, period=WEEK, kind="renewal", counts=[ServiceCount("wechat", 120)])
    day = Period(date(2026, 4, 6), date(2026, 4, 6))
    uses(
        ADMIN,
        period=day,
        kind="renewal",
        counts=[ServiceCount("wechat", 5), ServiceCount("小程序", 7)],
    )
    uses(ADMIN, period=WEEK, kind="reservation", counts=[ServiceCount("wechat", 40)])
    uses(ADMIN, period=APRIL, kind="payment", counts=[ServiceCount("wechat", 999)])
    return campaign_id, post_id


class TestViewAndReport:
    def test_the_view(self, week_ops: LibOps) -> None:
        campaign_id, post_id = _record(week_ops)
        week_ops.projections.run()
        view = week_ops.projections.view("standing")
        rankings = sorted(
            (doc["period_start"], doc["us"], doc["rank"], doc["entrants"], doc["leader"])
            for key, doc in view.items()
            if key.startswith("ranking:")
        )
        assert rankings == [
            ("2026-03-01", "C馆", 3, 2, "滨江市图书馆"),
            ("2026-04-01", "滨江市图书馆", 2, 3, "国家图书馆"),
        ]
        honours = {
            doc["title"]: doc["withdrawn"] for k, doc in view.items() if k.startswith("honour:")
        }
        assert honours == {"阅读推广优秀案例": None, "去年的荣誉": None, "撤回的荣誉": "录入有误"}
        assert view[f"case:{post_id}"]["subject_kind"] == "post"
        assert view[f"case:{campaign_id}"]["title"] == "读书周"
        week_ops.standing.unmark_typical_case(ADMIN, post_id, "换一个")
        week_ops.projections.run()
        assert f"case:{post_id}" not in week_ops.projections.view("standing")
        services = week_ops.projections.view("standing")["services:2026-04-06:2026-04-12:renewal"]
        assert (services["total"], services["counts"]) == (120, {"wechat": 120})

    def test_the_report_in_both_languages(self, week_ops: LibOps) -> None:
        _record(week_ops)
        report = build_report(week_ops, period=WEEK, lang="zh")
        records = report.standing_records
        (rank,) = records.rankings  # April overlaps the week; March does not
        assert (rank.rank, rank.entrants, rank.value, rank.leader_value) == (
            2,
            3,
            Decimal("980.25"),
            Decimal("1234.5"),
        )
        assert [h.title for h in records.honours] == ["阅读推广优秀案例"]
        assert sorted(c.subject_kind for c in records.cases) == ["campaign", "post"]
        # Records within the week summed; April's payments reach outside it: left out.
        assert [(s.kind, s.total, s.by_channel) for s in records.services] == [
            ("renewal", 132, (("wechat", 125), ("小程序", 7))),
            ("reservation", 40, (("wechat", 40),)),
        ]
        zh = render_markdown(report, lang="zh")
        for text in (
            "第 2 名/3",
            "国家图书馆（1,234.5）",
            "阅读推广优秀案例",
            "阅读量最高的一篇",
            "三个平台联动",
            "172 人次",
            "续借",
            "入馆预约",
            "微信公众号：125；小程序：7",
        ):
            assert text in zh, text
        assert ZH["p.no_ranking"] not in zh
        assert "去年的荣誉" not in zh
        assert "撤回的荣誉" not in zh
        chapter3 = zh[zh.index("三、内容建设与典型案例") : zh.index("四、影响力与荣誉")]
        assert ZH["h.typical_cases"] in chapter3
        chapter1 = zh[zh.index("一、总体情况") : zh.index("二、各平台数据分析")]
        assert ZH["h.services"] in chapter1
        en = render_markdown(report, lang="en")
        for text in ("Rank among peers", "2 of 3", "Honours", "Typical cases", "Loan renewal"):
            assert text in en, text
        assert "Online service uses" in en
        assert "172 times" in en

    def test_a_campaign_s_cases_only(self, week_ops: LibOps) -> None:
        campaign_id, post_id = _record(week_ops)
        other = week_ops.campaigns.plan(
            ADMIN,
            name="另一个活动",
            kind="topic",
            period=Period(date(2026, 5, 1), date(2026, 5, 9)),
        )
        week_ops.standing.mark_typical_case(
            ADMIN, other, theme="t", why="不在本期", subject_kind="campaign"
        )
        report = build_report(week_ops, campaign_id=campaign_id)
        assert {c.subject_id for c in report.standing_records.cases} == {campaign_id, post_id}
        whole = build_report(week_ops, period=WEEK)
        assert str(other) not in {c.subject_id for c in whole.standing_records.cases}
        assert len(IN_CAMPAIGN) == 2

    def test_nothing_recorded_one_sentence_each(self, memory_ops: LibOps) -> None:
        clock = ManualClock(MONDAY)
        gateways = [SandboxPlatform(p, seed=3, clock=clock) for p in ("wechat", "weibo", "douyin")]
        with LibOps.open("memory://", clock=clock, gateways=gateways) as ops:
            _publish(ops, clock)
            report = build_report(ops, period=WEEK)
        for lang, words in (("zh", ZH), ("en", EN)):
            text = render_markdown(report, lang=lang)
            for key in ("p.no_ranking", "p.no_cases", "p.no_services"):
                assert words[key].split("'")[0] in text, (lang, key)

    def test_an_honour_alone_says_no_ranking(self, memory_ops: LibOps) -> None:
        memory_ops.standing.record_honour(
            ADMIN, title="优秀账号", awarded_by="省文旅厅", awarded_on=date(2026, 4, 8)
        )
        report = build_report(memory_ops, period=APRIL, lang="zh")
        text = render_markdown(report, lang="zh")
        assert ZH["p.no_peer_ranks"] in text
        assert "优秀账号" in text
        assert ZH["p.no_honours"] not in text

    def test_an_empty_store_leaves_the_sections_out(self) -> None:
        with LibOps.open("memory://") as ops:
            report = build_report(ops, lang="zh")
        text = render_markdown(report, lang="zh")
        for key in ("h.typical_cases", "h.services", "p.no_cases", "p.no_services"):
            assert ZH[key] not in text
