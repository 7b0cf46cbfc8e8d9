"""The evaluation report a library's team hands upstairs: built from the views, rendered as
Markdown and self-contained HTML, in English or Chinese, with charts (docs/report.md).

:func:`build_report` gives the figures (a frozen :class:`Report`); :func:`render_markdown`
and :func:`render_html` turn them into text; :func:`write_report` does all three and writes
the files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from libops.domain.errors import InvalidValueError
from libops.domain.values import Actor, Period
from libops.report.model import LANGUAGES, Report, build_report, check_language
from libops.report.render import (
    CHART_NAMES,
    SECTIONS,
    MissingCjkFontError,
    render_charts,
    render_html,
    render_markdown,
)

if TYPE_CHECKING:
    from libops.bootstrap import LibOps

__all__ = [
    "CHART_NAMES",
    "LANGUAGES",
    "SECTIONS",
    "MissingCjkFontError",
    "Report",
    "ReportDirectoryError",
    "ReportFiles",
    "build_report",
    "render_charts",
    "render_html",
    "render_markdown",
    "write_report",
]


class ReportDirectoryError(InvalidValueError):
    """The report's directory cannot be created or written to."""


@attrs.frozen
class ReportFiles:
    """Where a written report is: its Markdown, its HTML and its charts, and its figures."""

    markdown: Path
    html: Path
    charts: tuple[Path, ...]
    report: Report


def write_report(
    ops: LibOps,
    directory: str | os.PathLike[str],
    *,
    lang: str,
    campaign_id: UUID | str | None = None,
    period: Period | tuple[date, date] | None = None,
    library: str | None = None,
    people: Iterable[Actor] = (),
) -> ReportFiles:
    """Build the report and write ``report-<lang>.md``, ``report-<lang>.html`` and the
    charts (``charts-<lang>/<name>.png``, linked from the Markdown) into ``directory``.

    Everything is built and rendered before anything is written, so a bad campaign id, a
    bad period, an unknown language or a missing CJK font writes nothing; a directory that
    cannot be created or written raises :class:`ReportDirectoryError` and writes nothing.
    ``library`` (the library's name, for the title) and ``people`` (the team's actors, for
    their names and roles) are passed to :func:`build_report`.
    """
    lang = check_language(lang)
    target = Path(directory)
    _check_directory(target)
    report = build_report(
        ops, campaign_id=campaign_id, period=period, lang=lang, library=library, people=people
    )
    charts = render_charts(report, lang=lang)
    chart_dir = f"charts-{lang}"
    markdown = render_markdown(report, lang=lang, chart_dir=chart_dir)
    page = render_html(report, lang=lang, charts=charts)
    try:
        target.mkdir(parents=True, exist_ok=True)
        (target / chart_dir).mkdir(exist_ok=True)
        chart_paths = []
        for name in CHART_NAMES:
            path = target / chart_dir / f"{name}.png"
            path.write_bytes(charts[name])
            chart_paths.append(path)
        md_path = target / f"report-{lang}.md"
        md_path.write_text(markdown, encoding="utf-8")
        html_path = target / f"report-{lang}.html"
        html_path.write_text(page, encoding="utf-8")
    except OSError as error:
        raise ReportDirectoryError(
            f"cannot write the report into {str(target)!r}: {error.strerror or error}"
        ) from None
    return ReportFiles(md_path, html_path, tuple(chart_paths), report)


def _check_directory(target: Path) -> None:
    """Refuse a directory that cannot be written, before anything is built or written."""
    existing = target
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ReportDirectoryError(
            f"cannot write the report into {str(target)!r}: {str(existing)!r} is not a directory"
        )
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise ReportDirectoryError(
            f"cannot write the report into {str(target)!r}: {error.strerror or error}"
        ) from None
