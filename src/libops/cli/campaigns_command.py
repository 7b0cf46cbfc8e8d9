"""``libops campaigns``: the campaigns of a store, with the ids ``libops report --campaign``
takes."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE
from libops.bootstrap import LibOps
from libops.cli.common import StoreOption, print_json, reporting_errors, stdout
from libops.domain.campaign import Campaign, CampaignStatus


def campaign_row(campaign: Campaign) -> dict[str, Any]:
    """One campaign as ``libops campaigns --json`` prints it."""
    return {
        "id": str(campaign.id),
        "name": campaign.name,
        "kind": campaign.kind.value,
        "status": campaign.status.value,
        "start": campaign.period.start.isoformat(),
        "end": campaign.period.end.isoformat(),
        "platforms": [platform.value for platform in campaign.platforms],
    }


def campaigns(
    store: StoreOption = DEFAULT_STORE,
    status: Annotated[
        CampaignStatus | None,
        typer.Option(
            "--status",
            "--state",
            metavar="STATE",
            help=(
                "List only the campaigns in this state: planned, active, paused, "
                "completed or cancelled."
            ),
            case_sensitive=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the campaigns as a JSON list.")
    ] = False,
) -> None:
    """List the campaigns: id, name, period, kind, state and platforms.

    Ordered by first day, then name. The id is what `libops report --campaign` takes
    (campaigns may share a name). Nothing is recorded; the projections are not run.
    """
    with reporting_errors(store), LibOps.open(store) as ops:
        found = ops.campaigns.list(status)
    rows = [campaign_row(campaign) for campaign in found]
    if as_json:
        print_json(rows)
        return
    out = stdout()
    if not rows:
        out.print("no campaigns" if status is None else f"no campaigns {status.value}")
        return
    # A block per campaign rather than a table: an id, a period and a bilingual name do
    # not fit side by side in 80 columns.
    for number, row in enumerate(rows):
        if number:
            out.print()
        platforms = ", ".join(row["platforms"]) or "none"
        # As Text: a name with [brackets] is printed as it is, not read as rich markup.
        out.print(
            Text.assemble(
                (row["id"], "bold"), f"  {row['start']} – {row['end']}  ", (row["status"], "bold")
            )
        )
        out.print(Text(f"  {row['name']}"))
        out.print(Text(f"  kind {row['kind']}; platforms {platforms}"))
