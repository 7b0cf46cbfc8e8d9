"""``libops standing``: peer rankings, honours, typical cases and online service uses.

Each subcommand gives one standing command (see docs/standing.md) as ``--by`` (an
operations admin's id, recorded), with an optional ``--key`` (an idempotency key: giving
the same command again with it records nothing new).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from libops.adapters.storage import DEFAULT_STORE
from libops.application.standing import ranking_rows_from_csv
from libops.bootstrap import LibOps
from libops.cli.common import (
    KeyOption,
    StoreOption,
    operator,
    parse_day,
    print_json,
    reporting_errors,
    stdout,
)
from libops.domain.errors import InvalidValueError
from libops.domain.standing import OVERALL, ServiceCount, Standing
from libops.domain.values import Period

standing_app = typer.Typer(
    help="The account's standing: peer rankings, honours, typical cases, service uses.",
    no_args_is_help=True,
)
honour_app = typer.Typer(help="Honours the library received.", no_args_is_help=True)
case_app = typer.Typer(help="Typical cases (典型案例).", no_args_is_help=True)
standing_app.add_typer(honour_app, name="honour")
standing_app.add_typer(case_app, name="case")

ByOption = Annotated[
    str,
    typer.Option("--by", help="Who records it (an operations admin's id, recorded)."),
]
PeriodOption = Annotated[
    str, typer.Option("--period", help="The period, FIRST:LAST (YYYY-MM-DD:YYYY-MM-DD).")
]


def parse_period(text: str) -> Period:
    """``2026-04-01:2026-04-30`` as a :class:`Period`."""
    first, sep, last = text.partition(":")
    if not sep:
        raise InvalidValueError(f"--period is FIRST:LAST (2026-04-01:2026-04-30), not {text!r}")
    return Period(parse_day(first, "--period's first day"), parse_day(last, "--period's last day"))


def _counts(given: list[str]) -> list[ServiceCount]:
    counts = []
    for item in given:
        channel, sep, number = item.rpartition("=")
        if not sep or not number.strip().isdigit():
            raise InvalidValueError(f"--count is CHANNEL=USES (wechat=120), not {item!r}")
        counts.append(ServiceCount(channel, int(number.strip())))
    return counts


@standing_app.command("import-ranking")
def import_ranking(
    file: Annotated[Path, typer.Argument(help="The ranking table, CSV (UTF-8 or GB18030).")],
    period: PeriodOption,
    source: Annotated[str, typer.Option("--source", help="Who publishes the ranking.")],
    index: Annotated[str, typer.Option("--index", help="The index it ranks by.")],
    us: Annotated[str, typer.Option("--us", help="This library's name as the table writes it.")],
    platform: Annotated[
        str, typer.Option("--platform", help="The platform ranked, or 'overall'.")
    ] = OVERALL,
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Import a peer ranking table (columns 排名/rank, 名称/name, 指数/value) for a period.

    Importing the same table again (source, index, platform, period) replaces its rows. A
    malformed file is refused with its line and column, and nothing is recorded.
    """
    with reporting_errors(store):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise InvalidValueError(f"cannot read {file}: {error.strerror}") from None
        rows = ranking_rows_from_csv(data)
        chosen = parse_period(period)
        with LibOps.open(store) as ops:
            ranking_id = ops.standing.record_ranking(
                operator(by),
                source=source,
                period=chosen,
                index=index,
                rows=rows,
                us=us,
                platform=platform,
                idempotency_key=key,
            )
            ranking = ops.standing.get()
    assert ranking is not None
    ours = ranking.rankings[ranking_id].ours
    stdout().print(
        f"ranking {ranking_id}: {len(rows)} rows; {us} is ranked {ours.rank} of {len(rows)} "
        f"({ours.value})"
    )


