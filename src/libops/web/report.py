"""The report screen's work (``/report``): read the form (a quarter, or a first and last day,
or neither for everything; a language; a format) and build the file to download with the
report package's renderers (:func:`~libops.report.build_report`; Markdown comes as a ZIP
with its charts, since it links them as files).

PDF is not offered here: it needs a headless Chromium run per download
(``libops report --format pdf`` writes one).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from datetime import date
from typing import Final

import attrs
from starlette.responses import Response

from libops.domain.errors import InvalidValueError, MalformedRequestError, PeriodError
from libops.domain.values import Period
from libops.web.base import Page, WebBase, tr

FORMATS: Final[Mapping[str, tuple[str, str]]] = {
    "html": ("text/html; charset=utf-8", "html"),
    "md": ("application/zip", "zip"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
}
"""Each downloadable format: its media type and its file's extension."""

LANGS: Final = ("en", "zh")
_QUARTER: Final = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)


@attrs.frozen
class Choice:
    """What the form asks for."""

    period: Period | None
    lang: str
    format: str

    @property
    def stem(self) -> str:
        """The downloaded file's name, without its extension."""
        if self.period is None:
            return f"libops-report-{self.lang}"
        return f"libops-report-{self.period.start}-{self.period.end}-{self.lang}"


def quarter(text: str) -> Period:
    """``2026-Q2`` (or ``2026Q2``) as the quarter's days; :class:`PeriodError` otherwise."""
    found = _QUARTER.fullmatch(text.strip())
    if found is None or not 1 <= int(found[1]) <= 9999:
        raise PeriodError(f"a quarter is written like 2026-Q2, not {text[:40]!r}")
    year, number = int(found[1]), int(found[2])
    start = date(year, 3 * number - 2, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return Period(start, date.fromordinal(end.toordinal() - 1))


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"the {field} day is written YYYY-MM-DD, not {text[:40]!r}") from None


def choice(form: Mapping[str, str]) -> Choice:
    """The form's choice, or a readable libops error naming what is wrong."""
    lang = form.get("lang", "en")
    if lang not in LANGS:
        raise MalformedRequestError("lang", f"lang is one of {', '.join(LANGS)}, not {lang!r}")
    kind = form.get("format", "html")
    if kind not in FORMATS:
        raise MalformedRequestError(
            "format", f"format is one of {', '.join(FORMATS)}, not {kind[:40]!r}"
        )
    named = form.get("quarter", "").strip()
    first, last = form.get("from", "").strip(), form.get("to", "").strip()
    if named and (first or last):
        raise PeriodError("choose a quarter or a first and last day, not both")
    if named:
        return Choice(quarter(named), lang, kind)
    if bool(first) != bool(last):
        raise PeriodError("give both the first and the last day, or neither")
    if first:
        return Choice(Period(_day(first, "first"), _day(last, "last")), lang, kind)
    return Choice(None, lang, kind)


def markdown_zip(markdown: str, charts: Mapping[str, bytes], stem: str) -> bytes:
    """The Markdown report and its charts (``charts/<name>.png``, as it links them) as a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/report.md", markdown)
        for name, png in sorted(charts.items()):
            archive.writestr(f"{stem}/charts/{name}.png", png)
    return buffer.getvalue()


class ReportScreen(WebBase):
    """The report's form (``/report``) and its download (``/report/download``)."""

    def report(self, page: Page) -> Response:
        """The report's form: a period (a quarter, or a first and last day), a language and a
        format. Reading the report needs no role beyond being signed in (as ``/v1/report``):
        it reads only, and the role table has no command for it."""
        return self.render(page, "report.html", form=page.request.query_params, error=None)

    def download_report(self, page: Page) -> Response:
        from libops.report import (
            MissingCjkFontError,
            build_report,
            render_charts,
            render_docx,
            render_html,
            render_markdown,
        )

        form = page.request.query_params
        try:
            chosen = choice(form)
            with self._report_lock:
                built = build_report(self.ops, period=chosen.period, lang=chosen.lang)
            if chosen.format == "html":
                data = render_html(built).encode("utf-8")
            else:
                charts = render_charts(built)
                if chosen.format == "md":
                    markdown = render_markdown(built)
                    data = markdown_zip(markdown, charts, chosen.stem)
                else:
                    data = render_docx(built, charts=charts)
        except (MissingCjkFontError, InvalidValueError, MalformedRequestError) as refused:
            error = tr(page, "error.refused", detail=str(refused))
            return self.render(page, "report.html", 422, form=form, error=error)
        media, extension = FORMATS[chosen.format]
        name = f"{chosen.stem}.{extension}"
        return Response(
            data,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
