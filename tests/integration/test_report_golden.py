"""The golden report: a small fixed demo's Markdown report, in English and in Chinese, as
committed under ``tests/golden/report_en.md`` and ``tests/golden/report_zh.md``.

What ``libops demo --seed 7 --posts 6 --days 7`` writes (``report-<lang>.md``, the demo
naming its team's people) on a fresh store whose URL is the relative ``sqlite:///demo.db`` (so the
store line never names a temporary directory).
Any change to the report's figures, order, wording or layout shows up here as a diff to
review. When a change is deliberate, regenerate the files and commit them with it::

    LIBOPS_UPDATE_GOLDEN_REPORT=1 python -m pytest tests/integration/test_report_golden.py

(with the variable set the test writes the files and is skipped, saying so; run it again
without the variable and it passes).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from libops import LibOps
from libops.demo import run_demo
from libops.demo.run import team
from libops.report import Report, build_report, render_markdown

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE_VARIABLE = "LIBOPS_UPDATE_GOLDEN_REPORT"
SEED, POSTS, DAYS = 7, 6, 7
URL = "sqlite:///demo.db"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The small demo's report, from a fresh store."""
    before = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("golden"))
    try:
        run_demo(URL, seed=SEED, posts=POSTS, days=DAYS, project=True)
        with LibOps.open(URL) as ops:
            # as the demo writes it
            return build_report(ops, library="Riverside City Library", people=team("en"))
    finally:
        os.chdir(before)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_matches_the_golden_report(report: Report, lang: str) -> None:
    """The Markdown report is the committed one, byte for byte."""
    path = GOLDEN / f"report_{lang}.md"
    markdown = render_markdown(report, lang=lang, chart_dir=f"charts-{lang}")  # as written
    if os.environ.get(UPDATE_VARIABLE):
        path.write_text(markdown, encoding="utf-8", newline="\n")
        pytest.skip(f"{path.name} written: review the diff and commit it")
    assert path.exists(), f"{path} is missing: run with {UPDATE_VARIABLE}=1 to write it"
    golden = path.read_text(encoding="utf-8")
    if markdown != golden:
        diff = "".join(
            difflib.unified_diff(
                golden.splitlines(keepends=True),
                markdown.splitlines(keepends=True),
                f"golden/{path.name}",
                "rendered",
            )
        )
        pytest.fail(
            f"the {lang} report differs from {path.name} (if the change is deliberate, rerun "
            f"with {UPDATE_VARIABLE}=1 and commit the file):\n{diff}"
        )
