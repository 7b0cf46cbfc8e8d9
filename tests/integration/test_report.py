"""The evaluation report: its figures against an independent count of the raw events, both
languages, every section and chart, self-contained HTML, determinism and bad inputs."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from libops import Actor, LibOps, Period, Role
from libops import demo as demo_module
from libops.adapters.clock import ManualClock
from libops.domain.errors import InvalidValueError, PeriodError, UnknownIdError
from libops.domain.risk import level_for
from libops.report import (
    CHART_NAMES,
    SECTIONS,
    MissingCjkFontError,
    ReportDirectoryError,
    build_report,
    render_charts,
    render_html,
    render_markdown,
    write_report,
)
from libops.report import charts as charts_module
from libops.report.blocks import Heading, blocks, layout
from libops.report.findings import MIN_POSTS_FOR_BEST
from libops.report.render import STRINGS
from libops.report.words import language
from tests.helpers import count_events

SEED = 5
REACH = {"weibo": "reads", "wechat": "reads"}  # every other platform reports views
ENGAGEMENT = ("likes", "comments", "shares", "favourites")
SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_CHART_BYTES = 8_000


def _make_history(path: Path) -> str:
    url = f"sqlite:///{path}"
    demo_module.run_demo(url, seed=SEED, posts=12, days=14)
    return url


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small deterministic history from the demo, on a SQLite file."""
    return _make_history(tmp_path_factory.mktemp("report") / "libops.db")


@pytest.fixture
def store(history: str) -> Iterator[LibOps]:
    """The history's store, opened."""
    with LibOps.open(history) as ops:
        yield ops


# --- the independent count ---------------------------------------------------------------


@dataclass
class Truth:
    """Figures worked out here from the raw events, without the projections' code."""

    published: set[tuple[str, str]] = field(default_factory=set)
    hour: dict[tuple[str, str], int] = field(default_factory=dict)
    post_campaign: dict[str, str | None] = field(default_factory=dict)
    content_type: dict[str, str] = field(default_factory=dict)
    latest: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    objectives: dict[str, list[tuple[str, str | None, Decimal]]] = field(default_factory=dict)
    spent: Counter[str] = field(default_factory=Counter)
    questions: int = 0
    answered: int = 0
    risks: dict[str, tuple[int, int, bool]] = field(default_factory=dict)

    def counts(self, key: tuple[str, str]) -> dict[str, int]:
        return self.latest.get(key, dict.fromkeys((*ENGAGEMENT, "reads", "views"), 0))

    def reach(self, key: tuple[str, str]) -> int:
        return self.counts(key)[REACH.get(key[1], "views")]

    def engagements(self, key: tuple[str, str]) -> int:
        return sum(self.counts(key)[name] for name in ENGAGEMENT)


def _read_truth(ops: LibOps) -> Truth:
    truth = Truth()
    last = int(ops.app.recorder.max_notification_id() or 0)
    notifications = ops.app.recorder.select_notifications(start=1, limit=last + 1)
    for notification in notifications:
        topic = notification.topic
        if not topic.startswith("libops:"):
            continue
        event: Any = ops.app.mapper.to_domain_event(notification)
        name = topic.removeprefix("libops:")
        oid = str(event.originator_id)
        if name == "Post.Drafted":
            truth.content_type[oid] = event.content_type.value
            truth.post_campaign[oid] = None if event.campaign_id is None else str(event.campaign_id)
        elif name == "Post.Revised":
            truth.post_campaign[oid] = None if event.campaign_id is None else str(event.campaign_id)
        elif name == "Post.Published":
            key = (oid, event.receipt.platform.value)
            truth.published.add(key)
            truth.hour[key] = event.receipt.published_at.astimezone(SHANGHAI).hour
        elif name in ("Post.MetricsRecorded", "Post.MetricsCorrected"):
            snap = event.snapshot
            truth.latest[(oid, snap.platform.value)] = {
                n: getattr(snap, n) or 0
                for n in (*ENGAGEMENT, "reads", "views", "followers_gained")
            }
        elif name in ("Campaign.Planned", "Campaign.Amended") and event.objectives is not None:
            truth.objectives[oid] = [
                (
                    o.metric.value,
                    None if o.platform is None else o.platform.value,
                    Decimal(o.target),
                )
                for o in event.objectives
            ]
        elif name == "Budget.ExpenseRecorded":
            truth.spent[event.category.value] += event.amount.amount
        elif name == "Question.Received":
            truth.questions += 1
        elif name == "Question.Answered":
            truth.answered += 1
        elif name in ("Risk.Identified", "Risk.Reassessed"):
            truth.risks[oid] = (event.likelihood, event.impact, True)
        elif name == "Risk.Closed":
            likelihood, impact, _ = truth.risks[oid]
            truth.risks[oid] = (likelihood, impact, False)
    return truth


