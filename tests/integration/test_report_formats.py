"""The report as PDF and Word: what the files hold against the report's own blocks (title,
headings, tables, charts), in English and Chinese, the formats asked for and nothing else,
and bad formats, a missing or failing browser, each refused before anything is written.

The PDF tests need headless Chromium: they are skipped without it, unless
``LIBOPS_REQUIRE_BROWSER`` is set (CI), where a missing browser fails them
(:func:`tests.integration.test_report_browser.browser_or_skip`). The failing-browser tests
use small stand-in scripts and run everywhere.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm
from typer.testing import CliRunner

from libops import LibOps, Period
from libops import demo as demo_module
from libops.domain.errors import InvalidValueError
from libops.domain.values import limits_unchecked
from libops.report import (
    CHART_NAMES,
    FORMATS,
    BrowserFailedError,
    BrowserNotFoundError,
    Report,
    UnknownReportFormatError,
    build_report,
    check_formats,
    render_charts,
    render_docx,
    write_report,
)
from libops.report.blocks import Block, BulletList, Chart, Heading, Table, blocks
from libops.report.pdf import CHROMIUM_VAR, print_pdf
from libops.report.word import (
    EAST_ASIAN_BODY_FONT,
    EAST_ASIAN_HEADING_FONT,
    NO_DATE,
    document_date,
)
from libops.report.words import language
from tests import actors
from tests.helpers import count_events
from tests.integration.test_report_browser import browser_or_skip

LANGS = ("en", "zh")
A4_POINTS = (595, 842)  # 210 mm x 297 mm


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small demo history (campaigns, posts on three platforms, budget, risks)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('formats') / 'libops.db'}"
    demo_module.run_demo(url, seed=7, posts=12, days=14)
    return url


@pytest.fixture
def store(history: str) -> Iterator[LibOps]:
    with LibOps.open(history) as ops:
        yield ops


@pytest.fixture(scope="module")
def reports(history: str) -> dict[str, Report]:
    """The report of the history, in each language."""
    with LibOps.open(history) as ops:
        return {lang: build_report(ops, lang=lang) for lang in LANGS}


def report_blocks(report: Report) -> list[Block]:
    return blocks(report, language(report, None))


def squeezed(text: str) -> str:
    """``text`` without white space: a PDF's text breaks lines where the page did."""
    return re.sub(r"\s+", "", text)


