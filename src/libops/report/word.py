"""The report as a Word document (``.docx``), the format Chinese offices exchange reports in.

Built with python-docx from the same blocks as the Markdown and the HTML
(:func:`libops.report.blocks.blocks`), one rule per kind of block, so every section comes
out without code of its own: the title as Word's *Title*, section headings as *Heading 1*,
sub-headings as *Heading 2* (so they make the navigation pane and a table of contents),
paragraphs, bulleted lists (*List Bullet*), tables (*Table Grid*, a bold shaded header row
repeated on every page, numeric columns right-aligned, rows never split across pages) and
the charts as pictures at the page's width (with their alternative text). The page is A4.

Fonts: every style names a Latin font and an East Asian one (``w:eastAsia`` in ``w:rFonts``),
so Chinese shows in the fonts Chinese offices have, in Word and in WPS: 宋体 (SimSun) for
the text, 黑体 (SimHei) for the headings, Calibri for Latin letters and figures. The
document's language is zh-CN or en-US.

The same report gives the same bytes: the core properties (title, author, dates) come from
the report, never the clock (created and modified are the report's last day, else
:data:`NO_DATE`: :func:`document_date`), and the package is zipped with fixed entry times.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any, Final

from libops.report.blocks import Chart, Heading, Paragraph, Table, blocks
from libops.report.charts import render_charts
from libops.report.words import language

if TYPE_CHECKING:
    from libops.report.sections import Report

__all__ = [
    "BODY_FONT",
    "EAST_ASIAN_BODY_FONT",
    "EAST_ASIAN_HEADING_FONT",
    "NO_DATE",
    "document_date",
    "render_docx",
]

BODY_FONT: Final = "Calibri"
"""The Latin font of the text and the headings."""
EAST_ASIAN_BODY_FONT: Final = "宋体"
"""The East Asian font of the text (SimSun), installed with every Chinese Windows and WPS."""
EAST_ASIAN_HEADING_FONT: Final = "黑体"
"""The East Asian font of the title and headings (SimHei)."""
NO_DATE: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""The documents' created and modified time when the report has no period."""

_PAGE_WIDTH_MM: Final = 210
_PAGE_HEIGHT_MM: Final = 297
_MARGIN_MM: Final = 20
_CHART_MAX_HEIGHT_MM: Final = 150
_HEADER_FILL: Final = "DCE6F0"
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)
_HEADING_STYLES: Final = ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4")
# What XML 1.0 cannot hold (a name recorded before libops refused control characters may).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_docx(
    report: Report, *, lang: str | None = None, charts: dict[str, bytes] | None = None
) -> bytes:
    """The report as a ``.docx`` document (bytes), in ``lang`` (else the report's language),
    with ``charts`` (PNG bytes by name, from :func:`~libops.report.charts.render_charts`;
    drawn here when not given)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    words = language(report, lang)
    images = render_charts(report, lang=words.lang) if charts is None else charts
    document: Any = docx.Document()
    _drop_thumbnail(document)
    _page(document, Mm)
    _fonts(document, words.lang)
    content = blocks(report, words)
    width = Mm(_PAGE_WIDTH_MM - 2 * _MARGIN_MM)
    for block in content:
        if isinstance(block, Heading):
            level = min(max(block.level - 1, 0), len(_HEADING_STYLES) - 1)
            document.add_paragraph(_text(block.text), style=_HEADING_STYLES[level])
        elif isinstance(block, Paragraph):
            document.add_paragraph(_text(block.text))
        elif isinstance(block, Table):
            _table(document, block, WD_ALIGN_PARAGRAPH.RIGHT)
        elif isinstance(block, Chart):
            _picture(document, images[block.name], block, width, Mm, WD_ALIGN_PARAGRAPH.CENTER)
        else:
            for item in block.items:
                document.add_paragraph(_text(item), style="List Bullet")
    title = next((b.text for b in content if isinstance(b, Heading)), words("title"))
    _properties(document, report, title, words.lang)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _text(text: str) -> str:
    """``text`` as one line of Word text, as the Markdown shows it: line breaks become
    spaces (no new paragraph or row can start) and what XML cannot hold becomes U+FFFD."""
    flat = " ".join(text.replace("\r", "\n").split("\n"))
    return _NOT_XML.sub("\ufffd", flat)


def _drop_thumbnail(document: Any) -> None:
    """python-docx's template carries a thumbnail of an empty page: leave it out."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    rels = document.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)