def _rate(engagements: int, reach: int) -> Decimal | None:
    return None if reach == 0 else Decimal(engagements) / Decimal(reach)


class TestReportFigures:
    """Every figure of the report model equals an independent count of the events."""

    def test_posts_per_platform(self, store: LibOps) -> None:
        """Posts per platform are the published (post, platform) pairs."""
        truth = _read_truth(store)
        report = build_report(store)
        expected = Counter(platform for _, platform in truth.published)
        assert {r.key: r.posts for r in report.engagement.by_platform} == dict(expected)
        assert report.execution.posts_total == len(truth.published)
        by_pair = Counter((p, truth.content_type[post]) for post, p in truth.published)
        assert {(c.platform, c.content_type): c.posts for c in report.execution.posts} == dict(
            by_pair
        )

    def test_engagements_and_rate_per_platform(self, store: LibOps) -> None:
        """Engagements, reach and the pooled rate per platform come from the latest snapshots."""
        truth = _read_truth(store)
        report = build_report(store)
        assert report.engagement.by_platform
        for row in report.engagement.by_platform:
            keys = [k for k in truth.published if k[1] == row.key]
            engagements = sum(truth.engagements(k) for k in keys)
            reach = sum(truth.reach(k) for k in keys)
            assert (row.engagements, row.reach) == (engagements, reach)
            assert row.engagement_rate == _rate(engagements, reach)
        total = report.engagement.total
        assert total.engagements == sum(truth.engagements(k) for k in truth.published)
        assert report.judgement.engagements == total.engagements

    def test_engagement_by_content_type(self, store: LibOps) -> None:
        """Engagements per content type follow the posts' drafted content type."""
        truth = _read_truth(store)
        report = build_report(store)
        for row in report.engagement.by_content_type:
            keys = [k for k in truth.published if truth.content_type[k[0]] == row.key]
            assert row.posts == len(keys)
            assert row.engagements == sum(truth.engagements(k) for k in keys)

    def test_objectives_actuals(self, store: LibOps) -> None:
        """Each objective's actual sums its campaign's latest counts (on its platform, if any)."""
        truth = _read_truth(store)
        report = build_report(store)
        expected = []
        for campaign, objectives in sorted(truth.objectives.items()):
            for metric, platform, target in objectives:
                keys = [
                    k
                    for k in truth.published
                    if truth.post_campaign.get(k[0]) == campaign
                    and (platform is None or k[1] == platform)
                ]
                if metric == "engagements":
                    actual: int | None = sum(truth.engagements(k) for k in keys)
                elif metric == "posts_published":
                    actual = len(keys)
                elif metric in ("reads", "views", "followers_gained", *ENGAGEMENT):
                    actual = sum(truth.counts(k).get(metric, 0) for k in keys)
                else:
                    actual = None
                expected.append((campaign, metric, platform, target, actual))
        got = [(g.campaign_id, g.metric, g.platform, g.target, g.actual) for g in report.goals]
        # The report orders campaigns by their dates and names; the truth by id.
        assert sorted(got, key=lambda g: g[0]) == expected
        assert got
        for goal in report.goals:
            if goal.actual is not None:
                attainment = (Decimal(goal.actual) / goal.target).quantize(
                    Decimal("0.0001"), ROUND_HALF_EVEN
                )
                assert goal.attainment == attainment
                assert goal.met is (goal.actual >= goal.target)
        measured = [e for e in expected if e[4] is not None]
        met = sum(1 for e in measured if Decimal(e[4] or 0) >= e[3])
        assert report.judgement.objectives_met == met

    def test_budget_spent_per_category(self, store: LibOps) -> None:
        """Money spent per category is the sum of the recorded expenses."""
        truth = _read_truth(store)
        report = build_report(store)
        spent = {r.subject: r.spent for r in report.budgets.by_category if r.spent}
        assert spent == {k: v for k, v in truth.spent.items() if v}
        assert spent
        assert dict(report.judgement.spent) == {"CNY": sum(truth.spent.values(), Decimal(0))}

    def test_question_answer_rate(self, store: LibOps) -> None:
        """The Q&A answer rate is answered / received questions, four places."""
        truth = _read_truth(store)
        report = build_report(store)
        assert truth.questions
        assert (report.interactions.questions, report.interactions.answered) == (
            truth.questions,
            truth.answered,
        )
        expected = (Decimal(truth.answered) / Decimal(truth.questions)).quantize(
            Decimal("0.0001"), ROUND_HALF_EVEN
        )
        assert report.interactions.answer_rate == expected

    def test_risk_counts_per_level(self, store: LibOps) -> None:
        """Open risks per level and the heat map follow each risk's latest rating."""
        truth = _read_truth(store)
        report = build_report(store)
        open_risks = [(li, im) for li, im, is_open in truth.risks.values() if is_open]
        levels = Counter(level_for(li * im).value for li, im in open_risks)
        assert {k: v for k, v in report.risks.by_level if v} == dict(levels)
        assert report.risks.open_risks == len(open_risks)
        heat = Counter(open_risks)
        for li in range(1, 6):
            for im in range(1, 6):
                assert report.risks.heat_map[li - 1][im - 1] == heat[(li, im)]

    def test_campaign_scope(self, store: LibOps) -> None:
        """A campaign's report counts only that campaign's posts and objectives."""
        truth = _read_truth(store)
        campaign = sorted(truth.objectives)[0]
        report = build_report(store, campaign_id=campaign)
        keys = [k for k in truth.published if truth.post_campaign.get(k[0]) == campaign]
        assert report.execution.posts_total == len(keys)
        assert {g.campaign_id for g in report.goals} == {campaign}
        assert report.background.campaign_id == campaign

    def test_recommendations_state_their_figures(self, store: LibOps) -> None:
        """The best content type and hour is the highest pooled rate among the slots with at
        least MIN_POSTS_FOR_BEST posts, with its n and rate; with fewer than two such slots
        nothing is advised."""
        truth = _read_truth(store)
        report = build_report(store)
        found = [f for f in report.recommendations if f.kind == "best_slot"]
        groups: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for key in truth.published:
            hour = truth.hour[key]
            groups.setdefault((truth.content_type[key[0]], hour), []).append(key)
        rates = {
            g: _rate(sum(truth.engagements(k) for k in ks), sum(truth.reach(k) for k in ks))
            for g, ks in groups.items()
            if len(ks) >= MIN_POSTS_FOR_BEST
        }
        rated = {g: r for g, r in rates.items() if r is not None}
        if len(rated) < 2:
            assert found == []
            return
        (best,) = found
        top = max(rated.values())
        winners = [g for g, r in rated.items() if r == top]
        assert (best.figure("content_type"), best.figure("hour")) in winners
        assert best.figure("rate") == top
        content_type, hour = str(best.figure("content_type")), int(str(best.figure("hour")))
        assert best.figure("posts") == len(groups[(content_type, hour)])
        assert best.figure("compared") == len(rated)
        assert best.figure("minimum") == MIN_POSTS_FOR_BEST

    def test_building_records_nothing(self, store: LibOps) -> None:
        """Building a report reads only: no event is recorded."""
        before = count_events(store)
        build_report(store)
        assert count_events(store) == before


