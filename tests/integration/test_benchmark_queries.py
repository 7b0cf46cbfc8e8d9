"""benchmarks/queries.py still runs and reports what it promises (not how fast: that is its
job)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "queries.py"


def test_quick_run_reports_every_figure() -> None:
    """``--quick`` builds its store of 3,000 posts, lists the latest 10 in Python and over
    HTTP, reads the baseline, and ends with a JSON line whose figures agree."""
    env = {k: v for k, v in os.environ.items() if k != "LIBOPS_STORE"}
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["posts"] == 3_000
    assert summary["times"] == 300
    for name in ("", "http_", "baseline_"):
        assert 0 < summary[f"{name}p50_ms"] <= summary[f"{name}p99_ms"]
    assert summary["build_s"] > 0
    assert summary["target_met"] == (summary["p99_ms"] < 20)
    assert any(line.startswith("latest: 'Reading list no. 2999'") for line in lines)
    assert any(line.startswith("target: ") for line in lines)
