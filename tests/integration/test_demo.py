"""The main job: ``libops demo`` simulates a library's quarter, deterministically from its seed."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from libops import LibOps, Period, PostStatus
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import Reception, SandboxPlatform
from libops.adapters.storage import STORE_ENV_VAR
from libops.cli import app
from libops.demo import DemoSummary, run_demo
from libops.demo.setting import TEAM
from libops.domain.errors import DemoStoreInUseError, InvalidValueError
from libops.domain.interaction.contest import Contest
from libops.domain.post import PlatformStatus, Post
from libops.domain.values import Actor, Platform, PostVariant
from tests.actors import PLANNER
from tests.helpers import count_events

SMALL = ("--posts", "30", "--no-report")


@pytest.fixture(autouse=True)
def _no_store_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["demo", *args])


def _demo(*args: str) -> dict[str, Any]:
    result = _invoke("--json", *args)
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary without what names one store (its URL and the aggregate ids)."""
    figures = dict(summary)
    figures.pop("store")
    figures["campaigns"] = [{k: v for k, v in c.items() if k != "id"} for c in summary["campaigns"]]
    return figures


def _ids(ops: LibOps, topic: str) -> list[Any]:
    seen: dict[Any, None] = {}
    for n in ops.app.recorder.select_notifications(start=1, limit=10**7, topics=[topic]):
        seen[n.originator_id] = None
    return list(seen)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, DemoSummary]:
    """One small demo run (30 posts over the quarter), projections caught up."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db"
    return url, run_demo(url, posts=30, project=True)


class TestDeterminism:
    def test_same_seed_same_run(self, tmp_path: Path) -> None:
        """Two fresh stores, one seed: the same event count and the same figures."""
        first = _demo("--store", f"sqlite:///{tmp_path}/a.db", *SMALL)
        second = _demo("--store", f"sqlite:///{tmp_path}/b.db", *SMALL)
        assert _figures(first) == _figures(second)
        assert first["new_events"] == first["events_after"] > 500
        assert first["published"] == first["variants"]

    def test_another_seed_another_run(self, tmp_path: Path) -> None:
        """A different seed gives another plan and other reactions from the platforms."""
        a = _demo("--store", f"sqlite:///{tmp_path}/a.db", *SMALL)
        b = _demo("--store", f"sqlite:///{tmp_path}/b.db", *SMALL, "--seed", "7")
        assert a["totals_by_platform"] != b["totals_by_platform"]
        # (The event counts may coincide: each World Book Day post's brief adds events.)
        assert _figures(a)["campaigns"] != _figures(b)["campaigns"]

    def test_running_again_records_nothing(self, tmp_path: Path) -> None:
        """Every demo command carries an idempotency key: a rerun adds no event."""
        store = f"sqlite:///{tmp_path}/demo.db"
        first = _demo("--store", store, *SMALL)
        again = _demo("--store", store, *SMALL)
        assert again["new_events"] == 0
        assert again["events_after"] == first["events_after"]
        for figure in ("posts", "published", "changes_requested", "cadence_warnings", "money"):
            assert again[figure] == first[figure], figure

    def test_another_scenario_on_the_same_store_is_refused(self, tmp_path: Path) -> None:
        """Another --seed, --posts or --days on a demo's store is refused, recording nothing."""
        store = f"sqlite:///{tmp_path}/demo.db"
        first = _demo("--store", store, *SMALL)
        for other in (("--seed", "7"), ("--posts", "31"), ("--days", "60")):
            result = _invoke("--store", store, "--json", *SMALL, *other)
            assert result.exit_code != 0, result.output
            assert "Traceback" not in result.output
            message = " ".join(result.output.split())
            assert "another demo scenario (--seed 2026 --posts 30)" in message
            assert "nothing was recorded" in message
            assert "--store" in message
            with LibOps.open(store) as ops:
                assert count_events(ops) == first["events_after"]
        again = _demo("--store", store, *SMALL)  # the same scenario still reruns
        assert again["new_events"] == 0

    def test_a_store_with_other_records_is_refused(self, tmp_path: Path) -> None:
        """A store holding a library's own records is left alone: nothing is recorded."""
        store = f"sqlite:///{tmp_path}/library.db"
        with LibOps.open(store, migrate=True) as ops:
            ops.campaigns.plan(
                PLANNER,
                name="Our own campaign",
                kind="topic",
                period=Period(date(2026, 1, 1), date(2026, 12, 31)),
            )
            before = count_events(ops)
        with pytest.raises(DemoStoreInUseError, match="not a demo's"):
            run_demo(store, posts=30)
        with LibOps.open(store) as ops:
            assert count_events(ops) == before

    def test_scale_two_records_about_twice_the_events(self, tmp_path: Path) -> None:
        """--scale 2 simulates two quarters: about twice the events, six campaigns."""
        one = _demo("--store", f"sqlite:///{tmp_path}/a.db", *SMALL)
        two = _demo("--store", f"sqlite:///{tmp_path}/b.db", *SMALL, "--scale", "2")
        assert 1.8 <= two["new_events"] / one["new_events"] <= 2.2
        assert two["posts"] == 2 * one["posts"]
        assert len(two["campaigns"]) == 6
        assert two["end"] == "2026-09-30"  # whole calendar quarters
        assert two["readers"]["readers"] == 2 * one["readers"]["readers"]


