"""The bulk import path (issue 11, item 7; docs/import.md): a CSV of daily snapshots,
streamed, checked whole, recorded as ``MetricImport.BatchRecorded`` events; the same views
as the ordinary path; re-imports, corrections, refusals, resuming, bounded memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.importers import read_export, stream_csv_export
from libops.adapters.sandbox import SandboxPlatform
from libops.application.bulk_imports import RecordImportBatch, StartBulkImport
from libops.cli import app
from libops.domain.bulk import MetricImport
from libops.domain.errors import (
    AmbiguousImportMatchError,
    BulkImportError,
    FutureMetricsError,
    ImportFileError,
    StaleMetricsError,
    StorageError,
    UnmatchedImportRowError,
)
from libops.domain.post import Post
from libops.domain.values import Actor, Period, Platform, PostVariant, ReviewChecklist
from libops.projections import Projection, ProjectionEngine, View, handles
from libops.projections import views as views_module
from libops.report import build_report, render_markdown
from tests import actors
from tests.helpers import count_events, refused

HEADER = ["标题", "链接", "发布时间", "日期", "阅读数", "点赞数", "转发数"]
MAPPING = (
    'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
    'observed_at = "日期"\n[counts]\nreads = "阅读数"\nlikes = "点赞数"\nshares = "转发数"\n'
)
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
METRIC_VIEWS = ("engagement", "scorecard", "topics", "wci", "risk_signals")
"""The standard projections that read metric snapshots."""


def _csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _url(post: int) -> str:
    return f"https://weibo.com/1234/{post:04d}"


def _day(day: int) -> str:
    return (datetime(2026, 3, 2) + timedelta(days=day)).strftime("%Y-%m-%d")


def daily_rows(posts: int, days: int) -> list[list[Any]]:
    """Daily cumulative counts of ``posts`` posts: post 1's reads go down on day 3 (a
    correction) and post 2's counts stay the same on day 2 (nothing to record)."""
    rows = []
    for day in range(days):
        for post in range(posts):
            reads = 100 + 10 * day + post
            if post == 1 and day == 3:
                reads -= 25
            shares = day if not (post == 2 and day == 2) else 1
            likes = day + post if not (post == 2 and day == 2) else 1 + post
            row = [f"文章 {post}", _url(post), "2026-03-01 10:00", _day(day), reads, likes, shares]
            if post == 2 and day == 2:
                row[4] = 100 + 10 + post  # the same counts as day 1
            rows.append(row)
    return rows


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "weibo.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


@pytest.fixture
def later(clock: ManualClock) -> ManualClock:
    clock.set(datetime(2026, 4, 15, 8, 0, tzinfo=UTC))
    return clock


def known_posts(
    ops: LibOps, admin: Actor, folder: Path, mapping: Path, posts: int
) -> dict[UUID, str]:
    """``posts`` posts recorded by the ordinary import (their totals on 1 March), and a
    label for each post's id (its URL's number)."""
    rows = [
        [f"文章 {p}", _url(p), "2026-03-01 10:00", "2026-03-01", 90, 0, 0] for p in range(posts)
    ]
    done = ops.imports.run(admin, _csv(folder / "totals.csv", rows), mapping=mapping)
    assert done.count("new") == posts
    return {line.post_id: f"P{line.row - 2}" for line in done.lines if line.post_id}


def normalised(ops: LibOps, labels: dict[UUID, str]) -> dict[str, Any]:
    """The metric views, with each post's id replaced by its label."""
    ops.projections.run()
    text = json.dumps({name: ops.projections.view(name) for name in METRIC_VIEWS}, sort_keys=True)
    for post_id, label in labels.items():
        text = text.replace(str(post_id), label).replace(post_id.hex, label)
    found: dict[str, Any] = json.loads(text)
    return found


def batch_events(ops: LibOps) -> list[MetricImport.BatchRecorded]:
    notifications = ops.app.recorder.select_notifications(
        1, 10**6, topics=(MetricImport.BatchRecorded.TOPIC,)
    )
    return [ops.app.mapper.to_domain_event(n) for n in notifications]  # type: ignore[misc]


