"""benchmarks/audit.py still runs and reports what it promises (not how fast: that is its job)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


class TestAuditBenchmark:
    def test_tiny_run_prints_the_json_summary(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A tiny run ends with a JSON line holding both rates, their ratio, the projected
        seconds for a million events and the cost of an incremental checkpoint."""
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        sys.modules.pop("audit", None)
        import audit  # type: ignore[import-not-found]  # the benchmark script itself

        argv = ["--events", "1000", "--rounds", "1", "--template-posts", "2"]
        assert audit.main([*argv, "--template-days", "2"]) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        summary = json.loads(last)
        assert summary["verify_per_s"] > 0
        assert summary["baseline_per_s"] > 0
        assert summary["ratio"] == pytest.approx(
            summary["verify_per_s"] / summary["baseline_per_s"], rel=0.01
        )
        assert summary["seconds_1m"] == pytest.approx(1e6 / summary["verify_per_s"], rel=0.01)
        assert summary["projected"] is True
        assert summary["checkpoint_events"] == 10
        assert summary["checkpoint_seconds"] > 0
        assert summary["checkpoint_seconds_small"] > 0
        assert summary["events"] > 1000  # the log, its checkpoints and the events added
