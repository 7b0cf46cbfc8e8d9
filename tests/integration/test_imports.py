"""``libops import``: each sample export imports (dry run, real run, re-run), broken variants
are refused with row and column and record nothing, matching, corrections, external posts and
the mapping file (issue 11, part "importers"; docs/import.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from typer.testing import CliRunner

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.importers import read_export, read_tables
from libops.adapters.sandbox import SandboxPlatform
from libops.cli import app
from libops.domain.errors import AmbiguousImportMatchError, ImportFileError
from libops.domain.post import Post
from libops.domain.values import Actor, Platform, PostVariant, ReviewChecklist
from libops.projections.followers import follower_period
from tests.helpers import count_events, refused

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")

EXPORTS = Path(__file__).parent.parent / "fixtures" / "exports"

BROKEN = {
    # file: a count column, the header's row
    "article_total.xls": ("总阅读人数", 1),
    "作品列表导出.xlsx": ("播放量", 1),
    "facebook_posts_export.csv": ("Views", 1),
    "instagram_posts_export.csv": ("Likes", 1),
    "user_analysis.xls": ("新关注人数", 2),
}

SAMPLES = {
    # file: (platform, rows, a count column, the header's row)
    "article_total.xls": ("wechat", 12, "总阅读人数", 1),
    "作品列表导出.xlsx": ("douyin", 5, "播放量", 1),
    "facebook_posts_export.csv": ("facebook", 5, "Views", 1),
    "instagram_posts_export.csv": ("instagram", 5, "Likes", 1),
}


@pytest.fixture
def sandboxed(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, with a Weibo sandbox on the manual clock."""
    gateway = SandboxPlatform("weibo", seed=3, clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[gateway]) as opened:
        yield opened


@pytest.fixture
def later(clock: ManualClock) -> ManualClock:
    """The clock in April 2026, after every sample's posts were published."""
    clock.set(datetime(2026, 4, 15, 8, 0, tzinfo=UTC))
    return clock


def _table(name: str) -> list[list[str]]:
    return [cells for _number, cells in read_tables(EXPORTS / name)[0]]


def _csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _variant(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    """The sample's rows written back in the sample's own kind of file (CSV, or .xlsx for the
    spreadsheets: libops reads .xls and .xlsx alike)."""
    if name.endswith(".csv"):
        path = tmp_path / name
        path.write_bytes(b"\xef\xbb\xbf" + _csv_bytes(rows))
        return path
    return _xlsx(tmp_path / (Path(name).stem + ".xlsx"), rows)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_imports_once(ops: LibOps, later: ManualClock, admin: Actor, name: str) -> None:
    platform, rows, _count, _header = SAMPLES[name]
    path = EXPORTS / name
    before = count_events(ops)
    preview = ops.imports.preview(path)
    assert count_events(ops) == before  # the dry run records nothing
    assert (preview.count("new"), preview.count("matched"), preview.count("refused")) == (
        rows,
        0,
        0,
    )
    assert {line.platform for line in preview.lines} == {platform}
    assert not preview.recorded
    assert preview.changes == rows

    done = ops.imports.run(admin, path)
    assert done.recorded
    assert done.count("new") == rows
    assert [line.metrics for line in done.lines] == ["recorded"] * rows
    # Each row: a post drafted, recorded externally, published, and its metrics.
    assert count_events(ops) == before + 4 * rows
    post = ops.posts.get(next(line.post_id for line in done.lines if line.post_id))
    assert post.external
    assert post.platform_status(platform).value == "published"
    assert post.latest_metrics(platform) is not None

    again = ops.imports.run(admin, path)
    assert count_events(ops) == before + 4 * rows  # the same file again records nothing
    assert again.count("matched") == rows
    assert again.changes == 0
    assert {line.metrics for line in again.lines} == {"unchanged"}
    # The dry run after it says so too.
    assert ops.imports.preview(path).changes == 0


def test_the_samples_own_metrics_and_no_data(
    memory_ops: LibOps, later: ManualClock, admin: Actor
) -> None:
    rows = read_export(EXPORTS / "作品列表导出.xlsx").rows
    video, pictures = rows[0], rows[2]
    assert video.counts["views"] == 1523
    assert str(video.extra["completion_rate"]) == "0.1845"
    assert pictures.extra == {}  # `-`: no data, not zero
    wechat = read_export(EXPORTS / "article_total.xls").rows[0]
    assert wechat.counts["reads"] == 993
    assert wechat.date_only
    assert str(wechat.extra["read_completion"]) == "0.2012"
    assert wechat.url is not None
    assert wechat.url.startswith("http://mp.weixin.qq.com/s?")
    facebook = read_export(EXPORTS / "facebook_posts_export.csv").rows[0]
    assert facebook.external_id == "100000000000101"
    assert facebook.counts["views"] == 412
    assert facebook.published_at == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)  # 09:30 Shanghai