@honour_app.command("add")
def honour_add(
    title: Annotated[str, typer.Option("--title", help="The honour's title.")],
    awarded_by: Annotated[str, typer.Option("--awarded-by", help="Who awarded it.")],
    awarded_on: Annotated[str, typer.Option("--date", help="The day it was awarded.")],
    note: Annotated[str, typer.Option("--note", help="A note (optional).")] = "",
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Record an honour; prints its id."""
    with reporting_errors(store):
        day = parse_day(awarded_on, "--date")
        with LibOps.open(store) as ops:
            honour_id = ops.standing.record_honour(
                operator(by),
                title=title,
                awarded_by=awarded_by,
                awarded_on=day,
                note=note,
                idempotency_key=key,
            )
    print(honour_id)


@honour_app.command("withdraw")
def honour_withdraw(
    honour_id: Annotated[str, typer.Argument(help="The honour's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")],
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Withdraw an honour (recorded in error, or revoked)."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.standing.withdraw_honour(operator(by), honour_id, reason, idempotency_key=key)
    stdout().print(f"honour {honour_id} withdrawn")


@case_app.command("mark")
def case_mark(
    subject_id: Annotated[str, typer.Argument(help="The post's (or campaign's) id.")],
    theme: Annotated[str, typer.Option("--theme", help="The case's theme.")],
    why: Annotated[str, typer.Option("--why", help="Why it is a typical case.")],
    campaign: Annotated[
        bool, typer.Option("--campaign", help="The id is a campaign's, not a post's.")
    ] = False,
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Mark a published post (or, with --campaign, a campaign) as a typical case."""
    kind = "campaign" if campaign else "post"
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.standing.mark_typical_case(
            operator(by), subject_id, theme=theme, why=why, subject_kind=kind, idempotency_key=key
        )
    stdout().print(f"{kind} {subject_id} marked as a typical case")


@case_app.command("unmark")
def case_unmark(
    subject_id: Annotated[str, typer.Argument(help="The post's or campaign's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is unmarked.")],
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Unmark a typical case."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.standing.unmark_typical_case(operator(by), subject_id, reason, idempotency_key=key)
    stdout().print(f"{subject_id} is no longer a typical case")


@standing_app.command("services")
def services(
    period: PeriodOption,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="reservation (入馆预约), renewal (续借), card_binding (证绑定), payment "
            "(缴费), or another kind in words.",
        ),
    ],
    count: Annotated[
        list[str], typer.Option("--count", help="CHANNEL=USES, once per platform or channel.")
    ],
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Record online service uses of one kind in a period (replaces an earlier record of
    the same period and kind)."""
    with reporting_errors(store):
        chosen, counts = parse_period(period), _counts(count)
        with LibOps.open(store) as ops:
            replaced = ops.standing.record_service_uses(
                operator(by), period=chosen, kind=kind, counts=counts, idempotency_key=key
            )
    total = sum(c.count for c in counts)
    stdout().print(
        f"{kind}, {period}: {total} uses recorded"
        + (" (replacing the earlier record)" if replaced else "")
    )


def standing_json(standing: Standing | None) -> dict[str, Any]:
    """Everything recorded of the standing, as plain JSON (Decimal values as text)."""
    if standing is None:
        return {"rankings": [], "honours": [], "cases": [], "services": []}
    return {
        "rankings": [
            {
                "id": r.ranking_id,
                "source": r.source,
                "index": r.index,
                "platform": r.platform,
                "period": [r.period.start.isoformat(), r.period.end.isoformat()],
                "us": r.us,
                "rank": r.ours.rank,
                "value": str(r.ours.value),
                "entrants": len(r.rows),
                "leader": r.leader.name,
                "leader_value": str(r.leader.value),
            }
            for r in standing.rankings.values()
        ],
        "honours": [
            {
                "id": h.honour_id,
                "title": h.title,
                "awarded_by": h.awarded_by,
                "awarded_on": h.awarded_on.isoformat(),
                "note": h.note,
                "withdrawn": h.withdrawn,
            }
            for h in standing.honours.values()
        ],
        "cases": [
            {
                "kind": c.subject_kind,
                "id": str(c.subject_id),
                "title": c.title,
                "theme": c.theme,
                "why": c.why,
            }
            for c in standing.cases.values()
        ],
        "services": [
            {
                "period": [s.period.start.isoformat(), s.period.end.isoformat()],
                "kind": s.kind,
                "counts": {c.channel: c.count for c in s.counts},
                "total": s.total,
            }
            for s in standing.services.values()
        ],
    }


@standing_app.command("list")
def standing_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """List the rankings, honours, typical cases and service uses recorded."""
    with reporting_errors(store), LibOps.open(store) as ops:
        document = standing_json(ops.standing.get())
    if as_json:
        print_json(document)
        return
    out = stdout()
    table = Table("period", "source", "index", "platform", "rank", "value", "leader", box=None)
    for r in document["rankings"]:
        table.add_row(
            " – ".join(r["period"]),
            r["source"],
            r["index"],
            r["platform"],
            f"{r['rank']} of {r['entrants']}",
            r["value"],
            f"{r['leader']} ({r['leader_value']})",
        )
    out.print(f"{len(document['rankings'])} rankings")
    out.print(table)
    table = Table("id", "awarded on", "title", "awarded by", "withdrawn", box=None)
    for h in document["honours"]:
        table.add_row(h["id"], h["awarded_on"], h["title"], h["awarded_by"], h["withdrawn"] or "")
    out.print(f"{len(document['honours'])} honours")
    out.print(table)
    table = Table("kind", "id", "title", "theme", box=None)
    for c in document["cases"]:
        table.add_row(c["kind"], c["id"], c["title"], c["theme"])
    out.print(f"{len(document['cases'])} typical cases")
    out.print(table)
    table = Table("period", "kind", "total", "by channel", box=None)
    for s in document["services"]:
        table.add_row(
            " – ".join(s["period"]),
            s["kind"],
            str(s["total"]),
            "; ".join(f"{c}={n}" for c, n in s["counts"].items()),
        )
    out.print(f"{len(document['services'])} service use records")
    out.print(table)
