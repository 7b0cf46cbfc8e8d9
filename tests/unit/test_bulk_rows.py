"""The bulk path's per-row shortcuts (docs/import.md, "Large files"): each gives what the
longer way gives, so the faster check records the same snapshots and refuses the same rows."""

from __future__ import annotations

import io
import pickle
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops.adapters.importers import _FORMATS, RowIdentity, parse_time, stream_csv_export
from libops.application.bulk_imports import PostIndex, PublishedPost, _Batch, _Planner, _spill
from libops.domain.errors import ImportFileError, LimitExceededError
from libops.domain.values import COMMON_COUNTS, COUNT_MAX, Platform

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
URL = "https://weibo.com/1234/AbCd"
MAPPING = (
    'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
    'observed_at = "日期"\n[counts]\nreads = "阅读数"\nlikes = "点赞数"\n'
    'followers_gained = "涨粉"\n[extra.completion]\ncolumn = "完播率"\nkind = "ratio"\n'
)
HEADER = "标题,链接,发布时间,日期,阅读数,点赞数,涨粉,完播率\n"


def _reference(text: str) -> tuple[datetime, bool]:
    """What the formats read, tried in turn (parse_time before its ISO shortcut)."""
    for pattern, date_only in _FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=ZONE), date_only
        except ValueError:
            continue
    raise AssertionError(f"no format reads {text!r}")


class TestParseTime:
    @given(
        st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)),
        st.sampled_from(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]),
    )
    def test_iso_forms_read_as_the_formats_read_them(self, moment: datetime, form: str) -> None:
        text = moment.strftime(form)
        assert parse_time(Path("x.csv"), 2, "日期", text, ZONE) == _reference(text)

    @pytest.mark.parametrize("text", ["2025-1-2", "20250102", "01/02/2025", "2025/01/02 10:00"])
    def test_other_forms_still_read(self, text: str) -> None:
        assert parse_time(Path("x.csv"), 2, "日期", text, ZONE) == _reference(text)

    @pytest.mark.parametrize("text", ["2025-02-29", "2025-13-02 10:00", "2024-02-29 24:00"])
    def test_iso_looking_but_not_a_day(self, text: str) -> None:
        with pytest.raises(ImportFileError, match=r"x\.csv, row 2, column 日期: .* is not a date"):
            parse_time(Path("x.csv"), 2, "日期", text, ZONE)


