"""The Markdown report shows user text as text: no HTML runs, no table row breaks.

The rendered Markdown is parsed with markdown-it (CommonMark with tables, as GitHub renders
it; rich depends on it) and the HTML it gives is checked.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from markdown_it import MarkdownIt

from libops import LibOps
from libops.domain.values import Period, limits_unchecked
from libops.report import build_report
from libops.report.render import md_text, render_markdown
from tests import actors

HOSTILE = [
    "<script>alert(1)</script>",
    "Spring | Summer",
    "*bold* and _italic_ and `code` and ~~gone~~",
    "first line\n# a heading\n- a list item\n\n| a | table |",
    "[click](https://example.invalid) ![img](x.png)",
    "R&D &lt;b&gt; \\ backslash",
    "1. numbered",
    "<img src=x onerror=alert(1)>",
]


def to_html(markdown: str) -> str:
    html: str = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)
    return html


def visible_text(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


class TestMdText:
    @pytest.mark.parametrize("text", HOSTILE)
    def test_renders_as_exactly_the_text(self, text: str) -> None:
        """Each hostile text renders as one paragraph showing the text itself (lines joined)."""
        html = to_html(md_text(text, starts_line=True))
        assert html.startswith("<p>")
        assert html.count("<p>") == 1
        for tag in ("<script", "<img", "<em", "<strong", "<code", "<a ", "<h1", "<li", "<s>"):
            assert tag not in html
        expected = " ".join(text.split("\n"))
        assert visible_text(html).strip() == expected.strip()

    def test_figures_are_left_as_they_are(self) -> None:
        """Numbers, dates and percentages read plainly (nothing escaped in them)."""
        assert md_text("3.5% of 1,234 on 2026-04-23") == "3.5% of 1,234 on 2026-04-23"


class TestTheReport:
    @pytest.mark.parametrize("name", HOSTILE)
    def test_a_hostile_campaign_name(self, name: str) -> None:
        """A campaign's name with HTML, markup, pipes or newlines neither runs nor breaks rows."""
        with LibOps.open("memory://") as ops:
            # Names are one line now, but a store recorded before may hold any: record it
            # as such a store holds it.
            with limits_unchecked():
                ops.campaigns.plan(
                    actors.PLANNER,
                    name=name,
                    kind="topic",
                    period=Period(date(2026, 4, 1), date(2026, 6, 30)),
                )
            report = build_report(ops, period=Period(date(2026, 1, 1), date(2026, 12, 31)))
        markdown = render_markdown(report)
        html = to_html(markdown)
        assert "<script" not in html
        assert all(src.startswith("charts/") for src in re.findall(r'<img src="([^"]*)"', html))
        assert re.search(r"<[^>]*onerror", html) is None
        assert re.search(r'<a href="https://example', html) is None
        flat = " ".join(name.split("\n"))
        cells: list[Any] = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
        assert any(visible_text(cell) == flat for cell in cells)
        # Every table row has as many cells as its header.
        for table in re.findall(r"<table>(.*?)</table>", html, flags=re.S):
            header = len(re.findall(r"<th[ >]", table))
            for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]:
                assert len(re.findall(r"<td[ >]", row)) == header
