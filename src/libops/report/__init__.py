"""The evaluation report a library's team hands upstairs: built from the views, rendered as
Markdown, self-contained HTML, PDF and Word, in English or Chinese, with charts
(docs/report.md).

:func:`build_report` gives the figures (a frozen :class:`Report`); :func:`render_markdown`
and :func:`render_html` turn them into text, :func:`render_docx` into a Word document and
:func:`print_pdf` prints the HTML as PDF; :func:`write_report` builds and renders the formats
asked for and writes the files.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final
from uuid import UUID

import attrs

from libops.analysis import IndexWeights
from libops.domain.errors import InvalidValueError
from libops.domain.values import Actor, Period
from libops.report.model import LANGUAGES, Report, build_report, check_language
from libops.report.pdf import BrowserFailedError, BrowserNotFoundError, print_pdf
from libops.report.people import PeopleFileError, load_people
from libops.report.render import (
    CHART_NAMES,
    SECTIONS,
    MissingCjkFontError,
    render_charts,
    render_html,
    render_markdown,
)
from libops.report.word import document_date, render_docx

if TYPE_CHECKING:
    from libops.bootstrap import LibOps

__all__ = [
    "CHART_NAMES",
    "DEFAULT_FORMATS",
    "FORMATS",
    "LANGUAGES",
    "SECTIONS",
    "BrowserFailedError",
    "BrowserNotFoundError",
    "MissingCjkFontError",
    "PeopleFileError",
    "Report",
    "ReportDirectoryError",
    "ReportFiles",
    "UnknownReportFormatError",
    "build_report",
    "check_formats",
    "load_people",
    "print_pdf",
    "render_charts",
    "render_docx",
    "render_html",
    "render_markdown",
    "write_report",
]

FORMATS: Final = ("md", "html", "pdf", "docx")
"""The formats :func:`write_report` writes: Markdown (with its charts as PNG files beside
it), self-contained HTML, PDF (the HTML printed by headless Chromium) and Word."""

DEFAULT_FORMATS: Final = ("md", "html")
"""What :func:`write_report` and ``libops report`` write when no format is asked for."""


class ReportDirectoryError(InvalidValueError):
    """The report's directory cannot be created or written to."""


class UnknownReportFormatError(InvalidValueError):
    """A report format that is not one of :data:`FORMATS` (or no format at all)."""


@attrs.frozen
class ReportFiles:
    """Where a written report is, format by format (``None``: that format was not asked
    for), and its figures. ``charts`` are the PNG files the Markdown links (written with
    the Markdown only)."""

    markdown: Path | None
    html: Path | None
    charts: tuple[Path, ...]
    report: Report
    pdf: Path | None = None
    docx: Path | None = None

    def paths(self) -> dict[str, Path]:
        """The files written, by format (in the order of :data:`FORMATS`)."""
        found = {"md": self.markdown, "html": self.html, "pdf": self.pdf, "docx": self.docx}
        return {name: path for name, path in found.items() if path is not None}


def check_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """The formats asked for, checked, without repeats, in the order of :data:`FORMATS`.

    ``formats`` is an iterable of names (``("md", "pdf")``) or a comma list (``"md,pdf"``);
    names are trimmed and case-insensitive. An unknown name, or none at all, raises
    :class:`UnknownReportFormatError` naming the formats there are.
    """
    if isinstance(formats, str):
        items: list[object] = list(formats.split(","))
    else:
        try:
            items = list(formats)
        except TypeError:
            raise UnknownReportFormatError(
                f"report formats are names ({', '.join(FORMATS)}) or a comma list of them, "
                f"not {formats!r}"
            ) from None
    wanted: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise UnknownReportFormatError(
                f"a report format is a name ({', '.join(FORMATS)}), not {item!r}"
            )
        name = item.strip().lower()
        if name not in FORMATS:
            raise UnknownReportFormatError(
                f"unknown report format {item.strip()!r}: choose from {', '.join(FORMATS)}"
            )
        wanted.add(name)
    if not wanted:
        raise UnknownReportFormatError(
            f"no report format given: choose one or more of {', '.join(FORMATS)}"
        )
    return tuple(name for name in FORMATS if name in wanted)