class TestWhatTheDemoLeaves:
    def test_three_campaigns_with_their_kinds_and_platforms(
        self, small_run: tuple[str, DemoSummary]
    ) -> None:
        """World Book Day on three platforms, a KOL collaboration, an e-resources promotion."""
        url, summary = small_run
        with LibOps.open(url) as ops:
            campaigns = {str(c): ops.campaigns.get(c) for c in _ids(ops, "libops:Campaign.Planned")}
        assert len(campaigns) == 3
        kinds = {c.kind.value: c for c in campaigns.values()}
        assert set(kinds) == {"topic", "kol", "cross_platform"}
        everywhere = {Platform.WEIBO, Platform.WECHAT, Platform.DOUYIN}
        assert "World Book Day" in kinds["topic"].name
        assert set(kinds["topic"].platforms) == everywhere
        assert set(kinds["cross_platform"].platforms) == everywhere
        assert kinds["kol"].kol_partners
        assert all(c.status.value == "completed" for c in campaigns.values())
        topic = kinds["topic"].period
        assert topic.start <= datetime(2026, 4, 23).date() <= topic.end
        assert sum(c.posts for c in summary.campaigns) == summary.posts == 30

    def test_every_content_type_is_published_with_metrics(
        self, small_run: tuple[str, DemoSummary]
    ) -> None:
        """Posts of all three content types are approved, published and measured."""
        url, summary = small_run
        published_types = set()
        with LibOps.open(url) as ops:
            for post_id in _ids(ops, Post.Drafted.TOPIC):
                post = ops.posts.get(post_id)
                assert post.status is PostStatus.APPROVED
                for platform in post.platforms:
                    assert post.platform_status(platform) is PlatformStatus.PUBLISHED
                    assert post.latest_metrics(platform) is not None
                    published_types.add(post.content_type.value)
        assert published_types == {"news", "knowledge", "interactive"}
        assert summary.changes_requested >= 1
        assert summary.failures == 1

    def test_the_contest_draw_verifies(self, small_run: tuple[str, DemoSummary]) -> None:
        """The prize quiz's draw is verified again from the stored events."""
        url, summary = small_run
        assert summary.readers.draws == summary.readers.draws_verified == 1
        with LibOps.open(url) as ops:
            (contest_id,) = _ids(ops, Contest.Announced.TOPIC)
            assert ops.contests.verify(contest_id).matches
        assert summary.readers.winners == 3
        assert summary.readers.contest_refused >= 1

    def test_the_erasure_happened(self, small_run: tuple[str, DemoSummary]) -> None:
        """The reader who asked for erasure is erased: their key is gone for good."""
        url, summary = small_run
        with LibOps.open(url) as ops:
            subject = ops.privacy.subject_id_for("weibo", "@reader_2026q0_001")
            assert ops.privacy.is_erased(subject)
        assert summary.readers.erasures == 1

    def test_readers_money_and_risks(self, small_run: tuple[str, DemoSummary]) -> None:
        """Q&A with one escalation, a sanction, the KOL fee paid, an overspend refused."""
        _url, summary = small_run
        readers, money, risks = summary.readers, summary.money, summary.risks
        assert readers.answered == readers.questions - 1
        assert readers.escalated == 1
        assert readers.automatic_sanctions == 1
        assert readers.session_attended >= 1
        assert money.kol_fees == "8000.00"
        assert money.committed == "0.00"  # the KOL's commitment was settled by its invoice
        assert money.adjustments == 1
        assert money.overspends_refused == 1
        assert risks.incidents == 1
        assert risks.open_incidents == 0
        assert risks.risks >= 3
        assert summary.projected

    def test_the_media_library_and_the_swapped_visual(
        self, small_run: tuple[str, DemoSummary]
    ) -> None:
        """The stock visual's licence ran out before the first topic post was drafted: review
        found it, the post was sent back, swapped to the library's own photo and approved."""
        url, _summary = small_run
        with LibOps.open(url) as ops:
            assets = {a.title: a for a in ops.media.list()}
            assert sorted(assets) == [
                "读书日主视觉 · Book Day key visual",
                "馆舍实景 · Library interior",
            ]
            stock = ops.media.usage(assets["读书日主视觉 · Book Day key visual"].id)
            own = ops.media.usage(assets["馆舍实景 · Library interior"].id)
            assert stock.findings
            assert {kind for _, kind in stock.findings} == {"licence_expired"}
            assert stock.posts == ()
            assert stock.publishes == 0
            assert len(own.posts) == 1
            assert own.publishes >= 1
            post = ops.posts.get(own.posts[0])
            assert post.status.value in {"approved", "scheduled", "published"}
            assert [r.approved for r in post.reviews] == [False, True]

    def test_the_projections_are_caught_up(self, small_run: tuple[str, DemoSummary]) -> None:
        """After the demo every standard projection has read the whole log."""
        url, _summary = small_run
        with LibOps.open(url) as ops:
            last = count_events(ops)
            engine = ops.projections
            assert all(engine.position(name) == last for name in engine.names)


