"""The demo library's own WeChat back-office exports, shipped with libops, and importing them.

The demo's library ran its WeChat Official Account before it used libops, and publishes a few
articles by hand still. After its simulated quarter the demo imports what its staff would
download from the WeChat back office (docs/import.md), the files under ``exports/`` beside
this module (made by ``tools/make_demo_export.py``, deterministically):

- :data:`USER_GROWTH`: 用户分析 → 用户增长, an HTML table named ``.xls``: the account's new,
  lost, net and total followers for every day of 2026 H1 (1 January to 30 June). Account
  figures are true of any scenario, so every run of the demo imports them.
- :data:`ARTICLE_TOTALS`: 内容分析, per-article totals (a BIFF8 ``.xls``) of the articles
  published from 1 January to 30 June 2026: the default scenario's WeChat posts (their titles,
  days and URLs, with the totals read later than libops's last collection, so they match), a
  few articles published by hand in the quarter, and the articles of 2026 Q1, before libops.
  Only the default scenario (:data:`EXPORT_SCENARIO`) published those posts: another
  scenario's store would take them for posts published outside libops, so it skips the file
  and says so.

Importing is :meth:`libops.application.imports.ImportService.run`, as ``libops import`` does:
a rerun of the demo imports the same files again and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Final

import attrs

from libops.application.imports import ImportReport
from libops.bootstrap import LibOps
from libops.demo.setting import BEIJING, DEFAULT_POSTS, TEAM
from libops.domain.values import Platform
from libops.wording import plural

USER_GROWTH: Final = "wechat_user_growth_2026H1.xls"
"""The account's daily follower figures, 2026-01-01 to 2026-06-30 (HTML named .xls)."""

ARTICLE_TOTALS: Final = "wechat_article_total_2026H1.xls"
"""Per-article totals of the articles published from 2026-01-01 to 2026-06-30 (BIFF8)."""

EXPORT_SCENARIO: Final = (2026, DEFAULT_POSTS, None)
"""The scenario (seed, posts, days) whose WeChat posts :data:`ARTICLE_TOTALS` holds: the
default ``libops demo`` (any ``--scale`` or ``--lang``: neither changes the first quarter's
posts)."""


@attrs.frozen
class ImportSummary:
    """What the demo did with one of its shipped exports (the counts of ``libops import``)."""

    file: str
    imported: bool
    matched: int = 0
    """Rows matched to a post published through libops."""
    new: int = 0
    """Rows recorded as posts published outside libops."""
    follower_days: int = 0
    changes: int = 0
    """Rows that recorded something (0 on a rerun)."""
    first_day: str | None = None
    last_day: str | None = None
    note: str | None = None
    """Why the file was not imported."""
    outside_in_period: int = 0
    """Posts of the file published outside libops within the simulated days (by hand): the
    report counts them among the period's post variants."""


def export_path(name: str) -> Path:
    """Where the shipped export ``name`` is (package data of :mod:`libops.demo`)."""
    return Path(str(resources.files("libops.demo").joinpath("exports", name)))


def import_exports(
    ops: LibOps,
    seed: int,
    posts: int,
    days: int | None,
    span: tuple[date, date],
    progress: Callable[[str, int, int], None] | None = None,
) -> list[ImportSummary]:
    """Import the demo's shipped WeChat exports into ``ops`` as its operations admin.

    The user-growth file always; the article totals only in :data:`EXPORT_SCENARIO` (see the
    module). Nothing is recorded twice: importing again records nothing. ``span`` is the
    simulated days (first, last), in which posts published by hand are counted.
    """
    admin = TEAM["admin"]
    done: list[ImportSummary] = []
    files = (USER_GROWTH, ARTICLE_TOTALS)
    for index, name in enumerate(files):
        if progress is not None:
            progress("import", index, len(files))
        if name == ARTICLE_TOTALS and (seed, posts, days) != EXPORT_SCENARIO:
            done.append(
                ImportSummary(
                    name,
                    imported=False,
                    note="its articles are the default scenario's (--seed 2026 --posts "
                    f"{DEFAULT_POSTS}, whole quarters): this run published others",
                )
            )
            continue
        done.append(_summary(ops, ops.imports.run(admin, export_path(name)), span))
    if progress is not None:
        progress("import", len(files), len(files))
    return done


def _summary(ops: LibOps, report: ImportReport, span: tuple[date, date]) -> ImportSummary:
    days = sorted(line.title or "" for line in report.lines if line.action == "account")
    outside = 0
    for line in report.lines:
        if line.post_id is None or line.action not in ("new", "matched"):
            continue
        post = ops.posts.get(line.post_id)
        receipt = post.receipt(Platform.WECHAT)
        if post.external and receipt is not None:
            outside += span[0] <= receipt.published_at.astimezone(BEIJING).date() <= span[1]
    return ImportSummary(
        report.file,
        imported=True,
        matched=report.count("matched"),
        new=report.count("new"),
        follower_days=len(days),
        changes=report.changes,
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
        outside_in_period=outside,
    )


def import_lines(imports: list[ImportSummary]) -> list[str]:
    """What the demo says it imported, a line per file."""
    lines = []
    for item in imports:
        if not item.imported:
            lines.append(f"  {item.file}: not imported ({item.note})")
            continue
        parts = []
        if item.matched or item.new:
            parts.append(
                f"{plural(item.matched, 'article')} matched to posts in the store, "
                f"{plural(item.new, 'new post')} recorded as published outside libops"
            )
        if item.follower_days:
            parts.append(
                f"{plural(item.follower_days, 'day')} of follower figures ({item.first_day} "
                f"to {item.last_day})"
            )
        again = "" if item.changes else " (already imported: nothing new recorded)"
        lines.append(f"  {item.file}: {'; '.join(parts) or 'no rows'}{again}")
    return lines