# --- rendering ----------------------------------------------------------------------------


def _text_of_html(page: str) -> str:
    body = page.split("<body>", 1)[1]
    body = re.sub(r"<img[^>]*>", "", body)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")


class TestRendering:
    """Markdown and HTML in both languages, with every section and chart."""

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_every_section_in_order(self, store: LibOps, lang: str) -> None:
        """Each section heading appears once, in the language's layout order (the plan's in
        English, the chapters' in Chinese), in Markdown and HTML."""
        report = build_report(store, lang=lang)
        markdown = render_markdown(report)
        page = render_html(report)
        order = [n for item in layout(lang) for n in ([item] if isinstance(item, str) else item[1])]
        assert sorted(order) == sorted(SECTIONS)
        headings = [
            b for b in blocks(report, language(report, lang)) if isinstance(b, Heading) and b.anchor
        ]
        sections = [h for h in headings if h.anchor in SECTIONS]
        assert [h.anchor for h in sections] == order
        for text in (markdown, page):
            places = [text.index(h.text) for h in sections]
            assert places == sorted(places)
            assert all(text.count(h.text) == 1 for h in sections)
        assert all(STRINGS[lang][f"h.{h.anchor}"] in h.text for h in sections)

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_charts_are_real_pngs(self, store: LibOps, lang: str) -> None:
        """Every chart is a PNG that decodes, of some size, with more than one colour."""
        from matplotlib import image

        charts = render_charts(build_report(store, lang=lang))
        assert tuple(charts) == CHART_NAMES
        for name, data in charts.items():
            assert data.startswith(PNG_MAGIC), name
            assert len(data) > MIN_CHART_BYTES, name
            pixels = image.imread(io.BytesIO(data), format="png")
            colours = {tuple(p) for p in pixels.reshape(-1, pixels.shape[-1])[::7].tolist()}
            assert len(colours) > 10, name

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_html_is_self_contained(self, store: LibOps, lang: str) -> None:
        """The HTML embeds every chart as base64 PNG with alt text and links nothing outside."""
        report = build_report(store, lang=lang)
        charts = render_charts(report)
        page = render_html(report, charts=charts)
        sources = re.findall(r'\b(?:src|href)="([^"]*)"', page)
        assert sources
        assert not [s for s in sources if "http" in s or not s.startswith("data:")]
        assert "<link" not in page
        assert "<script" not in page
        for name in CHART_NAMES:
            found = re.search(
                rf'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)" data-chart="{name}"',
                page,
            )
            assert found is not None, name
            assert base64.b64decode(found[1]) == charts[name]
            assert found[2] == STRINGS[lang][f"chart.{name}"]

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_markdown_and_html_carry_the_same_figures(self, store: LibOps, lang: str) -> None:
        """The numbers of the Markdown and of the HTML's text are the same, in the same order."""
        report = build_report(store, lang=lang)
        markdown = render_markdown(report)
        numbers_md = _NUMBER.findall(markdown)
        numbers_html = _NUMBER.findall(_text_of_html(render_html(report)))
        assert numbers_md == numbers_html
        assert f"{report.judgement.engagements:,}" in numbers_md
        rate = report.engagement.total.engagement_rate
        assert rate is not None
        assert f"{rate * 100:.2f}%" in numbers_md

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_empty_store(self, lang: str) -> None:
        """A store with nothing in it gives a short report (one sentence in place of the
        data sections: tests/integration/test_report_sections.py); the charts still
        render, saying there is no data, though the report links none."""
        with LibOps.open("memory://") as ops:
            report = build_report(ops, lang=lang)
            markdown = render_markdown(report)
            charts = render_charts(report)
        assert report.headline()["posts"] == 0
        assert report.engagement.total.engagement_rate is None
        assert STRINGS[lang]["p.empty"] in markdown
        assert all(data.startswith(PNG_MAGIC) for data in charts.values())

    def test_numbers_are_the_same_in_both_languages(self, store: LibOps) -> None:
        """English and Chinese tables show the same formatted figures (but the weeks' dates,
        which each language writes its own way: ``30 Mar`` is ``3月30日``)."""
        en = render_markdown(build_report(store, lang="en"))
        zh = render_markdown(build_report(store, lang="zh"))
        week = re.compile(r"^\| [^|]*(?:\(W\d+|（第\d+周)[^|]*\|")
        tables = [
            sorted(
                n
                for line in text.splitlines()
                if line.startswith("|")
                for n in _NUMBER.findall(week.sub("|", line))
            )
            for text in (en, zh)
        ]
        assert tables[0] == tables[1]
        assert STRINGS["zh"]["h.background"] in zh
        assert STRINGS["en"]["h.background"] in en

    def test_same_history_same_report(self, history: str, tmp_path: Path) -> None:
        """The same history gives the same Markdown and byte-identical charts."""
        with LibOps.open(history) as ops:
            first = write_report(ops, tmp_path / "a", lang="en")
        with LibOps.open(history) as ops:
            second = write_report(ops, tmp_path / "b", lang="en")
        assert first.markdown is not None  # the default formats: Markdown and HTML
        assert second.markdown is not None
        assert first.html is not None
        assert second.html is not None
        assert first.markdown.read_text() == second.markdown.read_text()
        assert first.html.read_text() == second.html.read_text()
        for a, b in zip(first.charts, second.charts, strict=True):
            assert a.read_bytes() == b.read_bytes()

    def test_same_seed_same_figures(self, store: LibOps, tmp_path: Path) -> None:
        """A second history from the same seed gives the same headline figures."""
        url = _make_history(tmp_path / "again.db")
        with LibOps.open(url) as again:
            assert build_report(again).headline() == build_report(store).headline()

    def test_written_files(self, store: LibOps, tmp_path: Path) -> None:
        """write_report writes the Markdown, the HTML and the charts the Markdown links."""
        files = write_report(store, tmp_path / "out", lang="zh")
        assert files.markdown is not None  # the default formats: Markdown and HTML
        assert files.html is not None
        markdown = files.markdown.read_text(encoding="utf-8")
        for chart in files.charts:
            assert chart.read_bytes().startswith(PNG_MAGIC)
            assert f"](charts-zh/{chart.name})" in markdown
        assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- bad inputs ---------------------------------------------------------------------------


