"""``libops publish due|handoff|record`` and ``libops metrics collect``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.text import Text

from libops.adapters.clock import SystemClock
from libops.adapters.storage import DEFAULT_STORE, parse_store_url
from libops.bootstrap import LibOps
from libops.cli.common import StoreOption, reporting_errors, stderr, stdout
from libops.domain.errors import InvalidValueError
from libops.domain.ports import PlatformGateway
from libops.domain.values import Actor, Role
from libops.tick import SCHEDULER_ACTOR, gateway_specs, open_gateway

publish_app = typer.Typer(
    help="Publish what is due, or hand a post to staff to publish by hand and record it.",
    no_args_is_help=True,
)
metrics_app = typer.Typer(help="Collect the metrics of published posts.", no_args_is_help=True)

GatewayOption = Annotated[
    list[str] | None,
    typer.Option(
        "--gateway",
        help=(
            "A platform's gateway, PLATFORM=URL (repeat for several): sandbox:// or "
            "sandbox:///path/state.json for any platform; https://host for a platform with "
            "an HTTP adapter (mastodon, bluesky), its credentials set with `libops "
            "credentials set` (http:// only for a server on this machine). Default: "
            "$LIBOPS_GATEWAYS."
        ),
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
PlatformOption = Annotated[str, typer.Option("--platform", help="The platform (weibo, wechat...).")]
ByOption = Annotated[
    str, typer.Option("--by", help="Who does it (an operations admin's id, recorded).")
]
ByOrSchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="An operations admin's id to act as (default: the scheduler, libops-scheduler).",
    ),
]


def _admin(by: str) -> Actor:
    return Actor(by, [Role.OPERATIONS_ADMIN])


def gateways_from(specs: Sequence[str] | None, store: str | None = None) -> list[PlatformGateway]:
    """The gateways ``--gateway`` (else $LIBOPS_GATEWAYS) names, checked before the store
    opens: a wrong one, or one whose credentials are not stored, is a usage error (exit code
    2), not a store error. HTTP gateways read their credentials from the environment
    (``LIBOPS_CRED_<ACCOUNT>_<NAME>``), then from the credentials file ``libops credentials
    set`` writes for ``store`` (docs/adapters.md)."""
    clock = SystemClock()
    given = gateway_specs(specs or [])
    if not given:
        return []
    from libops.adapters.credentials import (
        EnvCredentialStore,
        FileCredentialStore,
        credentials_path,
    )
    from libops.adapters.platforms_http import CredentialChain

    config = None if store is None else parse_store_url(store)
    credentials = CredentialChain(
        [EnvCredentialStore(), FileCredentialStore(credentials_path(config))]
    )
    return [open_gateway(spec, clock, credentials) for spec in given]


@contextmanager
def opened(store: str, gateways: Sequence[PlatformGateway] = ()) -> Iterator[LibOps]:
    """libops on ``store`` (on the system clock) with ``gateways`` (an HTTP gateway's
    connections are closed at the end)."""
    try:
        with LibOps.open(store, clock=SystemClock(), gateways=gateways) as ops:
            yield ops
    finally:
        for gateway in gateways:
            close = getattr(gateway, "close", None)
            if callable(close):
                close()


@publish_app.command("due")
def publish_due(
    store: StoreOption = DEFAULT_STORE,
    gateway: GatewayOption = None,
    by: ByOrSchedulerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish every slot that is due now on the platforms with a gateway (claimed first, so
    two runs at once never publish one twice). Due slots on a platform without a gateway
    are listed: publish those by hand (`libops publish handoff`)."""
    from libops.tick import unpublishable_due

    actor = _admin(by) if by else SCHEDULER_ACTOR
    gateways = gateways_from(gateway, store)
    with reporting_errors(store), opened(store, gateways) as ops:
        by_hand = unpublishable_due(ops)
        with _bar("publishing what is due", quiet=as_json) as moved:
            outcomes = ops.publishing.publish_due(actor, progress=moved)
    rows = [
        {
            "post_id": str(o.post_id),
            "platform": o.platform.value,
            "state": o.state.value,
            "url": None if o.receipt is None else o.receipt.url,
            "error": o.error,
        }
        for o in outcomes
    ]
    hand = [{"platform": p, "post_ids": posts} for p, posts in by_hand]
    if as_json:
        print(json.dumps({"outcomes": rows, "needs_publishing_by_hand": hand}, ensure_ascii=False))
    else:
        out = stdout()
        out.print(Text(f"{len(rows)} due slot(s) handled", style="bold"))
        for row in rows:
            detail = row["url"] or row["error"] or ""
            out.print(f"  {row['post_id']} on {row['platform']}: {row['state']} {detail}")
        for item in hand:
            out.print(
                f"  {len(item['post_ids'])} due on {item['platform']} (no gateway: publish by "
                f"hand): {', '.join(item['post_ids'])}"
            )
    if any(row["state"] == "failed" for row in rows):
        raise typer.Exit(3)


