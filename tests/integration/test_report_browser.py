"""The HTML report in a real browser: headless Chromium opens the file, and a screenshot of
it is not blank and shows the charts (in English and in Chinese); a screenshot of its first
page (as the README shows it, ``tools/screenshot_report.py``) is a PNG of the window's size
with text on it.

Needs Debian's ``chromium`` package (``.ci/run`` installs it and sets
``LIBOPS_REQUIRE_BROWSER``, which turns a missing browser into a failure); elsewhere the
tests are skipped with that hint.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import cast

import pytest
from PIL import Image

from libops import LibOps
from libops.demo import run_demo
from libops.report import write_report
from libops.report.charts import _COLOURS
from libops.report.pdf import screenshot as first_page_shot

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
REQUIRE_BROWSER_VAR = "LIBOPS_REQUIRE_BROWSER"
WIDTH = 1200
HEIGHT = 24000  # tall enough for the whole report of a small history
PAGE = (1200, 1600)
"""The window of the first-page screenshot, in CSS pixels."""
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PALETTE = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in _COLOURS[:4]]
"""The first four chart colours (bars and lines), as RGB."""


def browser_or_skip() -> str:
    """The path of a headless-capable Chromium, or skip (fail where it is mandatory)."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get(REQUIRE_BROWSER_VAR):
        pytest.fail(f"the browser test is mandatory here but none of {BROWSERS} is installed")
    pytest.skip("needs headless Chromium: `apt-get install chromium` (CI installs it)")


def screenshot(browser: str, page: Path, out: Path) -> Image.Image:
    """Open ``page`` in headless Chromium and return the screenshot of its first HEIGHT px."""
    profile = out.parent / f"profile-{out.stem}"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={out}",
            f"--window-size={WIDTH},{HEIGHT}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.exists(), done.stderr[-2000:]
    return Image.open(out).convert("RGB")


def colour_counts(image: Image.Image) -> Counter[tuple[int, int, int]]:
    """How many pixels of each colour, after halving the picture and reducing it to 256
    colours (anti-aliasing and colour management move exact values slightly)."""
    reduced = image.reduce(2).quantize(colors=256).convert("RGB")
    colours = reduced.getcolors(maxcolors=256) or []
    # An RGB picture's colours are (r, g, b) triples; Pillow types them for any mode.
    return Counter({cast(tuple[int, int, int], colour): count for count, colour in colours})


def near(colour: tuple[int, int, int], target: tuple[int, ...], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target, strict=True))


def chart_pixels(counts: Counter[tuple[int, int, int]]) -> list[int]:
    """Per chart colour, how many (reduced) pixels are close to it."""
    return [sum(n for colour, n in counts.items() if near(colour, target)) for target in PALETTE]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English and Chinese reports of a small demo history."""
    base = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{base}/libops.db"
    run_demo(url, seed=11, posts=24, days=30)
    out = base / "report"
    with LibOps.open(url) as ops:
        write_report(ops, out, lang="en")
        write_report(ops, out, lang="zh")
    return out


class TestReportInChromium:
    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_the_page_is_not_blank_and_shows_the_charts(
        self, report_dir: Path, tmp_path: Path, lang: str
    ) -> None:
        """The screenshot has text and many colours, and the chart colours cover real areas;
        the same page without its images has almost none of them."""
        browser = browser_or_skip()
        page = report_dir / f"report-{lang}.html"
        shot = screenshot(browser, page, tmp_path / f"report-{lang}.png")
        assert shot.size == (WIDTH, HEIGHT)
        counts = colour_counts(shot)
        white = sum(n for colour, n in counts.items() if min(colour) >= 240)
        total = sum(counts.values())
        assert white < 0.97 * total, "the page is (almost) blank"
        assert len(counts) > 30, "too few colours for text, tables and charts"
        with_charts = chart_pixels(counts)
        assert all(n > 1_500 for n in with_charts), with_charts

        bare = tmp_path / f"bare-{lang}.html"
        bare.write_text(
            re.sub(r"<img [^>]*>", "", page.read_text(encoding="utf-8")), encoding="utf-8"
        )
        without = chart_pixels(colour_counts(screenshot(browser, bare, tmp_path / "bare.png")))
        # Headings and table rules use the first colour a little (more with every section:
        # about a third of the charts' share in a small demo's report of 2026-12); the charts
        # add thousands of pixels of each colour on top of that.
        assert all(
            c - w > 1_500 and c > 2 * w for c, w in zip(with_charts, without, strict=True)
        ), (
            with_charts,
            without,
        )

    def test_every_chart_image_loads(self, report_dir: Path) -> None:
        """Each chart is embedded as a data: PNG that decodes to a picture of real size."""
        import base64

        page = (report_dir / "report-en.html").read_text(encoding="utf-8")
        images = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', page)
        assert len(images) >= 6
        for encoded in images:
            picture = Image.open(io.BytesIO(base64.b64decode(encoded)))
            assert picture.size[0] >= 400
            assert picture.size[1] >= 250

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_a_screenshot_of_the_first_page(self, report_dir: Path, lang: str) -> None:
        """libops.report.pdf.screenshot gives a PNG of the window's size showing the page:
        mostly white paper, but with text, table rules and headings in many colours."""
        browser = browser_or_skip()
        data = first_page_shot(
            report_dir / f"report-{lang}.html", width=PAGE[0], height=PAGE[1], chromium=browser
        )
        assert data.startswith(PNG_MAGIC)
        shot = Image.open(io.BytesIO(data))
        assert shot.format == "PNG"
        assert shot.size == PAGE
        counts = colour_counts(shot.convert("RGB"))
        total = sum(counts.values())
        white = sum(n for colour, n in counts.items() if min(colour) >= 240)
        dark = sum(n for colour, n in counts.items() if max(colour) <= 110)
        assert 0.5 * total < white < 0.97 * total, "blank, or not a page of text"
        assert dark > 0.001 * total, "no text"
        assert len(counts) > 30, "too few colours for text, tables and headings"
