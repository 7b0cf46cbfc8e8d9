"""benchmarks/http.py still runs and reports what it promises (not how fast: that is its job)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "http.py"


def test_quick_run_reports_both_rates_and_loses_nothing() -> None:
    """``--quick`` starts ``libops serve``, gives every command over HTTP and in process,
    reads views, and ends with a JSON line whose figures agree with one another."""
    env = {k: v for k, v in os.environ.items() if k != "LIBOPS_STORE"}
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["clients"] == 16
    assert summary["commands"] == 10
    assert summary["workers"] == 1
    tried = summary["clients"] * summary["commands"]
    assert summary["acknowledged"] == tried, summary["failures"]
    assert summary["inprocess_acknowledged"] == tried, summary["failures"]
    assert summary["failed"] == summary["inprocess_failed"] == 0
    assert summary["lost"] == summary["inprocess_lost"] == summary["unexpected"] == 0
    assert summary["reads"] == 200
    assert summary["read_failed"] == 0
    assert summary["http_per_s"] > 0
    assert summary["inprocess_per_s"] > 0
    assert abs(summary["ratio"] - summary["http_per_s"] / summary["inprocess_per_s"]) < 0.01
    assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]
    assert summary["read_p99_ms"] > 0
    assert set(summary["targets_met"]) == {
        "ratio_at_least_0.7",
        "p99_under_100_ms",
        "read_p99_under_20_ms",
        "nothing_lost",
    }
    assert summary["targets_met"]["nothing_lost"] is True
    assert summary["targets_met"]["ratio_at_least_0.7"] == (summary["ratio"] >= 0.7)
    assert any(line.startswith("targets: ") for line in lines)