def test_the_user_growth_file_records_the_account_s_days(
    ops: LibOps, later: ManualClock, admin: Actor
) -> None:
    path = EXPORTS / "user_analysis.xls"
    before = count_events(ops)
    preview = ops.imports.preview(path)
    assert count_events(ops) == before
    assert preview.count("account") == 90
    assert {line.metrics for line in preview.lines} == {"recorded"}
    done = ops.imports.run(admin, path)
    assert done.changes == 90
    assert count_events(ops) == before + 1 + 90  # the account's figures opened, 90 days
    again = ops.imports.run(admin, path)
    assert again.changes == 0
    assert count_events(ops) == before + 91
    days = ops.imports.follower_days("wechat", date(2026, 1, 9), date(2026, 1, 10))
    assert [(d.gained, d.lost, d.net, d.total) for d in days] == [
        (5, 10, -5, 4895),
        (7, 10, -3, 4892),
    ]
    march = ops.imports.followers("wechat", date(2026, 3, 1), date(2026, 3, 31))
    assert (march.days, march.gained, march.lost, march.net) == (31, 710, 158, 552)
    assert (march.start_total, march.end_total) == (5665, 6217)
    assert march.growth_rate == Decimal(552) / Decimal(5665)


def test_a_corrected_growth_file_replaces_the_day(
    memory_ops: LibOps, tmp_path: Path, admin: Actor
) -> None:
    rows = _table("user_analysis.xls")
    first = _xlsx(tmp_path / "growth.xlsx", rows)
    memory_ops.imports.run(admin, first)
    rows[2][1:5] = ["20", "10", "10", "4810"]  # 2026-01-01: 20 gained, not 21
    corrected = _xlsx(tmp_path / "growth2.xlsx", rows)
    report = memory_ops.imports.run(admin, corrected)
    assert [line.metrics for line in report.lines if line.metrics != "unchanged"] == ["replaced"]
    day = memory_ops.imports.follower_days("wechat", date(2026, 1, 1), date(2026, 1, 1))[0]
    assert (day.gained, day.total) == (20, 4810)
    rows[3][3] = "11"  # 12 gained - 2 lost is not 11
    wrong = _xlsx(tmp_path / "growth3.xlsx", rows)
    error = refused(memory_ops, ImportFileError, lambda: memory_ops.imports.run(admin, wrong))
    assert "growth3.xlsx, row 4" in str(error)
    assert "not the net change 11" in str(error)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_text_in_a_count_column_is_refused_with_row_and_column(
    ops: LibOps, tmp_path: Path, admin: Actor, name: str
) -> None:
    count, header = BROKEN[name]
    rows = _table(name)
    column = rows[header - 1].index(count)
    rows[header + 1][column] = "很多"
    path = _variant(tmp_path, name, rows)
    error = refused(ops, ImportFileError, lambda: ops.imports.run(admin, path))
    assert f"row {header + 2}, column {count}" in str(error)
    assert path.name in str(error)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_missing_column_is_refused(ops: LibOps, tmp_path: Path, admin: Actor, name: str) -> None:
    count, header = BROKEN[name]
    rows = _table(name)
    column = rows[header - 1].index(count)
    rows = [row[:column] + row[column + 1 :] for row in rows]
    path = _variant(tmp_path, name, rows)
    error = refused(ops, ImportFileError, lambda: ops.imports.run(admin, path))
    assert f"row {header}" in str(error)
    assert count in str(error)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_truncated_file_is_refused(ops: LibOps, tmp_path: Path, admin: Actor, name: str) -> None:
    data = (EXPORTS / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) * 2 // 3])
    error = refused(ops, ImportFileError, lambda: ops.imports.run(admin, path))
    assert name in str(error)
    if name.endswith(".csv"):
        assert "column" in str(error)
    if name.endswith(".csv") or name == "user_analysis.xls":
        assert "row" in str(error)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_wrong_encoding_is_refused_and_gbk_is_read(
    memory_ops: LibOps, later: ManualClock, tmp_path: Path, admin: Actor, name: str
) -> None:
    rows = _table(name)
    wrong = tmp_path / "utf16.csv"
    wrong.write_bytes(_csv_bytes(rows, "utf-16"))
    error = refused(memory_ops, ImportFileError, lambda: memory_ops.imports.run(admin, wrong))
    assert "utf16.csv, row 1" in str(error)
    assert "UTF-8 or GBK" in str(error)
    if name.startswith("instagram") or name.startswith("facebook"):
        return  # emoji: GBK cannot hold them
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(_csv_bytes(rows, "gbk"))
    report = memory_ops.imports.run(admin, gbk)
    assert report.count("new") + report.count("account") == len(rows) - BROKEN[name][1]


