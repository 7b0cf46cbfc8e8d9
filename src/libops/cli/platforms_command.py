"""``libops platforms``: the registered platform profiles (shipped, and from entry points)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from libops.adapters.platforms import load_entry_point_platforms
from libops.cli.common import print_json, stdout
from libops.domain.platforms import REGISTRY, PlatformProfile


def _limits(profile: PlatformProfile) -> str:
    limits = profile.limits
    if limits is None:
        return "-"
    text = f"{limits.max_text_length:,} chars, {limits.max_media} media"
    if limits.requires_media:
        text += ", media required"
    if not limits.allows_links:
        text += ", no links"
    return text


def platforms(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the profiles as JSON (docs/platforms.md).")
    ] = False,
) -> None:
    """List the platforms and channels libops knows: shipped ones and those registered by
    entry points in the libops.platforms group, with their names, limits and own metrics."""
    load_entry_point_platforms()
    profiles = list(REGISTRY)
    if as_json:
        print_json([p.to_data() for p in profiles])
        return
    table = Table("id", "名称", "name", "publishes", "limits", "rate over", "own metrics", box=None)
    for profile in profiles:
        metrics = ", ".join(f"{m.id} ({m.name_zh}, {m.kind.value})" for m in profile.metrics)
        table.add_row(
            profile.id,
            profile.name_zh,
            profile.name_en,
            "yes" if profile.publishes else "no (own channel)",
            _limits(profile),
            profile.denominator if profile.publishes else "-",
            metrics or "-",
        )
    stdout().print(table)