class TestStreamedValues:
    def test_counts_in_snapshot_order(self, tmp_path: Path) -> None:
        (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
        rows = [
            f"书展,{URL},2026-03-02 10:00,2026-03-03,1523,7,3,19.86%\n",
            f"书展,{URL},2026-03-02 10:00,2026-03-04,-,1938.0,,\n",
            ",,,,,,,\n",  # a blank row ends the table
            f"书展,{URL},2026-03-02 10:00,2026-03-05,1,1,1,1%\n",
        ]
        (tmp_path / "daily.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
        export = stream_csv_export(tmp_path / "daily.csv", mapping=tmp_path / "map.toml")
        first, second = list(export.values())
        at = {name: index for index, name in enumerate(COMMON_COUNTS)}
        assert first.common[at["reads"]] == 1523
        assert first.common[at["likes"]] == 7
        assert first.common == (1523, 0, 7, 0, 0, 0, 3)  # reads, views, likes, ..., gained
        assert first.common[at["views"]] == 0  # no column: a snapshot's default
        assert first.counts["reads"] == 1523
        assert "views" in first.counts
        assert str(first.extra["completion"]) == "0.1986"
        assert second.common[at["reads"]] == 0  # "-": no data, a snapshot's default
        assert second.common[at["followers_gained"]] is None  # empty: no data
        assert "followers_gained" not in second.counts
        assert second.extra == {}
        assert second.observed_at == datetime(2026, 3, 4, tzinfo=ZONE)
        # The same identity object for the same post's cells (the planner relies on it).
        assert first.identity is second.identity

    def test_one_count_column(self, tmp_path: Path) -> None:
        one = MAPPING.split("[counts]")[0] + '[counts]\nlikes = "点赞数"\n'
        (tmp_path / "map.toml").write_text(one, encoding="utf-8")
        rows = [
            f"书展,{URL},2026-03-02 10:00,2026-03-03,9,12,,\n",
            f"书展,{URL},2026-03-02 10:00,2026-03-04,9,1.3万,,\n",
        ]
        (tmp_path / "daily.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
        export = stream_csv_export(tmp_path / "daily.csv", mapping=tmp_path / "map.toml")
        values = iter(export.values())
        assert next(values).common == (0, 0, 12, 0, 0, 0, None)
        with pytest.raises(ImportFileError, match=r"row 3, column 点赞数: '1\.3万' is not a whole"):
            next(values)

    def test_rows_after_a_resume_point(self, tmp_path: Path) -> None:
        (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
        days = [f"书展,{URL},2026-03-02 10:00,2026-03-{d:02d},{d},1,,\n" for d in range(3, 9)]
        (tmp_path / "daily.csv").write_text(HEADER + "".join(days), encoding="utf-8")
        export = stream_csv_export(tmp_path / "daily.csv", mapping=tmp_path / "map.toml")
        assert [v.row for v in export.values(after=4)] == [5, 6, 7]
        assert [v.row for v in export.values()] == [2, 3, 4, 5, 6, 7]


def _post(number: int) -> PublishedPost:
    return PublishedPost(
        post_id=UUID(int=number + 1),
        key=str(UUID(int=number + 1)),
        campaign=None,
        title=f"post {number}",
        url=f"{URL}/{number}",
        external_id=str(number),
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
    )


class _Row:
    def __init__(
        self,
        row: int,
        identity: RowIdentity,
        common: tuple[int | None, ...],
        observed_at: datetime,
        extra: dict[str, object] | None = None,
    ) -> None:
        self.row, self.identity, self.common, self.observed_at = row, identity, common, observed_at
        self.extra = extra or {}

    @property
    def counts(self) -> dict[str, int | None]:
        return {n: v for n, v in zip(COMMON_COUNTS, self.common, strict=True) if v is not None}


def _rows(posts: int, days: int, *, shared: bool) -> list[_Row]:
    """Daily rows of ``posts`` posts; identities and times shared as the streamer shares
    them, or a fresh (equal) object each row."""
    identities = [RowIdentity(None, f"{URL}/{p}", None, None, False) for p in range(posts)]
    rows: list[_Row] = []
    for day in range(days):
        at = datetime(2026, 3, 2, tzinfo=ZONE) + timedelta(days=day)
        for post in range(posts):
            identity = identities[post] if shared else identities[post]._replace()
            when = at if shared else at + timedelta(0)
            reads = 10 + day * 3 - (5 if day == 2 and post == 1 else 0)  # one correction
            common = (reads, 0, day, 0, 0, 0, None)
            rows.append(_Row(2 + len(rows), identity, common, when))
    return rows


def _planner(posts: int, platform: Platform = Platform.WEIBO) -> _Planner:
    index = PostIndex([_post(p) for p in range(posts)], timedelta(minutes=5))
    return _Planner(platform, index, {}, NOW, timedelta(minutes=10), False)


class TestPlanner:
    def test_shared_and_fresh_objects_plan_alike(self) -> None:
        shared = list(_planner(3).plan(_rows(3, 6, shared=True)))
        fresh = list(_planner(3).plan(_rows(3, 6, shared=False)))
        assert shared == fresh
        assert len(shared) == 18
        assert [p[-1] for p in shared if p[-1]] == [("reads",)]  # the one correction
        assert shared[0][3] == "2026-03-01T16:00:00+00:00"  # the day, in UTC

    def test_a_count_above_the_limit_is_refused(self) -> None:
        planner = _planner(1)
        rows = _rows(1, 2, shared=True)
        rows[1].common = (COUNT_MAX + 1, 0, 1, 0, 0, 0, None)
        assert len(list(planner.plan(rows))) == 1
        refusal = planner.refusal("daily.csv")
        assert isinstance(refusal, LimitExceededError)
        assert "daily.csv, row 3: reads is above 1,000,000,000,000" in str(refusal)

    def test_followers_gained_above_the_limit_is_refused(self) -> None:
        planner = _planner(1)
        rows = _rows(1, 1, shared=True)
        rows[0].common = (1, 0, 1, 0, 0, 0, COUNT_MAX + 1)
        assert list(planner.plan(rows)) == []
        assert isinstance(planner.refusal("daily.csv"), LimitExceededError)

    def test_own_metrics_go_through_a_snapshot(self) -> None:
        rows = _rows(1, 2, shared=True)
        rows[0].extra = {"wow": 12}
        (planned, _second) = _planner(1, Platform.WECHAT).plan(rows)
        assert planned[5] == {"wow": 12}
        planner = _planner(1)  # Weibo has no own metrics
        rows[1].extra = {"completion": Decimal("0.5")}
        assert len(list(planner.plan(rows))) == 0
        assert "row 3: weibo has no own metric 'completion'" in str(planner.refusal("f.csv"))


class TestSpill:
    @pytest.mark.parametrize("batch_rows", [1, 4, 7, 18, 5000])
    def test_spilled_batches_are_the_batches(self, batch_rows: int) -> None:
        planned = list(_planner(3).plan(_rows(3, 6, shared=True)))
        spill = io.BytesIO()
        spilled = _spill(planned, spill, batch_rows)
        assert (spilled.rows, spilled.corrected) == (18, 1)
        assert spilled.batches == -(-18 // batch_rows)
        spill.seek(0)
        read = [pickle.load(spill) for _ in range(spilled.batches)]
        expected = []
        for start in range(0, len(planned), batch_rows):
            batch = _Batch()
            for row in planned[start : start + batch_rows]:
                batch.add(row)
            expected.append(batch.columns())
        assert read == expected
        assert spill.read() == b""  # nothing more