def published(ops: LibOps, planner: Actor, reviewer: Actor, admin: Actor) -> UUID:
    """A post libops published on Weibo (through the sandbox)."""
    post_id = ops.posts.draft(
        planner,
        title="Reading list",
        body="Ten books.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "Ten books #读书#")],
    )
    ops.posts.submit_for_review(planner, post_id)
    ops.posts.review(reviewer, post_id, PASSED, approve=True)
    ops.publishing.publish(admin, post_id, "weibo")
    return post_id


def _weibo_csv(tmp_path: Path, rows: list[list[str]], name: str = "weibo.csv") -> Path:
    path = tmp_path / name
    header = ["标题", "链接", "发布时间", "阅读数", "点赞数"]
    path.write_bytes(_csv_bytes([header, *rows]))
    return path


@pytest.fixture
def weibo_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "weibo.toml"
    path.write_text(
        'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
        '[counts]\nreads = "阅读数"\nlikes = "点赞数"\n',
        encoding="utf-8",
    )
    return path


def test_matching_by_url_and_by_title_and_time(
    sandboxed: LibOps,
    tmp_path: Path,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
    weibo_mapping: Path,
) -> None:
    ops = sandboxed
    post_id = published(ops, planner, reviewer, admin)
    receipt = ops.posts.get(post_id).receipt(Platform.WEIBO)
    assert receipt is not None
    shanghai = receipt.published_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    by_url = _weibo_csv(tmp_path, [["another title", receipt.url, shanghai, "1,200", "30"]])
    report = ops.imports.run(admin, by_url, mapping=weibo_mapping)
    assert report.lines[0].action == "matched"
    assert report.lines[0].post_id == post_id
    latest = ops.posts.get(post_id).latest_metrics("weibo")
    assert latest is not None
    assert latest.reads == 1200

    by_title = _weibo_csv(tmp_path, [["Reading list", "", shanghai, "1300", "31"]], "t.csv")
    report = ops.imports.run(admin, by_title, mapping=weibo_mapping)
    assert report.lines[0].action == "matched"
    assert report.lines[0].post_id == post_id

    # Same title, 20 minutes off: another post (published outside libops).
    moment = receipt.published_at.astimezone(SHANGHAI) + timedelta(minutes=20)
    off = _weibo_csv(
        tmp_path, [["Reading list", "", moment.strftime("%Y-%m-%d %H:%M"), "5", "1"]], "o.csv"
    )
    assert ops.imports.preview(off, mapping=weibo_mapping).lines[0].action == "new"
    assert ops.imports.preview(off, mapping=weibo_mapping, matched_only=True).lines[0].action == (
        "skipped"
    )


def test_an_ambiguous_row_is_refused_and_named(
    ops: LibOps, later: ManualClock, tmp_path: Path, admin: Actor, weibo_mapping: Path
) -> None:
    twins = _weibo_csv(
        tmp_path,
        [
            ["开馆通知", "https://weibo.com/1/A", "2026-03-02 10:00", "10", "1"],
            ["开馆通知", "https://weibo.com/1/B", "2026-03-02 10:05", "20", "2"],
        ],
    )
    assert ops.imports.run(admin, twins, mapping=weibo_mapping).count("new") == 2
    without_url = _weibo_csv(tmp_path, [["开馆通知", "", "2026-03-02 10:02", "30", "3"]], "n.csv")
    preview = ops.imports.preview(without_url, mapping=weibo_mapping)
    assert preview.lines[0].action == "refused"
    assert "matches 2 posts" in str(preview.lines[0].reason)
    error = refused(
        ops,
        AmbiguousImportMatchError,
        lambda: ops.imports.run(admin, without_url, mapping=weibo_mapping),
    )
    assert "n.csv, row 2" in str(error)


def test_a_corrected_file_records_a_correction(
    ops: LibOps, later: ManualClock, tmp_path: Path, admin: Actor, weibo_mapping: Path
) -> None:
    first = _weibo_csv(
        tmp_path, [["书展", "https://weibo.com/1/C", "2026-03-02 10:00", "500", "9"]]
    )
    post_id = ops.imports.run(admin, first, mapping=weibo_mapping).lines[0].post_id
    assert isinstance(post_id, UUID)
    later.advance(timedelta(days=1))
    corrected = _weibo_csv(
        tmp_path, [["书展", "https://weibo.com/1/C", "2026-03-02 10:00", "450", "9"]], "c.csv"
    )
    assert ops.imports.preview(corrected, mapping=weibo_mapping).lines[0].metrics == "corrected"
    report = ops.imports.run(admin, corrected, mapping=weibo_mapping)
    assert report.lines[0].metrics == "corrected"
    history = list(ops.app.repository.event_store.get(post_id))
    assert isinstance(history[-1], Post.MetricsCorrected)
    assert tuple(history[-1].lowered) == ("reads",)


