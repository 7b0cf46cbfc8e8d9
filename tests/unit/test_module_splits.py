"""The importers and the risk-signals projection split into modules by responsibility (issue 10,
"files by responsibility"): what their callers import from the old places still resolves, and
the signals projection still reads the same events with the same handlers.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from libops.adapters import importers
from libops.adapters.importers import read_export, stream_csv_export
from libops.domain.errors import ImportFileError
from libops.projections import signals
from libops.projections.signals import RiskSignalsProjection
from libops.projections.signals_outbox import SignalOutbox
from libops.projections.signals_platforms import PlatformSignals

IMPORTER_NAMES = (
    "ACCOUNT_GROWTH",
    "HEADER_SEARCH",
    "LAYOUTS",
    "NO_DATA",
    "CsvExport",
    "Layout",
    "RowIdentity",
    "RowParser",
    "RowValues",
    "Table",
    "_FORMATS",
    "load_mapping",
    "parse_count",
    "parse_ratio",
    "parse_seconds",
    "parse_signed",
    "parse_time",
    "read_export",
    "read_tables",
    "recognise",
    "stream_csv_export",
    "timedelta",
)
"""The names the importers module had before the split that callers (src, tests, docs) use."""

SIGNAL_NAMES = (
    "BRIEF_OVERDUE",
    "CLEARED",
    "CLEARED_SUFFIX",
    "FIRED",
    "HOMOGENEOUS_CONTENT",
    "METRIC_ANOMALY",
    "NAME",
    "NEGATIVE_COMMENT_SPIKE",
    "OUTBOX",
    "OVERSPEND",
    "PERSONAL_DATA_IN_DRAFT",
    "PUBLISH_FAILURES",
    "RiskSignalsProjection",
    "signal_id_in",
    "signal_key",
    "signal_parts",
)
"""The names of the signals module that callers import."""

HANDLERS = {
    "Budget.Adjusted": "adjusted",
    "Budget.Allocated": "allocated",
    "Budget.Committed": "committed",
    "Budget.ExpenseRecorded": "expense",
    "Budget.Opened": "budget_opened",
    "Budget.Released": "released",
    "ConductRecord.CommentHidden": "moderated",
    "ConductRecord.Sanctioned": "moderated",
    "ConductRecord.SanctionedAutomatically": "moderated",
    "ContentBrief.Drafted": "brief_ended",
    "ContentBrief.Dropped": "brief_ended",
    "ContentBrief.Planned": "brief_planned",
    "ContentBrief.ProductionStarted": "brief_started",
    "ContentBrief.Proposed": "brief_proposed",
    "ContentBrief.Replanned": "brief_planned",
    "Post.Approved": "approved",
    "Post.Drafted": "post_drafted",
    "Post.MetricsCorrected": "metrics",
    "Post.MetricsRecorded": "metrics",
    "Post.MetricsVoided": "metrics_voided",
    "Post.PublishFailed": "publish_failed",
    "Post.Published": "published",
    "Post.Retracted": "retracted",
    "Post.SubmittedForReview": "submitted",
    "Risk.Closed": "risk_closed",
    "Risk.Identified": "risk_identified",
    "Risk.Reassessed": "risk_reassessed",
}
"""Each event the projection handles (topic without the ``libops:`` prefix) and its handler,
as they were before the split."""


@pytest.mark.parametrize("name", IMPORTER_NAMES)
def test_importer_names_stay_importable_from_the_package(name: str) -> None:
    assert hasattr(importers, name), f"libops.adapters.importers lost {name}"


@pytest.mark.parametrize("name", SIGNAL_NAMES)
def test_signal_names_stay_importable_from_the_module(name: str) -> None:
    assert hasattr(signals, name), f"libops.projections.signals lost {name}"


def test_the_signals_projection_keeps_its_name_path_and_handlers() -> None:
    """Every detector group's handlers reach the projection (a projection collects the
    handlers of its class and its base, so the groups are built one on another)."""
    assert RiskSignalsProjection.name == "risk_signals"
    assert RiskSignalsProjection.__module__ == "libops.projections.signals"
    handlers = {
        topic.removeprefix("libops:"): method
        for topic, method in RiskSignalsProjection._handlers.items()
    }
    assert handlers == HANDLERS
    assert set(RiskSignalsProjection.topics()) == {
        *(f"libops:{topic}" for topic in HANDLERS),
        "libops:MetricImport.BatchRecorded",
    }
    assert issubclass(RiskSignalsProjection, PlatformSignals)
    assert issubclass(PlatformSignals, SignalOutbox)


@pytest.mark.parametrize(
    "module",
    [
        "libops.adapters.importers.layouts",
        "libops.adapters.importers.tables",
        "libops.adapters.importers.cells",
        "libops.adapters.importers.rows",
        "libops.adapters.importers.exports",
        "libops.adapters.importers.streaming",
        "libops.projections.signals_rules",
        "libops.projections.signals_outbox",
        "libops.projections.signals_briefs",
        "libops.projections.signals_budget",
        "libops.projections.signals_review",
        "libops.projections.signals_platforms",
    ],
)
def test_each_split_module_is_under_600_lines(module: str) -> None:
    source = importlib.import_module(module).__file__
    assert source is not None
    with open(source, encoding="utf-8") as file:
        assert sum(1 for _ in file) <= 600


@pytest.mark.parametrize("reader", [read_export, stream_csv_export])
def test_both_readers_refuse_a_mapping_of_another_platform_alike(
    tmp_path: Path, reader: object
) -> None:
    """The check the two readers share (``load_mapping_for``): ``--platform`` must be the
    platform the mapping maps."""
    mapping = tmp_path / "weibo.toml"
    mapping.write_text(
        'platform = "weibo"\ntitle = "标题"\npublished_at = "发布时间"\n'
        '[counts]\nreads = "阅读数"\n',
        encoding="utf-8",
    )
    export = tmp_path / "weibo.csv"
    export.write_text("标题,发布时间,阅读数\n书展,2026-03-02,5\n", encoding="utf-8")
    assert callable(reader)
    with pytest.raises(ImportFileError, match=r"weibo\.toml: maps weibo, not wechat"):
        reader(export, platform="wechat", mapping=mapping)
    assert reader(export, platform="weibo", mapping=mapping) is not None
