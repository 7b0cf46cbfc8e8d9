"""``libops report``: write the evaluation report from a store."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE, parse_store_url
from libops.bootstrap import LibOps
from libops.cli.common import EXIT_USAGE, StoreOption, _report, reporting_errors, stdout
from libops.wording import plural

EXIT_NO_FONT: Final = 3
"""Exit code of ``libops report --lang zh`` when no CJK font is installed for the charts,
and of ``libops report --format pdf`` when no headless Chromium is found."""


def _report_day(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option as a date, or a usage error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        _report(f"{option} must be a day as YYYY-MM-DD, not {value!r}")
        raise typer.Exit(EXIT_USAGE) from None


def report(
    store: StoreOption = DEFAULT_STORE,
    campaign: Annotated[
        str | None,
        typer.Option(
            "--campaign",
            help="Report on this campaign only: its id, as `libops campaigns` lists them.",
        ),
    ] = None,
    first: Annotated[
        str | None,
        typer.Option("--from", help="First day of the period (YYYY-MM-DD, Asia/Shanghai)."),
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: zh or en.")] = "en",
    library: Annotated[
        str | None, typer.Option("--library", help="The library's name, for the title.")
    ] = None,
    people_file: Annotated[
        Path | None,
        typer.Option(
            "--people",
            metavar="FILE",
            help="The team's names and roles (JSON or CSV: id, name, roles), shown for the "
            "people's ids.",
        ),
    ] = None,
    index_weights: Annotated[
        str | None,
        typer.Option(
            "--index-weights",
            metavar="WEIGHTS",
            help="Weights of the cross-platform index, e.g. wechat=40,weibo=20,douyin=20 "
            "(default: wechat=40,weibo=25,douyin=20).",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the report into.")] = Path(
        "libops-report"
    ),
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="What to write: md, html, pdf, docx; repeat it or give a comma list "
            "(default: md and html). pdf needs headless Chromium (or LIBOPS_CHROMIUM).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the files and headline figures as JSON.")
    ] = False,
) -> None:
    """Write the evaluation report (Markdown with its charts and self-contained HTML by
    default; PDF and Word with --format).

    Background, goals, execution, results against goals, engagement by
    platform, content type and week, cadence, interactions, budget and
    cost-effectiveness, risks, problems and how they were solved, the overall
    judgement, and recommendations derived from the data. The projections are
    caught up first; nothing is recorded. Bad options exit with 2 and write
    nothing; --lang zh without a CJK font, or --format pdf without Chromium,
    exits with 3 and says what to install.
    """
    from libops.analysis import index_weights as checked_weights
    from libops.domain.errors import InvalidValueError, UnknownIdError
    from libops.domain.values import Period
    from libops.report import (
        DEFAULT_FORMATS,
        LANGUAGES,
        BrowserNotFoundError,
        MissingCjkFontError,
        UnknownReportFormatError,
        check_formats,
        load_people,
        write_report,
    )

    if lang not in LANGUAGES:
        _report(f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}")
        raise typer.Exit(EXIT_USAGE)
    try:
        wanted = check_formats(DEFAULT_FORMATS if not formats else ",".join(formats))
    except UnknownReportFormatError as error:
        _report(str(error))
        raise typer.Exit(EXIT_USAGE) from None
    try:
        people = load_people(people_file) if people_file is not None else ()
        weights = _weights(index_weights)
        if weights is not None:
            checked_weights(weights)
    except InvalidValueError as error:
        _report(str(error))
        raise typer.Exit(EXIT_USAGE) from None
    start, end = _report_day(first, "--from"), _report_day(last, "--to")
    if (start is None) != (end is None):
        _report("give both --from and --to, or neither")
        raise typer.Exit(EXIT_USAGE)
    period = None
    if start is not None and end is not None:
        if start > end:
            _report(f"--from ({start}) is after --to ({end})")
            raise typer.Exit(EXIT_USAGE)
        period = Period(start, end)
    with reporting_errors(store):
        config = parse_store_url(store)
        with LibOps.open(store) as ops:
            try:
                files = write_report(
                    ops,
                    out,
                    lang=lang,
                    campaign_id=campaign,
                    period=period,
                    formats=wanted,
                    library=library,
                    people=people,
                    index_weights=weights,
                )
            except (MissingCjkFontError, BrowserNotFoundError) as error:
                _report(str(error))
                raise typer.Exit(EXIT_NO_FONT) from None
            except (UnknownIdError, InvalidValueError) as error:
                _report(str(error))
                raise typer.Exit(EXIT_USAGE) from None
    headline = files.report.headline()
    written = files.paths()
    if as_json:
        print(
            json.dumps(
                {
                    "store": config.redacted_url,
                    "lang": lang,
                    "formats": list(written),
                    "markdown": _path_or_none(files.markdown),
                    "html": _path_or_none(files.html),
                    "pdf": _path_or_none(files.pdf),
                    "docx": _path_or_none(files.docx),
                    "charts": [str(path) for path in files.charts],
                    "headline": headline,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
        return
    output = stdout()
    output.print(Text("libops report", style="bold"))
    labels = {"md": "markdown", "html": "html", "pdf": "pdf", "docx": "docx"}
    listed = [(labels[name], path) for name, path in written.items()]
    if files.charts:
        listed.append(("charts", files.charts[0].parent))
    for label, path in listed:
        output.print(Text.assemble((f"{label:<10}", "bold"), str(path)))
    judged = files.report.judgement
    rate = "n/a" if judged.engagement_rate is None else f"{judged.engagement_rate * 100:.2f}%"
    output.print(
        f"{plural(judged.posts, 'post variant')}, {plural(judged.engagements, 'engagement')} "
        f"(rate {rate}); "
        f"objectives met {judged.objectives_met} of {judged.objectives_total}; "
        f"open risks {judged.open_risks}"
    )


def _weights(given: str | None) -> dict[str, Decimal] | None:
    """``--index-weights wechat=40,weibo=25``: platform and weight pairs (checked later by
    :func:`libops.analysis.index_weights`), or a usage error naming the bad part."""
    if given is None:
        return None
    from libops.domain.errors import IndexWeightsError

    weights: dict[str, Decimal] = {}
    for part in given.split(","):
        platform, sep, weight = part.partition("=")
        if not sep or not platform.strip() or not weight.strip():
            raise IndexWeightsError(
                f"--index-weights takes platform=weight pairs separated by commas "
                f"(e.g. wechat=40,weibo=25,douyin=20), not {part.strip()!r}"
            )
        if platform.strip() in weights:
            raise IndexWeightsError(f"--index-weights names {platform.strip()!r} twice")
        try:
            value = Decimal(weight.strip())
        except InvalidOperation:
            raise IndexWeightsError(
                f"--index-weights: the weight of {platform.strip()} must be a number, not "
                f"{weight.strip()!r}"
            ) from None
        weights[platform.strip()] = value
    return weights


def _path_or_none(path: Path | None) -> str | None:
    return None if path is None else str(path)
