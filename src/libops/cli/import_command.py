"""``libops import FILE``: load a platform's analytics export (docs/import.md).

``--dry-run`` shows what would be recorded (matched, new and refused rows) and records
nothing; without it, the rows are recorded in one atomic write, or nothing is if any row is
refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE
from libops.application.imports import BulkImportReport, ImportReport
from libops.bootstrap import LibOps
from libops.cli.common import StoreOption, operator, print_json, reporting_errors, stdout

_SHOWN = 200
"""Rows listed in the table (the totals count them all)."""


def import_export(
    file: Annotated[Path, typer.Argument(help="The export: .xls, .xlsx or .csv.")],
    store: StoreOption = DEFAULT_STORE,
    platform: Annotated[
        str | None,
        typer.Option("--platform", help="Read only this platform's layout (e.g. wechat)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be recorded; record nothing.")
    ] = False,
    matched_only: Annotated[
        bool,
        typer.Option("--matched-only", help="Skip rows that match no post (no posts are added)."),
    ] = False,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="A column mapping (TOML or JSON) for any other CSV."),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="The file's timezone (default: the library's)."),
    ] = None,
    by: Annotated[
        str, typer.Option("--by", help="Who imports it (an operations admin's id, recorded).")
    ] = "importer",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="Stream a large CSV of snapshots of known posts, recorded in batches "
            "(resumable; see docs/import.md).",
        ),
    ] = False,
) -> None:
    """Import a platform's analytics export: WeChat article totals, Douyin 作品列表, Meta
    post CSVs, or any CSV with --mapping. Rows match posts by URL or id, else by title and
    publish time; rows matching none are recorded as posts published outside libops."""
    with (
        reporting_errors(store),
        LibOps.open(store) as ops,
        Progress(transient=True, disable=as_json, console=stdout()) as progress,
    ):
        progress.add_task(f"reading {file.name}", total=None)
        options = {
            "platform": platform,
            "mapping": mapping,
            "matched_only": matched_only,
            "timezone": timezone,
        }
        if bulk:
            who = operator(by)
            done = (
                ops.imports.preview_bulk(file, **options)  # type: ignore[arg-type]
                if dry_run
                else ops.imports.run_bulk(who, file, **options)  # type: ignore[arg-type]
            )
        elif dry_run:
            report = ops.imports.preview(file, **options)  # type: ignore[arg-type]
        else:
            actor = operator(by)
            report = ops.imports.run(actor, file, **options)  # type: ignore[arg-type]
    if bulk:
        _print_bulk(done, as_json)
        return
    if as_json:
        print_json(report.as_dict())
        return
    _print(report)


def _print_bulk(report: BulkImportReport, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    verb = "recorded" if report.done else "would record (dry run, nothing recorded)"
    resumed = f", resumed after row {report.resumed_after}" if report.resumed_after else ""
    stdout().print(
        f"{report.file}: {report.rows} rows checked{resumed}; {verb}: {report.recorded} "
        f"snapshots, {report.corrected} corrections in {report.batches} batches; "
        f"{report.unchanged} unchanged, {report.skipped} skipped"
    )


def _print(report: ImportReport) -> None:
    out = stdout()
    table = Table("row", "platform", "title", "action", "metrics", "post / reason", box=None)
    for line in report.lines[:_SHOWN]:
        detail = line.reason or ("" if line.post_id is None else str(line.post_id))
        table.add_row(
            str(line.row),
            line.platform,
            Text(line.title or "-"),
            line.action,
            line.metrics or "-",
            Text(detail),
        )
    out.print(table)
    if len(report.lines) > _SHOWN:
        out.print(f"... and {len(report.lines) - _SHOWN} more rows")
    verb = "recorded" if report.recorded else "would record (dry run, nothing recorded)"
    out.print(
        f"{report.file}: {report.count('matched')} matched, {report.count('new')} new, "
        f"{report.count('refused')} refused, {report.count('skipped')} skipped; "
        f"{verb}: {report.changes} row(s)"
    )