def _page(document: Any, mm: Any) -> None:
    for section in document.sections:
        section.page_width, section.page_height = mm(_PAGE_WIDTH_MM), mm(_PAGE_HEIGHT_MM)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, mm(_MARGIN_MM))


def _fonts(document: Any, lang: str) -> None:
    """Latin and East Asian fonts, and the language, on the defaults and every style used."""
    from docx.oxml.ns import qn

    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(run_defaults, BODY_FONT, EAST_ASIAN_BODY_FONT)
    language_tag = run_defaults.find(qn("w:lang"))
    language_tag.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-US")
    language_tag.set(qn("w:eastAsia"), "zh-CN")
    for name in ("Normal", "List Bullet", "Table Grid"):
        _set_fonts(styles[name].element.get_or_add_rPr(), BODY_FONT, EAST_ASIAN_BODY_FONT)
    for name in _HEADING_STYLES:
        _set_fonts(styles[name].element.get_or_add_rPr(), BODY_FONT, EAST_ASIAN_HEADING_FONT)


def _set_fonts(run_properties: Any, latin: str, east_asian: str) -> None:
    """Name the fonts outright: theme fonts (``w:*Theme``) would win over the names."""
    from docx.oxml.ns import qn

    fonts = run_properties.get_or_add_rFonts()
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute, font in (("ascii", latin), ("hAnsi", latin), ("cs", latin)):
        fonts.set(qn(f"w:{attribute}"), font)
    fonts.set(qn("w:eastAsia"), east_asian)


def _table(document: Any, block: Table, right: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = document.styles["Table Grid"]
    for index, (row, cells) in enumerate(zip(table.rows, (block.header, *block.rows), strict=True)):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if index == 0:
            properties.append(OxmlElement("w:tblHeader"))  # repeated on every page
        for cell, text, numeric in zip(row.cells, cells, block.numeric, strict=True):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(_text(text))
            if index == 0:
                run.bold = True
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:color"), "auto")
                shading.set(qn("w:fill"), _HEADER_FILL)
                cell._tc.get_or_add_tcPr().append(shading)
            if numeric:
                paragraph.alignment = right
    document.add_paragraph()  # a table followed straight by another would merge in Word


def _picture(document: Any, png: bytes, block: Chart, width: Any, mm: Any, centre: Any) -> None:
    """The chart at the page's width, or less when that would make it too tall."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as picture:
        pixels_wide, pixels_high = picture.size
    shown = min(int(width), int(mm(_CHART_MAX_HEIGHT_MM) * pixels_wide / pixels_high))
    paragraph = document.add_paragraph()
    paragraph.alignment = centre
    shape = paragraph.add_run().add_picture(io.BytesIO(png), width=shown)
    properties = shape._inline.docPr
    properties.set("name", block.name)
    properties.set("descr", _text(block.alt))


def document_date(report: Report) -> datetime:
    """The date a document of ``report`` carries (created, modified): the first moment of
    its last day (UTC), or :data:`NO_DATE` when it has no period. Never the clock."""
    period = report.background.period
    return NO_DATE if period is None else datetime.combine(period.end, time(), tzinfo=UTC)


def _properties(document: Any, report: Report, title: str, lang: str) -> None:
    moment = document_date(report)
    core = document.core_properties
    core.title = _text(title)
    core.subject = _text(title)
    core.author = "libops"
    core.last_modified_by = "libops"
    core.comments = ""
    core.keywords = ""
    core.category = ""
    core.revision = 1
    core.language = "zh-CN" if lang == "zh" else "en-US"
    core.created = moment
    core.modified = moment


def _fixed_zip(data: bytes) -> bytes:
    """The package re-zipped with fixed entry times, in the same order (same report, same
    bytes)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()
