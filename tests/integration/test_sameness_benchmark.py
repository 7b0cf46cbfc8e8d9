"""benchmarks/sameness.py still runs and reports what it promises (not how fast)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_a_tiny_run_prints_the_json_summary(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tiny run ends with a JSON line with both percentiles, the baselines, and every
    near-duplicate draft named."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    sys.modules.pop("sameness", None)
    import sameness  # type: ignore[import-not-found]  # the benchmark script itself

    assert sameness.main(["--posts", "60", "--rounds", "6"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["posts"], summary["rounds"], summary["near_duplicates"]) == (60, 6, 3)
    assert summary["found"] == 3
    assert 0 < summary["check_ms_p50"] <= summary["check_ms_p99"]
    assert summary["baseline_ms"] > 0
    assert summary["exact_scan_ms"] >= 0