@contextmanager
def _bar(text: str, *, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on standard error, moved by the callback it yields (none with --json)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(f"{text:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr(),
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task(text, total=None)

        def moved(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield moved


@publish_app.command("handoff")
def publish_handoff(
    post: Annotated[str, typer.Argument(help="The post's id.")],
    platform: PlatformOption,
    by: ByOption,
    store: StoreOption = DEFAULT_STORE,
    as_json: JsonOption = False,
) -> None:
    """Print an approved post's text for PLATFORM, its media and the steps, to publish it by
    hand (the text alone goes to standard output, ready to copy; the rest to standard error)."""
    with reporting_errors(store), opened(store) as ops:
        handoff = ops.publishing.handoff(_admin(by), post, platform)
    if as_json:
        print(json.dumps(handoff.to_json(), ensure_ascii=False, indent=2))
        return
    err = stderr()
    err.print(Text(f"{handoff.title} — {handoff.platform_name}", style="bold"))
    for number, step in enumerate(handoff.checklist, 1):
        err.print(f"{number}. {step}")
    for item in handoff.media:
        err.print(f"   media: {item}")
    err.print(Text("text to paste:", style="bold"))
    print(handoff.text)


@publish_app.command("record")
def publish_record(
    post: Annotated[str, typer.Argument(help="The post's id.")],
    platform: PlatformOption,
    url: Annotated[str, typer.Option("--url", help="The published post's address (http/s).")],
    by: ByOption,
    external_id: Annotated[
        str | None, typer.Option("--id", help="The platform's id of the post, if it shows one.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When it was published (ISO 8601 with offset; default now)."),
    ] = None,
    store: StoreOption = DEFAULT_STORE,
    as_json: JsonOption = False,
) -> None:
    """Record that a post was published by hand on PLATFORM, at URL."""
    published_at = _when(at)
    with reporting_errors(store), opened(store) as ops:
        receipt = ops.publishing.record_manual_publication(
            _admin(by), post, platform, url=url, external_id=external_id, published_at=published_at
        )
    row = {
        "post_id": post,
        "platform": receipt.platform.value,
        "url": receipt.url,
        "external_id": receipt.external_id,
        "published_at": receipt.published_at.isoformat(),
    }
    if as_json:
        print(json.dumps(row, ensure_ascii=False))
    else:
        stdout().print(f"recorded: post {post} published on {row['platform']} at {row['url']}")


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"--at must be an ISO 8601 time, not {text!r}") from None
    if at.tzinfo is None:
        raise InvalidValueError(f"--at needs a UTC offset (2026-03-01T10:00+08:00), not {text!r}")
    return at.astimezone(UTC)


@metrics_app.command("collect")
def metrics_collect(
    store: StoreOption = DEFAULT_STORE,
    gateway: GatewayOption = None,
    by: ByOrSchedulerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read the current counts of every published variant on a platform with a gateway and
    record them (identical counts record nothing). Variants published by hand get their
    figures from imports."""
    actor = _admin(by) if by else SCHEDULER_ACTOR
    gateways = gateways_from(gateway, store)
    with (
        reporting_errors(store),
        opened(store, gateways) as ops,
        _bar("collecting metrics", quiet=as_json) as moved,
    ):
        outcomes = ops.publishing.collect_metrics(actor, with_gateway_only=True, progress=moved)
    rows = [
        {
            "post_id": str(o.post_id),
            "platform": o.platform.value,
            "outcome": None if o.outcome is None else o.outcome.value,
            "error": o.error,
        }
        for o in outcomes
    ]
    if as_json:
        print(json.dumps({"outcomes": rows}, ensure_ascii=False))
    else:
        out = stdout()
        out.print(Text(f"metrics of {len(rows)} variant(s)", style="bold"))
        for row in rows:
            out.print(f"  {row['post_id']} on {row['platform']}: {row['outcome'] or row['error']}")
    if any(row["outcome"] is None for row in rows):
        raise typer.Exit(3)