class TestSameViewsEitherPath:
    """A file recorded through the bulk path gives the views the ordinary path gives."""

    def test_identical_views(
        self,
        store_url: str,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
    ) -> None:
        """Daily snapshots (with a correction and an unchanged day) through both paths."""
        daily = _csv(tmp_path / "daily.csv", daily_rows(4, 6))
        with LibOps.open("memory://", clock=later, migrate=True) as ordinary:
            labels = known_posts(ordinary, admin, tmp_path, mapping, 4)
            done = ordinary.imports.run(admin, daily, mapping=mapping)
            assert [line.metrics for line in done.lines].count("corrected") == 1
            expected = normalised(ordinary, labels)
        with LibOps.open(store_url, clock=later, migrate=True) as bulk:
            labels = known_posts(bulk, admin, tmp_path, mapping, 4)
            before = count_events(bulk)
            report = bulk.imports.run_bulk(admin, daily, mapping=mapping, batch_rows=7)
            assert (report.rows, report.recorded, report.corrected, report.unchanged) == (
                24,
                22,
                1,
                1,
            )
            # 23 snapshots in batches of 7: Started, 4 batches, Finished.
            assert report.batches == 4
            assert count_events(bulk) == before + 6
            assert normalised(bulk, labels) == expected
        engagement = expected["engagement"]
        post1 = next(v for k, v in engagement.items() if k.startswith("post:P1:"))
        assert (post1["reads"], post1["snapshots"], post1["corrections"]) == (151, 7, 1)

    def test_same_report(
        self, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        """The report is the same but for what counts stored records (the team's events and
        the store's records): the bulk path stores one event per batch, not per snapshot."""
        daily = _csv(tmp_path / "daily.csv", daily_rows(4, 6))
        reports = []
        for bulk in (False, True):
            clock = ManualClock(later.now())
            with LibOps.open("memory://", clock=clock, migrate=True) as ops:
                labels = known_posts(ops, admin, tmp_path, mapping, 4)
                if bulk:
                    ops.imports.run_bulk(admin, daily, mapping=mapping)
                else:
                    ops.imports.run(admin, daily, mapping=mapping)
                text = render_markdown(build_report(ops, library="Riverside"), lang="en")
                for post_id, label in labels.items():
                    for form in (str(post_id), post_id.hex, str(post_id)[:8]):
                        text = text.replace(form, label)
                reports.append(text.splitlines())
        ordinary, bulk_lines = reports
        assert len(ordinary) == len(bulk_lines)
        differ = [(a, b) for a, b in zip(ordinary, bulk_lines, strict=True) if a != b]
        assert [(a.split("|")[1], b.split("|")[1]) for a, b in differ[:1]] == [
            (" admin-1 ", " admin-1 ")
        ]
        assert differ[1][0].startswith("Store: memory://; 39 records")
        assert differ[1][1].startswith("Store: memory://; 19 records")
        assert len(differ) == 2

    def test_the_batch_holds_the_rows(
        self, memory_ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        """Each batch names the file's rows, the posts they matched, the times and counts."""
        labels = known_posts(memory_ops, admin, tmp_path, mapping, 2)
        daily = _csv(tmp_path / "daily.csv", daily_rows(2, 2))
        report = memory_ops.imports.run_bulk(admin, daily, mapping=mapping)
        (batch,) = batch_events(memory_ops)
        assert list(batch.rows) == [2, 3, 4, 5]
        assert [labels[UUID(batch.posts[i])] for i in batch.post_index] == ["P0", "P1", "P0", "P1"]
        # 2 and 3 March, at midnight in Shanghai
        assert list(batch.times) == ["2026-03-01T16:00:00+00:00", "2026-03-02T16:00:00+00:00"]
        assert list(batch.time_index) == [0, 0, 1, 1]
        assert list(batch.counts["reads"]) == [100, 101, 110, 111]
        assert set(batch.counts) == {"reads", "likes", "shares"}  # the file's, not all 0
        assert list(batch.lowered) == []  # no correction in the batch
        started = memory_ops.app.load(MetricImport, report.import_id)
        assert (started.file, started.rows, started.finished) == ("daily.csv", 4, True)
        singles = list(batch.snapshot_events())
        assert all(type(e) is Post.MetricsRecorded for e in singles)
        assert singles[3].snapshot.reads == 111


class SnapshotLog(Projection):
    """Every snapshot event it is given, bulk batches' rows as their events."""

    name = "test-snapshot-log"
    expands = (MetricImport.BatchRecorded,)

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def snapshot(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        entries = view.get("log", [])
        kind = "corrected" if isinstance(event, Post.MetricsCorrected) else "recorded"
        entries.append([kind, str(event.originator_id), event.snapshot.reads])
        view.put("log", entries)


class OtherSnapshotLog(SnapshotLog):
    name = "test-other-snapshot-log"


class SinglesOnly(Projection):
    """Handles snapshot events without expanding batches: it never reads a batch."""

    name = "test-singles-only"

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def snapshot(self, event: Any, view: View) -> None:
        view.increment("seen")


class TestExpandedBatches:
    """A projection that expands bulk batches is given each row as the snapshot event it
    stands for; the engine expands each batch once, for every such projection."""

    def test_rows_as_events_once_per_batch(
        self,
        store_url: str,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        daily = _csv(tmp_path / "daily.csv", daily_rows(4, 6))
        with LibOps.open("memory://", clock=later, migrate=True) as ordinary:
            labels = known_posts(ordinary, admin, tmp_path, mapping, 4)
            ordinary.imports.run(admin, daily, mapping=mapping)
            with ProjectionEngine(ordinary, [SnapshotLog()]) as engine:
                engine.run()
                expected = [
                    [kind, labels[UUID(post)], reads]
                    for kind, post, reads in engine.get(SnapshotLog.name, "log")
                ]
        assert [kind for kind, _, _ in expected].count("corrected") == 1
        topic = MetricImport.BatchRecorded.TOPIC
        stands_for, expand = views_module.EXPANDED[topic]
        expanded: list[Any] = []

        def counting(batch: Any) -> Iterable[tuple[str, Any]]:
            expanded.append(batch)
            return expand(batch)

        monkeypatch.setitem(views_module.EXPANDED, topic, (stands_for, counting))
        with LibOps.open(store_url, clock=later, migrate=True) as bulk:
            labels = known_posts(bulk, admin, tmp_path, mapping, 4)
            report = bulk.imports.run_bulk(admin, daily, mapping=mapping, batch_rows=7)
            projections = [SnapshotLog(), OtherSnapshotLog(), SinglesOnly()]
            with ProjectionEngine(bulk, projections) as engine:
                reports = engine.run()
                logs = [
                    [[kind, labels[UUID(post)], n] for kind, post, n in engine.get(name, "log")]
                    for name in (SnapshotLog.name, OtherSnapshotLog.name)
                ]
                singles = engine.get(SinglesOnly.name, "seen")
        # The same snapshots as the ordinary path (which records them in another order).
        assert sorted(logs[0]) == sorted(expected)
        assert logs[1] == logs[0]
        assert len(expected) == 4 + report.recorded + report.corrected
        assert len(expanded) == report.batches == 4
        assert singles == 4  # the totals only: the batches are not its to read
        assert reports[SnapshotLog.name].applied == 4 + report.batches
        assert reports[SinglesOnly.name].applied == 4


class TestReimports:
    """The same file again records nothing; a corrected file records corrections."""

    def test_same_file_twice(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        known_posts(ops, admin, tmp_path, mapping, 3)
        daily = _csv(tmp_path / "daily.csv", daily_rows(3, 3))
        first = ops.imports.run_bulk(admin, daily, mapping=mapping)
        after = count_events(ops)
        again = ops.imports.run_bulk(admin, daily, mapping=mapping)
        assert count_events(ops) == after
        assert again.import_id == first.import_id
        assert (again.recorded, again.batches) == (0, 0)
        # The last day's rows in another file: a new import, with nothing to record.
        last = _csv(tmp_path / "last.csv", daily_rows(3, 3)[-3:])
        third = ops.imports.run_bulk(admin, last, mapping=mapping)
        assert third.import_id != first.import_id
        assert (third.unchanged, third.recorded, third.batches) == (3, 0, 0)
        assert count_events(ops) == after

    def test_corrected_file(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        known_posts(ops, admin, tmp_path, mapping, 2)
        rows = daily_rows(2, 3)
        ops.imports.run_bulk(admin, _csv(tmp_path / "daily.csv", rows), mapping=mapping)
        later.set(later.now() + timedelta(days=1))
        fixed = [[*row[:3], _day(3), row[4] - 5, *row[5:]] for row in rows[-2:]]
        report = ops.imports.run_bulk(admin, _csv(tmp_path / "fixed.csv", fixed), mapping=mapping)
        assert (report.recorded, report.corrected) == (0, 2)
        (_first, last) = batch_events(ops)
        assert list(last.lowered) == ["reads", "reads"]
        assert all(type(e) is Post.MetricsCorrected for e in last.snapshot_events())


class TestRefusals:
    """A bad file is refused with file, row and reason, and records nothing."""

    @pytest.fixture
    def ready(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> LibOps:
        known_posts(ops, admin, tmp_path, mapping, 2)
        ops.imports.run_bulk(admin, _csv(tmp_path / "first.csv", daily_rows(2, 2)), mapping=mapping)
        return ops

    def _refused(
        self, ops: LibOps, admin: Actor, path: Path, mapping: Path, error: type[Exception]
    ) -> str:
        found = refused(ops, error, lambda: ops.imports.run_bulk(admin, path, mapping=mapping))
        refused(ops, error, lambda: ops.imports.preview_bulk(path, mapping=mapping))
        return str(found)

    def test_text_in_a_count(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        rows = daily_rows(2, 4)
        rows[5][4] = "很多"
        message = self._refused(
            ready, admin, _csv(tmp_path / "bad.csv", rows), mapping, ImportFileError
        )
        assert message == "bad.csv, row 7, column 阅读数: '很多' is not a whole count"

    def test_a_row_matching_no_post(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        rows = [[*daily_rows(1, 1)[0][:1], "https://weibo.com/1234/9999", *daily_rows(1, 1)[0][2:]]]
        rows[0][0] = "no such post"
        rows[0][3] = _day(5)
        message = self._refused(
            ready, admin, _csv(tmp_path / "unknown.csv", rows), mapping, UnmatchedImportRowError
        )
        assert "unknown.csv, row 2: matches no post" in message
        ready.imports.run_bulk(admin, tmp_path / "unknown.csv", mapping=mapping, matched_only=True)

    def test_older_than_recorded(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        rows = daily_rows(2, 1)  # day 0 again, with other counts: before day 1's
        rows[0][4] = 5
        message = self._refused(
            ready, admin, _csv(tmp_path / "old.csv", rows), mapping, StaleMetricsError
        )
        assert "old.csv, row 2: observed at 2026-03-01T16:00:00+00:00, before" in message

    def test_the_same_time_twice(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        rows = daily_rows(2, 3)[4:]
        rows.append([*rows[0][:4], 999, 0, 0])
        message = self._refused(
            ready, admin, _csv(tmp_path / "twice.csv", rows), mapping, ImportFileError
        )
        assert "twice.csv, row 4: the same post and time as row 2" in message

    def test_after_the_clock(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        rows = daily_rows(2, 4)[4:]
        rows[1][3] = "2027-01-01"
        message = self._refused(
            ready, admin, _csv(tmp_path / "future.csv", rows), mapping, FutureMetricsError
        )
        assert (
            "future.csv, row 3: observed at 2026-12-31T16:00:00+00:00, after the clock" in message
        )

    def test_two_posts_of_one_title(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        rows = [[*daily_rows(1, 1)[0]]]
        rows[0][1] = ""  # no URL: matched by title and time
        ready.imports.run(
            admin,
            _csv(
                tmp_path / "twin.csv",
                [
                    [
                        "文章 0",
                        "https://weibo.com/1234/7777",
                        "2026-03-01 10:05",
                        "2026-03-01",
                        1,
                        0,
                        0,
                    ]
                ],
            ),
            mapping=mapping,
        )
        rows[0][3] = _day(6)
        message = self._refused(
            ready, admin, _csv(tmp_path / "title.csv", rows), mapping, AmbiguousImportMatchError
        )
        assert "title.csv, row 2: matches 2 posts" in message

    def test_many_bad_rows_are_counted(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        rows = [
            [f"x{n}", f"https://weibo.com/1234/x{n}", "2026-03-01 10:00", _day(9), 1, 1, 1]
            for n in range(30)
        ]
        message = self._refused(
            ready, admin, _csv(tmp_path / "many.csv", rows), mapping, UnmatchedImportRowError
        )
        assert message.startswith("30 rows refused, nothing recorded: many.csv, row 2:")
        assert message.endswith("(and 20 more refused rows)")

    @pytest.mark.parametrize(
        ("name", "data", "expected"),
        [
            ("book.xlsx", b"PK\x03\x04rest", "book.xlsx: a workbook, not CSV"),
            ("table.xls", b"<html><table><tr><td>1</td></tr></table>", "table.xls: an HTML table"),
            (
                "latin.csv",
                "标题".encode()[:2] + b"\xff\xfe\xfa",
                "latin.csv, row 1: the file is not UTF-8 or GBK",
            ),
        ],
    )
    def test_not_a_csv(
        self,
        ready: LibOps,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        name: str,
        data: bytes,
        expected: str,
    ) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        assert self._refused(ready, admin, path, mapping, ImportFileError).startswith(expected)

    def test_a_row_cut_short(
        self, ready: LibOps, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        path = _csv(tmp_path / "cut.csv", daily_rows(2, 4))
        path.write_bytes(path.read_bytes()[:-9])
        message = self._refused(ready, admin, path, mapping, ImportFileError)
        assert message.startswith("cut.csv, row 9, column ")
        assert "the row ends early" in message


class TestBatchesAsData:
    """``import.bulk.batch`` can come as data (over HTTP, from an embedder), not only from
    ``run_bulk``: its posts are checked against the store, and a bad one records nothing."""

    def _batch(self, import_id: UUID, post: str, campaign: str | None) -> RecordImportBatch:
        return RecordImportBatch(
            import_id,
            rows=(2,),
            posts=(post,),
            campaign_ids=(campaign,),
            post_index=(0,),
            times=("2026-04-02T00:00:00+00:00",),
            time_index=(0,),
            counts={"reads": (500,)},
            extra={},
            lowered=(),
        )

    def test_posts_are_checked(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        labels = known_posts(ops, admin, tmp_path, mapping, 1)
        [post_id] = labels
        started = ops.execute(admin, StartBulkImport("x.csv", "ab" * 32, "weibo", 1))
        draft = ops.posts.draft(
            actors.PLANNER,
            title="Draft",
            body="Not out yet",
            content_type="knowledge",
            format="image_text",
            variants=[PostVariant(Platform.WEIBO, "Not out yet")],
        )
        for bad, says in (
            (("00000000-0000-4000-8000-000000000042", None), "which is not a post"),
            (("not an id", None), "which is not a post"),
            ((str(draft), None), "which is not published on weibo"),
            ((str(post_id), "00000000-0000-4000-8000-00000000c0de"), "not its own (None)"),
        ):
            batch = self._batch(started, *bad)
            found = refused(ops, BulkImportError, lambda: ops.execute(admin, batch))  # noqa: B023
            assert says in str(found)
        wechat = ops.execute(admin, StartBulkImport("y.csv", "cd" * 32, "wechat", 1))
        found = refused(
            ops,
            BulkImportError,
            lambda: ops.execute(admin, self._batch(wechat, str(post_id), None)),
        )
        assert "not published on wechat" in str(found)
        ops.execute(admin, self._batch(started, str(post_id), None))
        assert len(batch_events(ops)) == 1


class TestResuming:
    """An import cut short is finished by running it again: nothing lost, nothing twice."""

    def test_interrupted_then_finished(
        self,
        ops: LibOps,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        labels = known_posts(ops, admin, tmp_path, mapping, 3)
        daily = _csv(tmp_path / "daily.csv", daily_rows(3, 5))
        bus = ops.imports._bus
        execute = bus.execute
        batches = 0

        def failing(actor: Actor, command: Any, **kwargs: Any) -> Any:
            nonlocal batches
            if isinstance(command, RecordImportBatch):
                batches += 1
                if batches == 3:
                    raise StorageError("the store went away")
            return execute(actor, command, **kwargs)

        monkeypatch.setattr(bus, "execute", failing)
        with pytest.raises(StorageError):
            ops.imports.run_bulk(admin, daily, mapping=mapping, batch_rows=4)
        monkeypatch.setattr(bus, "execute", execute)
        kept = batch_events(ops)
        assert [list(e.rows) for e in kept] == [[2, 3, 4, 5], [6, 7, 8, 9]]
        report = ops.imports.run_bulk(admin, daily, mapping=mapping, batch_rows=4)
        assert report.resumed_after == 9
        assert (report.rows, report.batches) == (7, 2)
        rows = [row for event in batch_events(ops) for row in event.rows]
        assert rows == sorted(set(rows))  # nothing twice
        assert len(rows) == 14  # 15 rows, one unchanged
        with LibOps.open("memory://", clock=later, migrate=True) as clean:
            clean_labels = known_posts(clean, admin, tmp_path, mapping, 3)
            clean.imports.run_bulk(admin, daily, mapping=mapping)
            assert normalised(ops, labels) == normalised(clean, clean_labels)


class TestStreaming:
    """A large CSV is read row by row: memory does not grow with the file."""

    def test_stream_reads_what_the_whole_file_reader_reads(
        self, tmp_path: Path, mapping: Path
    ) -> None:
        path = _csv(tmp_path / "daily.csv", daily_rows(3, 4), encoding="gbk")
        assert (
            list(stream_csv_export(path, mapping=mapping).rows())
            == read_export(path, mapping=mapping).rows
        )

    def test_samples_stream_alike(self) -> None:
        exports = Path(__file__).parent.parent / "fixtures" / "exports"
        for name in ("facebook_posts_export.csv", "instagram_posts_export.csv"):
            streamed = stream_csv_export(exports / name)
            assert list(streamed.rows()) == read_export(exports / name).rows

    def test_bounded_memory(
        self, tmp_path: Path, later: ManualClock, admin: Actor, mapping: Path
    ) -> None:
        """200,000 rows: the traced peak stays far below the file's size, and close to a
        file ten times smaller's."""
        peaks = {}
        for days in (100, 1000):
            folder = tmp_path / str(days)
            folder.mkdir()
            path = folder / "daily.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                for day in range(days):
                    text = (datetime(2023, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d")
                    for post in range(200):
                        writer.writerow(
                            [
                                f"文章 {post}",
                                _url(post),
                                "2022-12-31 10:00",
                                text,
                                day + 1,
                                day,
                                day,
                            ]
                        )
            with LibOps.open(f"sqlite:///{folder}/libops.db", clock=later, migrate=True) as ops:
                rows = [
                    [f"文章 {p}", _url(p), "2022-12-31 10:00", "2022-12-31", 0, 0, 0]
                    for p in range(200)
                ]
                ops.imports.run(admin, _csv(folder / "totals.csv", rows), mapping=mapping)
                tracemalloc.start()
                try:
                    report = ops.imports.run_bulk(admin, path, mapping=mapping)
                    peaks[days] = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                assert report.recorded == 200 * days
        size = (tmp_path / "1000" / "daily.csv").stat().st_size
        print(f"traced peaks: {peaks}, file {size:,} bytes")  # shown with -s
        assert peaks[1000] < size  # the file is not held (its rows as objects would be more)
        assert peaks[1000] < 1.25 * peaks[100] + 1_000_000  # flat: ten times the rows


class TestCommandLine:
    """``libops import --bulk`` (and ``--dry-run``, ``--json``)."""

    def test_bulk(self, tmp_path: Path, later: ManualClock, admin: Actor, mapping: Path) -> None:
        url = f"sqlite:///{tmp_path}/cli.db"
        with LibOps.open(url, clock=later, migrate=True) as ops:
            known_posts(ops, admin, tmp_path, mapping, 2)
        daily = _csv(tmp_path / "daily.csv", daily_rows(2, 3))
        runner = CliRunner()
        args = ["import", str(daily), "--bulk", "--mapping", str(mapping), "--store", url]
        dry = runner.invoke(app, [*args, "--dry-run", "--json"])
        assert dry.exit_code == 0, dry.output
        checked = json.loads(dry.output)
        assert checked["recorded"] == 6
        assert not checked["done"]
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
        assert "6 rows checked; recorded: 6 snapshots, 0 corrections in 1 batches" in done.output
        again = runner.invoke(app, [*args, "--json"])
        assert json.loads(again.output)["recorded"] == 0


class TestCampaignPosts:
    """A post of a campaign, published by libops: its bulk snapshots carry the campaign, so
    the scorecard's actuals are the same as through the ordinary path."""

    @staticmethod
    def _published(ops: LibOps, admin: Actor) -> tuple[UUID, UUID, str]:
        campaign_id = ops.campaigns.plan(
            actors.PLANNER,
            name="Reading month",
            kind="topic",
            period=Period(date(2026, 1, 1), date(2026, 12, 31)),
        )
        post_id = ops.posts.draft(
            actors.PLANNER,
            title="Reading list",
            body="Ten books.",
            content_type="knowledge",
            format="image_text",
            variants=[PostVariant(Platform.WEIBO, "Ten books #读书#")],
            campaign_id=campaign_id,
        )
        ops.posts.submit_for_review(actors.PLANNER, post_id)
        ops.posts.review(actors.REVIEWER, post_id, PASSED, approve=True)
        ops.publishing.publish(admin, post_id, "weibo")
        receipt = ops.posts.get(post_id).receipt("weibo")
        assert receipt is not None
        return UUID(str(campaign_id)), post_id, receipt.url

    def test_same_scorecard(
        self, store_url: str, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        views: list[dict[str, Any]] = []
        for url in ("memory://", store_url):
            clock = ManualClock(datetime(2026, 3, 20, 8, 0, tzinfo=UTC))
            sandbox = SandboxPlatform("weibo", seed=3, clock=clock)
            with LibOps.open(url, clock=clock, migrate=True, gateways=[sandbox]) as ops:
                campaign_id, post_id, link = self._published(ops, admin)
                clock.set(datetime(2026, 4, 15, 8, 0, tzinfo=UTC))
                rows = [
                    ["Reading list", link, "", _day(day), 50 * day + 7, day, day // 2]
                    for day in range(30, 36)
                ]
                rows[3][4] = 10  # a correction
                daily = _csv(tmp_path / f"campaign{len(views)}.csv", rows)
                if url == "memory://":
                    ops.imports.run(admin, daily, mapping=mapping)
                else:
                    report = ops.imports.run_bulk(admin, daily, mapping=mapping)
                    assert (report.recorded, report.corrected) == (5, 1)
                    (batch,) = batch_events(ops)
                    assert list(batch.campaign_ids) == [str(campaign_id)]
                views.append(normalised(ops, {post_id: "POST", campaign_id: "CAMPAIGN"}))
        assert views[0] == views[1]
        campaign = views[0]["scorecard"]["campaign:CAMPAIGN"]
        assert campaign["actuals"]["reads"] == 50 * 35 + 7