def test_a_bad_row_anywhere_records_nothing(
    ops: LibOps, later: ManualClock, tmp_path: Path, admin: Actor, weibo_mapping: Path
) -> None:
    rows = [["书展", f"https://weibo.com/1/{n}", "2026-03-02 10:00", "5", "1"] for n in range(30)]
    rows.append(["书展", "https://weibo.com/1/x", "2026-03-02 10:00", "5", "1.5"])
    path = _weibo_csv(tmp_path, rows)
    error = refused(
        ops, ImportFileError, lambda: ops.imports.run(admin, path, mapping=weibo_mapping)
    )
    assert "row 32, column 点赞数" in str(error)


def test_the_mapping_file_as_json_and_its_mistakes(
    memory_ops: LibOps, later: ManualClock, tmp_path: Path, admin: Actor
) -> None:
    path = _weibo_csv(tmp_path, [["书展", "", "20260302", "5", "1"]])
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "platform": "weibo",
                "title": "标题",
                "published_at": "发布时间",
                "counts": {"reads": "阅读数"},
            }
        ),
        encoding="utf-8",
    )
    report = memory_ops.imports.run(admin, path, mapping=mapping)
    assert report.count("new") == 1
    mapping.write_text(json.dumps({"platform": "weibo", "counts": {"reeds": "阅读数"}}))
    error = refused(
        memory_ops, ImportFileError, lambda: memory_ops.imports.preview(path, mapping=mapping)
    )
    assert "reeds is not a count" in str(error)
    mapping.write_text(
        json.dumps({"platform": "weibo", "url": "URL", "counts": {"reads": "阅读数"}})
    )
    error = refused(
        memory_ops, ImportFileError, lambda: memory_ops.imports.preview(path, mapping=mapping)
    )
    assert "row 1" in str(error)
    assert "URL" in str(error)


def test_cli_dry_run_then_run(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/libops.db"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "migrate", "--store", store]).exit_code == 0
    sample = str(EXPORTS / "facebook_posts_export.csv")
    dry = runner.invoke(app, ["import", sample, "--store", store, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["new"] == 5
    assert not json.loads(dry.output)["recorded"]
    real = runner.invoke(app, ["import", sample, "--store", store])
    assert real.exit_code == 0
    assert "5 new" in real.output
    again = runner.invoke(app, ["import", sample, "--store", store, "--json"])
    assert json.loads(again.output)["changes"] == 0
    broken = tmp_path / "cut.xlsx"
    broken.write_bytes((EXPORTS / "作品列表导出.xlsx").read_bytes()[:500])
    failed = runner.invoke(app, ["import", str(broken), "--store", store])
    assert failed.exit_code == 1
    assert "cut.xlsx" in failed.output


def test_the_followers_view_gives_days_and_periods(
    ops: LibOps, later: ManualClock, admin: Actor
) -> None:
    ops.imports.run(admin, EXPORTS / "user_analysis.xls")
    ops.projections.run()
    view = dict(ops.projections.view("followers"))
    assert view["day:wechat:2026-01-09"] == {
        "platform": "wechat",
        "day": "2026-01-09",
        "gained": 5,
        "lost": 10,
        "net": -5,
        "total": 4895,
        "replaced": False,
    }
    march = follower_period(view.items(), "wechat", date(2026, 3, 1), date(2026, 3, 31))
    domain = ops.imports.followers("wechat", date(2026, 3, 1), date(2026, 3, 31))
    assert march == {
        "days": domain.days,
        "gained": domain.gained,
        "lost": domain.lost,
        "net": domain.net,
        "start_total": domain.start_total,
        "end_total": domain.end_total,
        "growth_rate": str(domain.growth_rate),
    }


def test_cli_account_days_and_platform_filter(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/libops.db"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "migrate", "--store", store]).exit_code == 0
    growth = str(EXPORTS / "user_analysis.xls")
    shown = runner.invoke(app, ["import", growth, "--store", store, "--dry-run"])
    assert shown.exit_code == 0, shown.output
    assert "2026-01-01" in shown.output
    assert "account" in shown.output
    wrong = runner.invoke(app, ["import", growth, "--store", store, "--platform", "douyin"])
    assert wrong.exit_code == 1
    assert "no known douyin export layout" in wrong.output
    done = runner.invoke(app, ["import", growth, "--store", store, "--json"])
    assert json.loads(done.output)["account_days"] == 90
