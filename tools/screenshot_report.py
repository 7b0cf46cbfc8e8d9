"""Make the README's picture of the report's first page (docs/images/report-first-page.png).

Runs ``libops demo`` (its default scenario: one library's quarter, seed 2026) on a fresh
SQLite store (``sqlite:///libops.db`` in a temporary working directory), writes its HTML
report (English by default), has headless Chromium take a screenshot of its first 1200 x 1600
CSS pixels
(:func:`libops.report.pdf.screenshot`), and saves it reduced to a 256-colour palette, so
the picture stays small (well under 300 KB) while text and charts stay sharp.

    python tools/screenshot_report.py                      # docs/images/report-first-page.png
    python tools/screenshot_report.py --lang zh --out /tmp/zh.png

Needs headless Chromium (``apt-get install -y chromium``, or ``LIBOPS_CHROMIUM``) and, for
``--lang zh``, a CJK font (``fonts-wqy-microhei``). Prints where the picture went and its
size; exits with 1 and one line if the browser is missing or fails.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

from libops.demo import run_demo
from libops.domain.errors import LibopsError
from libops.report.pdf import screenshot

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "images" / "report-first-page.png"
WIDTH, HEIGHT = 1200, 1600
MAX_BYTES = 300_000


def first_page(lang: str = "en", chromium: str | None = None) -> bytes:
    """The demo's report's first page as a palette PNG (bytes)."""
    with (
        tempfile.TemporaryDirectory(prefix="libops-shot-") as scratch,
        contextlib.chdir(scratch),  # the store is named as in the README: sqlite:///libops.db
    ):
        # The report exactly as `libops demo` writes it (its library's name, its team).
        summary = run_demo("sqlite:///libops.db", lang=lang, report_dir=Path("libops-report"))
        if summary.report is None:
            raise LibopsError(summary.report_note or "the demo wrote no report")
        shot = screenshot(Path(summary.report), width=WIDTH, height=HEIGHT, chromium=chromium)
    picture = Image.open(io.BytesIO(shot)).convert("RGB")
    reduced = picture.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--chromium", default=None, help="the browser (else LIBOPS_CHROMIUM)")
    options = parser.parse_args(argv)
    try:
        data = first_page(options.lang, options.chromium)
    except LibopsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_bytes(data)
    note = "" if len(data) <= MAX_BYTES else f" (more than {MAX_BYTES:,} bytes)"
    print(f"{options.out}: {WIDTH} x {HEIGHT}, {len(data):,} bytes{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
