"""``libops demo``: simulate a library's quarter and say what happened."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Final

import attrs
import typer
from rich.progress import TaskID
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE
from libops.cli.common import (
    EXIT_STORE_ERROR,
    EXIT_USAGE,
    StoreOption,
    _report,
    reporting_errors,
    stderr,
    stdout,
)
from libops.demo.setting import LONGEST_QUARTER

DEMO_LANGUAGES: Final = ("zh", "en")
"""The languages ``libops demo --lang`` writes the report in."""


def demo(
    store: StoreOption = DEFAULT_STORE,
    seed: Annotated[int, typer.Option(help="Seed of the simulation; same seed, same run.")] = 2026,
    posts: Annotated[
        int, typer.Option(min=1, max=100_000, help="Posts per simulated quarter.")
    ] = 240,
    days: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=LONGEST_QUARTER,
            show_default=False,
            help="Simulate only the first DAYS days of each quarter (default: all of it).",
        ),
    ] = None,
    scale: Annotated[
        int,
        typer.Option(
            min=1,
            max=1_000,
            help="Calendar quarters to simulate one after another, from 2026 Q2 (3: 2026 "
            "Q2-Q4); each whole, 1 April to 30 June and so on (a load generator).",
        ),
    ] = 1,
    report_dir: Annotated[
        Path, typer.Option("--report-dir", help="Where to write the report.")
    ] = Path("libops-report"),
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Language of the report and of what the library records (campaign, budget "
            "and risk names): zh or en (en: names in both).",
        ),
    ] = "en",
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the report.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Simulate one library's quarter (2026 Q2) on sandbox platforms, report on it.

    Three campaigns (World Book Day on Weibo, WeChat and Douyin; a KOL collaboration; an
    e-resources promotion) with a few hundred posts through review, scheduling, publishing
    and daily metrics; Q&A, a reading session, a prize quiz with a verified draw,
    moderation, a budget, risks and an erasure request. Then the library's own WeChat
    back-office exports (shipped with libops) are imported, the projections caught up, risk
    signals dispatched and the report written. Deterministic from --seed: running it
    again on the same store records nothing new. A store holding another scenario (another
    --seed, --posts, --days or --lang) or other records is refused before anything is recorded:
    give another --store. --scale N simulates N calendar quarters one after another
    (--scale 3: three quarters, 2026 Q2-Q4, 1 April to 31 December), each whole.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from libops.demo import quarters_label, run_demo, summary_lines

    if lang not in DEMO_LANGUAGES:
        _report(f"unknown report language {lang!r}: choose one of {', '.join(DEMO_LANGUAGES)}")
        raise typer.Exit(EXIT_USAGE)
    labels = {
        "simulate": "simulating the quarter" if scale == 1 else f"simulating {scale} quarters",
        "import": "importing the WeChat exports",
        "projections": "running the projections",
    }
    with (
        reporting_errors(store),
        Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            TaskProgressColumn(),
            console=stderr(),
            transient=True,
            disable=as_json,
        ) as bar,
    ):
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = run_demo(
            store,
            seed=seed,
            posts=posts,
            days=days,
            scale=scale,
            project=True,
            report_dir=None if no_report else report_dir,
            lang=lang,
            progress=progress,
        )
    if as_json:
        payload = attrs.asdict(summary)
        payload["new_events"] = summary.new_events
        print(json.dumps(payload, ensure_ascii=False, sort_keys=True))
    else:
        out = stdout()
        title = f"libops demo: {quarters_label(scale)}, on sandbox platforms"
        out.print(Text(title, style="bold"))
        for line in summary_lines(summary):
            out.print(Text(line))  # plain text: brackets in names are not markup
        if summary.new_events == 0 and summary.events_before:
            out.print("(this seed's run was already in the store: nothing new was recorded)")
    if summary.report_note and summary.report_note.startswith("report not written"):
        _report(summary.report_note)  # the run is recorded; only its report is missing
        raise typer.Exit(EXIT_STORE_ERROR)