class TestBadInputs:
    """Bad inputs raise a specific error, write nothing and record nothing."""

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"campaign_id": "00000000-0000-4000-8000-000000000000"}, UnknownIdError),
            ({"campaign_id": "not-a-uuid"}, InvalidValueError),
            ({"lang": "fr"}, InvalidValueError),
            ({"period": (date(2026, 5, 1), date(2026, 4, 1))}, PeriodError),
        ],
    )
    def test_refused(
        self, store: LibOps, tmp_path: Path, arguments: dict[str, Any], error: type[Exception]
    ) -> None:
        """An unknown campaign, a bad id, an unknown language or a reversed period."""
        before = count_events(store)
        arguments = {"lang": "en", **arguments}
        with pytest.raises(error):
            write_report(store, tmp_path / "out", **arguments)
        assert not (tmp_path / "out").exists()
        assert count_events(store) == before

    def test_unwritable_directory(self, store: LibOps, tmp_path: Path) -> None:
        """A directory under a file cannot be written: a specific error, nothing written."""
        blocker = tmp_path / "file"
        blocker.write_text("x")
        before = count_events(store)
        with pytest.raises(ReportDirectoryError, match="not a directory"):
            write_report(store, blocker / "out", lang="en")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
        assert count_events(store) == before

    def test_missing_cjk_font(
        self, store: LibOps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without a CJK font, Chinese is refused, naming the Debian package; nothing written."""
        monkeypatch.setattr(charts_module, "cjk_font", lambda: None)
        with pytest.raises(MissingCjkFontError, match="fonts-wqy-microhei"):
            write_report(store, tmp_path / "out", lang="zh")
        assert not (tmp_path / "out").exists()
        write_report(store, tmp_path / "en", lang="en")  # English needs no CJK font


# --- the command line ---------------------------------------------------------------------


class TestReportCommand:
    """``libops report``: files and headline figures, or a one-line error and an exit code."""

    def test_json(self, history: str, tmp_path: Path) -> None:
        """--json prints the paths and the headline figures of the report it wrote."""
        from libops.cli import app

        result = CliRunner().invoke(
            app,
            ["report", "--store", history, "--out", str(tmp_path / "r"), "--lang", "zh", "--json"],
        )
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert Path(payload["html"]).is_file()
        assert Path(payload["markdown"]).is_file()
        assert len(payload["charts"]) == len(CHART_NAMES)
        with LibOps.open(history) as ops:
            assert payload["headline"] == build_report(ops).headline()

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (["--lang", "fr"], "unknown report language 'fr'"),
            (["--from", "2026-05-01", "--to", "2026-04-01"], "is after --to"),
            (["--from", "2026-05-01"], "give both --from and --to"),
            (["--from", "May", "--to", "2026-04-01"], "--from must be a day"),
            (["--campaign", "00000000-0000-4000-8000-000000000000"], "no campaign with id"),
            (["--campaign", "x"], "is not a campaign id"),
            (["--index-weights", "wechat"], "platform=weight pairs"),
            (["--index-weights", "wechat=lots"], "must be a number, not 'lots'"),
            (["--index-weights", "wechat=1,wechat=2"], "names 'wechat' twice"),
            (["--index-weights", "wechat=-1"], "negative"),
            (["--index-weights", "myspace=1"], "myspace"),
            (["--people", "/nonexistent/people.json"], "cannot read the people file"),
        ],
    )
    def test_bad_options(
        self, history: str, tmp_path: Path, options: list[str], message: str
    ) -> None:
        """Each bad option exits with 2 and one line naming the problem; nothing is written."""
        from libops.cli import EXIT_USAGE, app

        with LibOps.open(history) as ops:
            before = count_events(ops)
        result = CliRunner().invoke(
            app, ["report", "--store", history, "--out", str(tmp_path / "r"), *options]
        )
        assert result.exit_code == EXIT_USAGE, result.output
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert not (tmp_path / "r").exists()
        with LibOps.open(history) as ops:
            assert count_events(ops) == before

    def test_people_and_index_weights(self, history: str, tmp_path: Path) -> None:
        """--people shows names and roles for ids; --index-weights weighs the index: the
        files are the report build_report gives with the same people and weights."""
        from libops.cli import app

        with LibOps.open(history) as ops:
            first = build_report(ops).execution.people[0].actor_id
        people = tmp_path / "people.csv"
        people.write_text(f"id,name,roles\n{first},Zhang San,reviewer;auditor\n", "utf-8")
        out = tmp_path / "r"
        result = CliRunner().invoke(
            app,
            [
                *("report", "--store", history, "--out", str(out)),
                *("--people", str(people), "--index-weights", "wechat=1,weibo=0"),
            ],
        )
        assert result.exit_code == 0, result.output
        with LibOps.open(history) as ops:
            expected = build_report(
                ops,
                people=[Actor(first, [Role.REVIEWER, Role.AUDITOR], name="Zhang San")],
                index_weights={"wechat": Decimal(1), "weibo": Decimal(0)},
            )
            default = build_report(ops)
        written = (out / "report-en.md").read_text("utf-8")
        assert written == render_markdown(expected, lang="en", chart_dir="charts-en")
        assert "Zhang San" in written
        assert expected.indices.weighted != default.indices.weighted

    def test_unwritable_directory(self, history: str, tmp_path: Path) -> None:
        """An --out under a file exits with 2 and says why."""
        from libops.cli import EXIT_USAGE, app

        (tmp_path / "file").write_text("x")
        result = CliRunner().invoke(
            app, ["report", "--store", history, "--out", str(tmp_path / "file" / "r")]
        )
        assert result.exit_code == EXIT_USAGE
        assert "not a directory" in result.output


class TestSmallStores:
    def test_a_planned_campaign_without_posts_or_period(self) -> None:
        """A store holding one planned campaign and nothing published: the report names the
        campaign's dates and its planning day as milestones (no period given)."""
        planner = Actor("planner", [Role.CONTENT_PLANNER])
        clock = ManualClock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
        with LibOps.open("memory://", clock=clock) as ops:
            ops.campaigns.plan(
                planner,
                name="Spring reading",
                kind="topic",
                period=Period(date(2026, 4, 1), date(2026, 4, 30)),
                platforms=["weibo"],
            )
            report = build_report(ops)
        kinds = [m.kind for m in report.execution.milestones]
        assert kinds == ["campaign_planned", "period_start", "period_end"]
        assert report.execution.first_publication is None