def write_report(
    ops: LibOps,
    directory: str | os.PathLike[str],
    *,
    lang: str,
    campaign_id: UUID | str | None = None,
    period: Period | tuple[date, date] | None = None,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    chromium: str | os.PathLike[str] | None = None,
    library: str | None = None,
    people: Iterable[Actor] = (),
    index_weights: IndexWeights | None = None,
) -> ReportFiles:
    """Build the report and write it into ``directory`` in each of ``formats``:
    ``report-<lang>.md`` with its charts (``charts-<lang>/<name>.png``, linked from the
    Markdown), ``report-<lang>.html`` (charts embedded), ``report-<lang>.pdf`` (the HTML
    printed by headless Chromium: ``chromium``, else ``$LIBOPS_CHROMIUM``, else the one on
    the ``PATH``) and ``report-<lang>.docx``. ``library`` (the library's name, for the
    title), ``people`` (the team's actors, for their names and roles; :func:`load_people`
    reads them from a file) and ``index_weights`` (the cross-platform index's weights) are
    passed to :func:`build_report`.

    Everything is built and rendered before anything is written, so an unknown format, a
    bad campaign id, a bad period, an unknown language, a missing CJK font, a missing
    browser (:class:`BrowserNotFoundError`) or one that fails (:class:`BrowserFailedError`)
    writes nothing; a directory that cannot be created or written raises
    :class:`ReportDirectoryError` and writes nothing.
    """
    lang = check_language(lang)
    wanted = check_formats(formats)
    target = Path(directory)
    _check_directory(target)
    report = build_report(
        ops,
        campaign_id=campaign_id,
        period=period,
        lang=lang,
        library=library,
        people=people,
        index_weights=index_weights,
    )
    charts = render_charts(report, lang=lang)
    chart_dir = f"charts-{lang}"
    rendered: dict[str, bytes] = {}
    if "md" in wanted:
        rendered["md"] = render_markdown(report, lang=lang, chart_dir=chart_dir).encode()
    if "html" in wanted or "pdf" in wanted:
        page = render_html(report, lang=lang, charts=charts)
        if "html" in wanted:
            rendered["html"] = page.encode()
        if "pdf" in wanted:
            rendered["pdf"] = print_pdf(page, chromium=chromium, dated=document_date(report))
    if "docx" in wanted:
        rendered["docx"] = render_docx(report, lang=lang, charts=charts)
    written: dict[str, Path] = {}
    chart_paths: list[Path] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        if "md" in wanted:
            (target / chart_dir).mkdir(exist_ok=True)
            for name in CHART_NAMES:
                path = target / chart_dir / f"{name}.png"
                path.write_bytes(charts[name])
                chart_paths.append(path)
        for name, data in rendered.items():
            path = target / f"report-{lang}.{name}"
            _write_whole(path, data)
            written[name] = path
    except OSError as error:
        raise _unwritable(target, error.strerror or error) from None
    return ReportFiles(
        written.get("md"),
        written.get("html"),
        tuple(chart_paths),
        report,
        pdf=written.get("pdf"),
        docx=written.get("docx"),
    )


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``path`` (with the usual permissions), then move
    it into place, so nobody sees half a file (a PDF viewer with the old one open, say)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _unwritable(target: Path, reason: str | OSError) -> ReportDirectoryError:
    """The error for a report directory that cannot be created or written, and why."""
    return ReportDirectoryError(f"cannot write the report into {str(target)!r}: {reason}")


def _check_directory(target: Path) -> None:
    """Refuse a directory that cannot be written, before anything is built or written."""
    existing = target
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise _unwritable(target, f"{str(existing)!r} is not a directory")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise _unwritable(target, error.strerror or error) from None
