"""The benchmarks still run and report what they promise (not how fast: that is their job)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


class TestCommandsBenchmark:
    def test_tiny_run_prints_the_json_summary(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A tiny run ends with a JSON line holding both rates and their ratio."""
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        sys.modules.pop("commands", None)
        import commands  # type: ignore[import-not-found]  # the benchmark script itself

        assert commands.main(["--posts", "3", "--rounds", "1"]) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        summary = json.loads(last)
        assert summary["libops_per_s"] > 0
        assert summary["baseline_per_s"] > 0
        assert summary["slowdown"] == pytest.approx(
            summary["baseline_per_s"] / summary["libops_per_s"], rel=0.01
        )


class TestProjectionsBenchmark:
    def test_tiny_run_prints_the_json_summary(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A tiny run ends with a JSON line holding rates, ratio and peak RSS for both sizes."""
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        sys.modules.pop("projections", None)
        import projections  # type: ignore[import-not-found]  # the benchmark script itself

        argv = ["--events", "400", "--template-posts", "2", "--template-days", "2"]
        assert projections.main(argv) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        summary = json.loads(last)
        assert set(summary["sizes"]) == {"40", "400"}
        for figures in [summary, *summary["sizes"].values()]:
            assert figures["libops_per_s"] > 0
            assert figures["baseline_per_s"] > 0
            assert figures["peak_rss_mb"] > 0
            assert figures["slowdown"] == pytest.approx(
                figures["baseline_per_s"] / figures["libops_per_s"], rel=0.01
            )
        for figures in [summary, *summary["sizes"].values()]:
            parallel = figures["workers"]
            assert parallel["workers"] == 2
            assert parallel["libops_per_s"] > 0
            assert parallel["peak_rss_mb"] > 0
            assert parallel["total_peak_rss_mb"] >= parallel["peak_rss_mb"]
            assert parallel["slowdown"] == pytest.approx(
                figures["baseline_per_s"] / parallel["libops_per_s"], rel=0.01
            )
        assert summary["sizes"]["400"]["events"] == summary["events"] == 400
        assert summary["projections"]
        applied = summary["sizes"]["400"]["applied"]
        assert sorted(applied) == summary["projections"]
        assert sum(applied.values()) > 0


class TestSnapshotsBenchmark:
    def test_tiny_run_prints_the_json_summary(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A tiny run ends with a JSON line holding both cold-load times, their ratio, whether
        the load with snapshots is under 50 ms, and that both loads gave the same post."""
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        sys.modules.pop("snapshots", None)
        import snapshots  # type: ignore[import-not-found]  # the benchmark script itself

        assert snapshots.main(["--metric-snapshots", "120", "--rounds", "1"]) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        summary = json.loads(last)
        assert summary["metric_snapshots"] == 120
        assert summary["events"] == 124
        assert summary["snapshots"] == 2  # at versions 50 and 100
        assert summary["with_snapshots_ms"] > 0
        assert summary["without_snapshots_ms"] > 0
        assert summary["ratio"] == pytest.approx(
            summary["without_snapshots_ms"] / summary["with_snapshots_ms"], abs=0.1
        )
        assert isinstance(summary["under_50ms"], bool)
        assert summary["equal"] is True
