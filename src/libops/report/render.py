"""The evaluation report for people: Markdown, or one self-contained HTML file, in English or
Chinese, with charts drawn by matplotlib.

Both formats are rendered from one list of blocks (headings, paragraphs, tables, charts,
lists: :mod:`libops.report.blocks`), so they carry the same figures in the same order. Every
heading, label and sentence comes from one catalogue per language
(:mod:`libops.report.strings_en`, :mod:`libops.report.strings_zh`; together :data:`STRINGS`);
numbers are formatted the same way in both languages (:mod:`libops.report.words`). Charts
are PNG images (:mod:`libops.report.charts`: Agg backend, fixed metadata, so the same report
gives the same bytes); the HTML embeds them as base64 ``data:`` URIs, the Markdown links them
as files written beside it (:func:`libops.report.write_report`).

Chinese labels need a CJK font that matplotlib can find (Debian: ``fonts-wqy-microhei`` or
``fonts-noto-cjk``); without one, rendering in Chinese raises :class:`MissingCjkFontError`
rather than drawing empty boxes.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Final

from libops.report.blocks import SECTIONS, Chart, Heading, Paragraph, Table, blocks, title_text
from libops.report.charts import (
    CHART_NAMES,
    CJK_FAMILIES,
    CJK_FONT_PACKAGE,
    MissingCjkFontError,
    cjk_font,
    render_charts,
)
from libops.report.sections import Report
from libops.report.words import (
    LABELS,
    NONE,
    STRINGS,
    count,
    language,
    minutes,
    money,
    number,
    percent,
    points,
)

__all__ = [
    "CHART_NAMES",
    "CJK_FAMILIES",
    "CJK_FONT_PACKAGE",
    "LABELS",
    "NONE",
    "SECTIONS",
    "STRINGS",
    "MissingCjkFontError",
    "cjk_font",
    "count",
    "md_text",
    "minutes",
    "money",
    "number",
    "percent",
    "points",
    "render_charts",
    "render_html",
    "render_markdown",
]


# Characters that start Markdown or HTML constructs anywhere in a line: each is written so
# that it shows as itself. Digits, dots and hyphens are left alone, so figures read plainly.
_MD_INLINE: Final = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "~": "\\~",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)
# What makes a block of a line's start: a heading, a list item, a quote, a numbered item.
_MD_LINE_START: Final = re.compile(r"^(\s*)(#{1,6}|[+-]|\d{1,9}[.)])(?=\s|$)")


def md_text(text: str, *, starts_line: bool = False) -> str:
    """``text`` (a campaign's name, say) as Markdown that renders as exactly that text.

    Markup characters are escaped, HTML is written as entities (``<script>`` shows, never
    runs) and line breaks become spaces (no new block can start). With ``starts_line`` (a
    paragraph), a heading, list or numbered-item marker at the start is escaped too. So
    user text can break neither a table row nor the document around it.
    """
    flat = " ".join(text.replace("\r", "\n").split("\n")).translate(_MD_INLINE)
    return _MD_LINE_START.sub(_escape_marker, flat) if starts_line else flat


def _escape_marker(found: re.Match[str]) -> str:
    space, marker = found[1], found[2]
    if marker[0].isdigit():  # "1." -> "1\.": the delimiter is what is escaped
        return f"{space}{marker[:-1]}\\{marker[-1]}"
    return f"{space}\\{marker}"


def _md_cell(text: str) -> str:
    return md_text(text)


def render_markdown(report: Report, *, lang: str | None = None, chart_dir: str = "charts") -> str:
    """The report as Markdown; charts are linked as ``<chart_dir>/<name>.png``."""
    words = language(report, lang)
    lines: list[str] = []
    for block in blocks(report, words):
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + md_text(block.text), ""]
        elif isinstance(block, Paragraph):
            lines += [md_text(block.text, starts_line=True), ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            lines.append("|" + "|".join("---:" if n else "---" for n in block.numeric) + "|")
            for row in block.rows:
                lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            lines.append("")
        elif isinstance(block, Chart):
            lines += [f"![{md_text(block.alt)}]({chart_dir}/{block.name}.png)", ""]
        else:
            lines += [f"- {md_text(item)}" for item in block.items] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


_CSS: Final = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",
system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{border-bottom:3px solid #2b6cb0;padding-bottom:.3rem}
h2{margin-top:2.2rem;border-bottom:1px solid #cbd2d9;padding-bottom:.2rem;color:#2b6cb0}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #d9e2ec;padding:.25rem .6rem;vertical-align:top}
th{background:#f0f4f8;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}
img{max-width:100%;height:auto;border:1px solid #e4e7eb}
li{margin:.3rem 0}
@page{size:A4;margin:18mm 16mm 20mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10.5pt;line-height:1.4;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1,h2,h3{break-after:avoid;page-break-after:avoid}
h2{margin-top:1.4rem}
table{width:100%;font-size:9pt}
thead{display:table-header-group}
tr,img,figure{break-inside:avoid;page-break-inside:avoid}
figure{margin:.6rem 0}
img{display:block;width:100%;max-height:230mm;object-fit:contain;border:0}
}
""".strip()


def render_html(
    report: Report, *, lang: str | None = None, charts: dict[str, bytes] | None = None
) -> str:
    """The report as one self-contained HTML page: inline CSS, charts as base64 PNG."""
    words = language(report, lang)
    images = render_charts(report, lang=words.lang) if charts is None else charts
    e = html.escape
    title = title_text(report, words)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if words.lang == "zh" else "en"}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
    ]
    for block in blocks(report, words):
        if isinstance(block, Heading):
            anchor = f' id="{e(block.anchor)}"' if block.anchor else ""
            parts.append(f"<h{block.level}{anchor}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append("<table><thead><tr>")
            parts += [f"<th>{e(h)}</th>" for h in block.header]
            parts.append("</tr></thead><tbody>")
            for row in block.rows:
                cells = "".join(
                    f'<td class="n">{e(c)}</td>' if n else f"<td>{e(c)}</td>"
                    for c, n in zip(row, block.numeric, strict=True)
                )
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</tbody></table>")
        elif isinstance(block, Chart):
            data = base64.b64encode(images[block.name]).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{e(block.alt)}" '
                f'data-chart="{block.name}"></figure>'
            )
        else:
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