def listing(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


# --- PDF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdfs(history: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The PDF report in each language, written alone, by the browser the tests found."""
    browser = browser_or_skip()
    out = tmp_path_factory.mktemp("pdf")
    written = {}
    with LibOps.open(history) as ops:
        for lang in LANGS:
            files = write_report(ops, out, lang=lang, formats=("pdf",), chromium=browser)
            assert files.pdf is not None
            assert (files.markdown, files.html, files.docx, files.charts) == (None, None, None, ())
            written[lang] = files.pdf
    assert listing(out) == ["report-en.pdf", "report-zh.pdf"]  # the PDF only
    return written


class TestPdf:
    @pytest.mark.parametrize("lang", LANGS)
    def test_a_pdf_with_the_reports_text(
        self, pdfs: dict[str, Path], reports: dict[str, Report], lang: str
    ) -> None:
        """The file is a PDF on A4 pages whose text holds the title and every section
        heading of the report, in the report's language."""
        data = pdfs[lang].read_bytes()
        assert data.startswith(b"%PDF")
        reader = pypdf.PdfReader(io.BytesIO(data))
        for page in reader.pages:
            size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
            assert size == A4_POINTS
        text = squeezed("".join(page.extract_text() for page in reader.pages))
        headings = [b for b in report_blocks(reports[lang]) if isinstance(b, Heading)]
        assert text.startswith(squeezed(headings[0].text))  # the title comes first
        missing = [h.text for h in headings if squeezed(h.text) not in text]
        assert missing == []
        if lang == "zh":
            assert squeezed(language(reports[lang], None)("h.background")) in text

    @pytest.mark.parametrize("lang", LANGS)
    def test_the_pdf_holds_the_charts(
        self, pdfs: dict[str, Path], reports: dict[str, Report], lang: str
    ) -> None:
        """Every chart of the report is an image in the PDF."""
        reader = pypdf.PdfReader(pdfs[lang])
        images = [image for page in reader.pages for image in page.images]
        charts = [b for b in report_blocks(reports[lang]) if isinstance(b, Chart)]
        assert charts
        drawn = render_charts(reports[lang])
        assert len(images) == len({drawn[c.name] for c in charts})
        assert all(image.image is not None and image.image.width >= 400 for image in images)

    def test_same_report_same_pdf(
        self, pdfs: dict[str, Path], reports: dict[str, Report], history: str, tmp_path: Path
    ) -> None:
        """The PDF is dated by the report (its last day), not the clock, so printing the
        same report again gives the same bytes."""
        report = reports["en"]
        reader = pypdf.PdfReader(pdfs["en"])
        assert reader.metadata is not None
        assert reader.metadata.creation_date == document_date(report)
        assert reader.metadata.modification_date == document_date(report)
        with LibOps.open(history) as ops:
            again = write_report(
                ops, tmp_path, lang="en", formats="pdf", chromium=browser_or_skip()
            )
        assert again.pdf is not None
        assert again.pdf.read_bytes() == pdfs["en"].read_bytes()

    def test_a_pdf_date_needs_a_time_zone(self) -> None:
        with pytest.raises(InvalidValueError, match="timezone-aware"):
            print_pdf("<p>x</p>", dated=datetime(2026, 4, 1), chromium="/no/such/browser")


# --- Word -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(reports: dict[str, Report]) -> dict[str, bytes]:
    return {lang: render_docx(report) for lang, report in reports.items()}


def opened(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


class TestWord:
    @pytest.mark.parametrize("lang", LANGS)
    def test_headings_paragraphs_and_lists(
        self, documents: dict[str, bytes], reports: dict[str, Report], lang: str
    ) -> None:
        """The title is Word's Title, chapters or sections Heading 1, what they hold Heading
        2, 3 and 4 (the Chinese report's chapters add a level), in the report's order; list
        items are List Bullet paragraphs."""
        document = opened(documents[lang])
        content = report_blocks(reports[lang])
        styles = {1: "Title", 2: "Heading 1", 3: "Heading 2", 4: "Heading 3", 5: "Heading 4"}
        expected = [(styles[b.level], b.text) for b in content if isinstance(b, Heading)]
        found = [
            (p.style.name, p.text)
            for p in document.paragraphs
            if p.style.name == "Title" or p.style.name.startswith("Heading")
        ]
        assert found == expected
        items = [item for b in content if isinstance(b, BulletList) for item in b.items]
        bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
        assert bullets == items

    @pytest.mark.parametrize("lang", LANGS)
    def test_tables_match_the_reports_tables(
        self, documents: dict[str, bytes], reports: dict[str, Report], lang: str
    ) -> None:
        """One Word table per report table, cell for cell; the header row bold, shaded and
        repeated on every page; numeric columns right-aligned; rows never split."""
        document = opened(documents[lang])
        tables = [b for b in report_blocks(reports[lang]) if isinstance(b, Table)]
        assert len(document.tables) == len(tables) > 5
        for table, block in zip(document.tables, tables, strict=True):
            assert table.style.name == "Table Grid"
            cells = [tuple(cell.text for cell in row.cells) for row in table.rows]
            assert cells == [block.header, *block.rows]
            header = table.rows[0]
            assert header._tr.trPr.find(qn("w:tblHeader")) is not None
            assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs)
            for row in table.rows:
                assert row._tr.trPr.find(qn("w:cantSplit")) is not None
                for cell, numeric in zip(row.cells, block.numeric, strict=True):
                    right = cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
                    assert right == numeric

    @pytest.mark.parametrize("lang", LANGS)
    def test_charts_are_pictures_at_page_width(
        self, documents: dict[str, bytes], reports: dict[str, Report], lang: str
    ) -> None:
        """As many inline pictures as the report has charts, each the chart's PNG, with its
        alternative text, no wider than the A4 page's text."""
        document = opened(documents[lang])
        charts = [b for b in report_blocks(reports[lang]) if isinstance(b, Chart)]
        shapes = list(document.inline_shapes)
        assert len(shapes) == len(charts) > 0
        drawn = render_charts(reports[lang])
        text_width = Mm(210 - 2 * 20)
        for shape, chart in zip(shapes, charts, strict=True):
            properties = shape._inline.docPr
            assert properties.get("descr") == chart.alt
            blip = shape._inline.graphic.graphicData.pic.blipFill.blip
            part = document.part.related_parts[blip.embed]
            assert part.blob == drawn[chart.name]
            assert Mm(60) < shape.width <= text_width

    @pytest.mark.parametrize("lang", LANGS)
    def test_a4_pages_and_east_asian_fonts(
        self, documents: dict[str, bytes], reports: dict[str, Report], lang: str
    ) -> None:
        """A4 with 20 mm margins; the text's and the headings' styles name an East Asian font
        (宋体, 黑体) and no theme font that would override it; the language is set."""
        document = opened(documents[lang])
        for section in document.sections:
            # Word keeps lengths in twentieths of a point: a millimetre is not a whole one.
            assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
            assert round(section.left_margin.mm) == round(section.right_margin.mm) == 20
        for name, east_asian in [
            ("Normal", EAST_ASIAN_BODY_FONT),
            ("List Bullet", EAST_ASIAN_BODY_FONT),
            ("Title", EAST_ASIAN_HEADING_FONT),
            ("Heading 1", EAST_ASIAN_HEADING_FONT),
            ("Heading 2", EAST_ASIAN_HEADING_FONT),
        ]:
            fonts = document.styles[name].element.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) == east_asian, name
            assert fonts.get(qn("w:ascii")), name
            assert fonts.get(qn("w:eastAsiaTheme")) is None, name
        defaults = document.styles.element.find(qn("w:docDefaults"))
        run = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        assert run.find(qn("w:rFonts")).get(qn("w:eastAsia")) == EAST_ASIAN_BODY_FONT
        tag = run.find(qn("w:lang"))
        assert tag.get(qn("w:val")) == ("zh-CN" if lang == "zh" else "en-US")
        assert tag.get(qn("w:eastAsia")) == "zh-CN"

    @pytest.mark.parametrize("lang", LANGS)
    def test_properties_from_the_report_not_the_clock(
        self, documents: dict[str, bytes], reports: dict[str, Report], lang: str
    ) -> None:
        """Title and language from the report; created and modified are its last day; the
        same report gives the same bytes (zip entries carry a fixed time)."""
        report = reports[lang]
        properties = opened(documents[lang]).core_properties
        title = next(b for b in report_blocks(report) if isinstance(b, Heading))
        assert properties.title == title.text
        assert properties.language == ("zh-CN" if lang == "zh" else "en-US")
        period = report.background.period
        assert period is not None
        expected = datetime.combine(period.end, time(), tzinfo=UTC)
        assert properties.created == properties.modified == expected
        assert render_docx(report) == documents[lang]
        with zipfile.ZipFile(io.BytesIO(documents[lang])) as package:
            assert {entry.date_time for entry in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert not [n for n in package.namelist() if "thumbnail" in n]

    def test_an_empty_store(self) -> None:
        """An empty store gives a document too (no period: the fixed date), with as many
        tables and pictures as its blocks."""
        with LibOps.open("memory://") as ops:
            report = build_report(ops, lang="zh")
        document = opened(render_docx(report))
        content = report_blocks(report)
        assert len(document.tables) == sum(isinstance(b, Table) for b in content)
        assert len(document.inline_shapes) == sum(isinstance(b, Chart) for b in content)
        assert document.core_properties.created == NO_DATE

    @pytest.mark.parametrize(
        ("name", "shown"),
        [
            ("<script>alert(1)</script> | *x*", "<script>alert(1)</script> | *x*"),
            ("first line\n# a heading\r\n- item", "first line # a heading  - item"),
            ("bell\x07 nul\x00 esc\x1b[31m", "bell\ufffd nul\ufffd esc\ufffd[31m"),
        ],
    )
    def test_user_text_is_text(self, name: str, shown: str) -> None:
        """A campaign's name as an older store may hold it (markup, line breaks, control
        characters) is one line of text in its table cell and the title: no new paragraph
        or row, and what XML cannot hold is shown as U+FFFD instead of failing."""
        with LibOps.open("memory://") as ops:
            with limits_unchecked():
                planned = ops.campaigns.plan(
                    actors.PLANNER,
                    name=name,
                    kind="topic",
                    period=Period(date(2026, 4, 1), date(2026, 6, 30)),
                )
            report = build_report(ops, campaign_id=planned)
        document = opened(render_docx(report))
        assert shown in document.paragraphs[0].text  # the title names the campaign
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        assert shown in cells
        assert not [p for p in document.paragraphs if p.text.startswith(("# ", "- "))]


# --- write_report: the formats asked for --------------------------------------------------


class TestFormats:
    def test_the_default_is_markdown_and_html(self, store: LibOps, tmp_path: Path) -> None:
        files = write_report(store, tmp_path, lang="en")
        assert list(files.paths()) == ["md", "html"]
        assert (files.pdf, files.docx) == (None, None)
        assert len(files.charts) == len(CHART_NAMES)

    def test_docx_alone(self, store: LibOps, tmp_path: Path) -> None:
        """Word alone writes the .docx only: no Markdown, HTML or chart files."""
        files = write_report(store, tmp_path / "out", lang="zh", formats="docx")
        assert files.paths() == {"docx": tmp_path / "out" / "report-zh.docx"}
        assert listing(tmp_path / "out") == ["report-zh.docx"]
        assert opened((tmp_path / "out" / "report-zh.docx").read_bytes()).tables

    def test_every_format(self, store: LibOps, tmp_path: Path) -> None:
        """All four at once, given as a comma list, in any case and order, with repeats."""
        browser = browser_or_skip()
        files = write_report(
            store, tmp_path, lang="en", formats=" DOCX,pdf,md,html,md", chromium=browser
        )
        assert list(files.paths()) == list(FORMATS)
        assert all(path.stat().st_size > 1000 for path in files.paths().values())
        assert listing(tmp_path) == sorted(
            [f"report-en.{name}" for name in FORMATS]
            + ["charts-en"]
            + [f"charts-en/{name}.png" for name in CHART_NAMES]
        )

    @pytest.mark.parametrize(
        ("formats", "message"),
        [
            (("md", "xls"), "unknown report format 'xls': choose from md, html, pdf, docx"),
            ("pdf,", "unknown report format '': choose from md, html, pdf, docx"),
            ((), "no report format given: choose one or more of md, html, pdf, docx"),
            ([3], "a report format is a name (md, html, pdf, docx), not 3"),
            (
                None,
                "report formats are names (md, html, pdf, docx) or a comma list of them, not None",
            ),
        ],
    )
    def test_bad_formats_write_nothing(
        self, store: LibOps, tmp_path: Path, formats: Any, message: str
    ) -> None:
        before = count_events(store)
        with pytest.raises(UnknownReportFormatError) as raised:
            write_report(store, tmp_path / "out", lang="en", formats=formats)
        assert str(raised.value) == message
        assert not (tmp_path / "out").exists()
        assert count_events(store) == before

    def test_check_formats(self) -> None:
        assert check_formats("pdf, md") == ("md", "pdf")
        assert check_formats(["Docx"]) == ("docx",)


# --- the browser missing or failing -------------------------------------------------------


def fake_browser(directory: Path, script: str) -> Path:
    """A stand-in "Chromium": a shell script."""
    path = directory / "fake-chromium"
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


class TestBrowserProblems:
    @pytest.mark.parametrize("how", ["variable", "argument"])
    def test_a_browser_path_that_does_not_exist(
        self, store: LibOps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
    ) -> None:
        """LIBOPS_CHROMIUM (or chromium=) naming nothing: BrowserNotFoundError naming it,
        and nothing written, not even the Markdown asked for with the PDF."""
        missing = tmp_path / "no-such-chromium"
        monkeypatch.setenv(CHROMIUM_VAR, str(missing))
        arguments: dict[str, Any] = {"chromium": missing} if how == "argument" else {}
        if how == "argument":
            monkeypatch.setenv(CHROMIUM_VAR, "/usr/bin/true")  # the argument wins
        with pytest.raises(BrowserNotFoundError) as raised:
            write_report(
                store, tmp_path / "out", lang="en", formats=("md", "pdf", "docx"), **arguments
            )
        assert str(missing) in str(raised.value)
        assert "apt-get install -y chromium" in str(raised.value)
        assert not (tmp_path / "out").exists()

    def test_no_browser_on_the_path(
        self, store: LibOps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(CHROMIUM_VAR, raising=False)
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        with pytest.raises(BrowserNotFoundError) as raised:
            write_report(store, tmp_path / "out", lang="en", formats="pdf")
        message = str(raised.value)
        assert "apt-get install -y chromium" in message
        assert CHROMIUM_VAR in message
        assert not (tmp_path / "out").exists()

    def test_a_failing_browser(self, store: LibOps, tmp_path: Path) -> None:
        """Chromium exiting with an error: BrowserFailedError with the exit code and the
        last lines of its stderr (not the first ones); nothing written."""
        lines = "".join(f"echo 'line {n}' >&2\n" for n in range(1, 31))
        browser = fake_browser(tmp_path, lines + "echo 'ERROR:print failed' >&2\nexit 5\n")
        with pytest.raises(BrowserFailedError) as raised:
            write_report(
                store, tmp_path / "out", lang="en", formats=("html", "pdf"), chromium=browser
            )
        message = str(raised.value)
        assert "exit code 5" in message
        assert message.endswith("ERROR:print failed")
        assert "line 30" in message
        assert "line 1\n" not in message
        assert not (tmp_path / "out").exists()

    def test_a_browser_that_writes_nothing(self, tmp_path: Path) -> None:
        browser = fake_browser(tmp_path, "exit 0\n")
        with pytest.raises(BrowserFailedError, match="exited without writing the PDF"):
            print_pdf("<p>x</p>", chromium=browser)

    def test_a_browser_that_writes_something_else(self, tmp_path: Path) -> None:
        """The browser is given --print-to-pdf=PATH; a file there that is not a PDF."""
        script = 'for a; do case "$a" in --print-to-pdf=*) echo no > "${a#*=}";; esac; done\n'
        browser = fake_browser(tmp_path, script)
        with pytest.raises(BrowserFailedError, match="not a PDF"):
            print_pdf("<p>x</p>", chromium=browser)

    def test_a_browser_that_hangs_is_stopped(self, tmp_path: Path) -> None:
        """Past the timeout the browser's whole process group is killed (a helper process
        it started included) and the error says so."""
        pid_file = tmp_path / "helper.pid"
        browser = fake_browser(
            tmp_path, f"echo 'starting' >&2\nsleep 300 &\necho $! > {pid_file}\nwait\n"
        )
        with pytest.raises(BrowserFailedError) as raised:
            print_pdf("<p>x</p>", chromium=browser, timeout=2)
        assert "did not print the report as PDF within 2 s" in str(raised.value)
        assert str(raised.value).endswith("starting")
        helper = int(pid_file.read_text())
        assert not _alive(helper)


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (not a zombie) of this test's making."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- the command line -----------------------------------------------------------------------


class TestReportCommandFormats:
    def test_writes_the_formats_and_prints_their_paths(self, history: str, tmp_path: Path) -> None:
        from libops.cli import app

        out = tmp_path / "r"
        result = CliRunner().invoke(
            app, ["report", "--store", history, "--out", str(out), "--format", "docx"]
        )
        assert result.exit_code == 0, result.output
        assert f"docx      {out / 'report-en.docx'}" in result.stdout
        assert "markdown" not in result.stdout
        assert listing(out) == ["report-en.docx"]

    def test_json_with_pdf_and_docx(self, history: str, tmp_path: Path) -> None:
        from libops.cli import app

        browser = browser_or_skip()
        out = tmp_path / "r"
        result = CliRunner().invoke(
            app,
            [
                "report",
                "--store",
                history,
                "--out",
                str(out),
                "--lang",
                "zh",
                "--format",
                "pdf",
                "--format",
                "docx,md",
                "--json",
            ],
            env={CHROMIUM_VAR: browser},
        )
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert payload["formats"] == ["md", "pdf", "docx"]
        assert payload["html"] is None
        assert Path(payload["pdf"]).read_bytes().startswith(b"%PDF")
        assert zipfile.is_zipfile(payload["docx"])
        assert Path(payload["markdown"]).is_file()
        assert len(payload["charts"]) == len(CHART_NAMES)

    def test_an_unknown_format(self, history: str, tmp_path: Path) -> None:
        from libops.cli import EXIT_USAGE, app

        out = tmp_path / "r"
        result = CliRunner().invoke(
            app, ["report", "--store", history, "--out", str(out), "--format", "md,odt"]
        )
        assert result.exit_code == EXIT_USAGE
        assert result.output.strip().splitlines() == [
            "error: unknown report format 'odt': choose from md, html, pdf, docx"
        ]
        assert not out.exists()

    def test_no_browser_exits_with_3(self, history: str, tmp_path: Path) -> None:
        from libops.cli import app
        from libops.cli.report_command import EXIT_NO_FONT

        out = tmp_path / "r"
        result = CliRunner().invoke(
            app,
            ["report", "--store", history, "--out", str(out), "--format", "pdf"],
            env={CHROMIUM_VAR: str(tmp_path / "none")},
        )
        assert result.exit_code == EXIT_NO_FONT, result.output
        assert "not an executable Chromium" in result.output
        assert not out.exists()