class TestReception:
    def _likes(self, reception: Reception | None) -> int:
        clock = ManualClock(datetime(2026, 4, 1, 12, tzinfo=UTC))
        sandbox = SandboxPlatform(
            Platform.WEIBO,
            seed=1,
            clock=clock,
            reception=None if reception is None else (lambda _variant, _at: reception),
        )
        receipt = sandbox.publish(PostVariant(Platform.WEIBO, "好书推荐"), "k")
        clock.set(datetime(2026, 4, 10, tzinfo=UTC))
        snapshot = sandbox.metrics(receipt.external_id)
        return snapshot.likes + snapshot.comments + snapshot.shares

    def test_reception_raises_engagement(self) -> None:
        """A sandbox told readers love a post engages more than the same post without."""
        assert self._likes(Reception(engagement=3.0)) > 2 * self._likes(None)
        assert self._likes(Reception()) == self._likes(None)

    @pytest.mark.parametrize("bad", [0, -1.0, float("nan"), True, "2"])
    def test_bad_reception_factors_are_refused(self, bad: object) -> None:
        """Reach and engagement are positive finite numbers."""
        with pytest.raises(InvalidValueError):
            Reception(reach=bad)  # type: ignore[arg-type]  # the wrong type on purpose


class TestDemoCli:
    def test_human_output_names_campaigns_and_store(self, tmp_path: Path) -> None:
        """Without --json the demo prints a readable summary naming the store."""
        result = _invoke("--store", f"sqlite:///{tmp_path}/d.db", "--posts", "6", "--no-report")
        assert result.exit_code == 0, result.output
        assert "World Book Day 2026" in result.stdout
        # The campaign's kind and platforms print as text (not swallowed as markup).
        assert "(topic, weibo, wechat, douyin; 2026-04-13" in result.stdout
        assert "one library's quarter, 2026 Q2" in result.stdout
        assert "events recorded by this run" in result.stdout
        assert str(tmp_path) in result.stdout

    def test_default_run_covers_a_quarter(self, tmp_path: Path) -> None:
        """The defaults: one quarter, 240 posts of every content type, three campaigns (its
        run time is measured by benchmarks/demo.py, not asserted here)."""
        summary = _demo("--store", f"sqlite:///{tmp_path}/d.db", "--no-report")
        assert summary["posts"] == 240
        assert summary["published"] == summary["variants"] > 240
        assert set(summary["content_types"]) == {"news", "knowledge", "interactive"}
        assert summary["metrics_corrected"] >= 1
        assert summary["cadence_over_max"] >= 1

    @pytest.mark.parametrize(
        "option",
        [("--scale", "0"), ("--posts", "0"), ("--days", "0"), ("--days", "93"), ("--lang", "fr")],
    )
    def test_bad_options_are_clean_errors(self, tmp_path: Path, option: tuple[str, str]) -> None:
        """A bad option exits with 2, says what is wrong and records nothing."""
        store = tmp_path / "d.db"
        result = _invoke("--store", f"sqlite:///{store}", *option)
        assert result.exit_code == 2
        assert option[0] in result.output or option[1] in result.output
        assert "Traceback" not in result.output
        assert not store.exists()

    def test_bad_store_url_is_a_clean_error(self) -> None:
        """A wrong store URL ends with exit code 2 and one line, no traceback."""
        result = _invoke("--store", "mysql://nope", "--no-report")
        assert result.exit_code == 2
        assert "mysql" in result.output
        assert "Traceback" not in result.output

    def test_run_demo_refuses_bad_sizes(self, tmp_path: Path) -> None:
        """run_demo itself refuses sizes below one, before touching the store."""
        store = tmp_path / "d.db"
        for kwargs, match in (
            ({"posts": 0}, "posts"),
            ({"scale": 0}, "scale"),
            ({"days": 0}, "days"),
            ({"days": 93}, "days"),
            ({"lang": "fr"}, "lang"),
        ):
            with pytest.raises(ValueError, match=match):
                run_demo(f"sqlite:///{store}", **kwargs)
        assert not store.exists()


class TestReportHook:
    def test_the_report_is_written_by_libops_report(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The demo hands the caught-up store, the directory, the language, its library's name
        (for the title) and its team (for the people's names and roles) to the report."""
        calls: list[tuple[int, Path, str, str, list[tuple[str, str]]]] = []

        def write_report(
            ops: LibOps, directory: Path, *, lang: str, library: str, people: Iterable[Actor]
        ) -> object:
            named = sorted((p.id, p.name) for p in people)
            calls.append((count_events(ops), directory, lang, library, named))
            return types.SimpleNamespace(html=directory / "report.html")

        fake = types.ModuleType("libops.report")
        fake.write_report = write_report  # type: ignore[attr-defined]  # a stand-in module
        monkeypatch.setitem(sys.modules, "libops.report", fake)
        out = tmp_path / "report"
        summary = _demo(
            "--store",
            f"sqlite:///{tmp_path}/d.db",
            "--posts",
            "6",
            "--report-dir",
            str(out),
            "--lang",
            "zh",
        )
        team = [
            ("chen.jie", "陈杰"),
            ("li.na", "李娜"),
            ("liu.yang", "刘洋"),
            ("wang.fang", "王芳"),
            ("zhao.lei", "赵磊"),
            ("zhou.min", "周敏"),
        ]
        assert sorted(a.id for a in TEAM.values()) == [a for a, _ in team]
        assert calls == [(summary["events_after"], out, "zh", "滨江市图书馆", team)]
        assert summary["report"] == str(out / "report.html")

    def test_no_report_module_is_a_one_line_note(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without an importable libops.report the demo still succeeds and says so."""
        monkeypatch.setitem(sys.modules, "libops.report", None)
        result = _invoke(
            "--store",
            f"sqlite:///{tmp_path}/d.db",
            "--posts",
            "6",
            "--report-dir",
            str(tmp_path / "r"),
        )
        assert result.exit_code == 0, result.output
        assert "report skipped" in result.stdout
        assert not (tmp_path / "r").exists()


@pytest.mark.postgres
class TestDemoOnPostgres:
    def test_demo_on_postgresql(self, postgres_url: str) -> None:
        """The demo runs on PostgreSQL too, and a rerun records nothing there either."""
        first = _demo("--store", postgres_url, "--posts", "8", "--no-report")
        again = _demo("--store", postgres_url, "--posts", "8", "--no-report")
        assert first["published"] == first["variants"]
        assert again["new_events"] == 0
