"""``libops publish due|handoff|record|retract|take-downs|confirm-take-down`` and ``libops
metrics collect``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.text import Text

from libops.adapters.clock import SystemClock
from libops.adapters.storage import DEFAULT_STORE, parse_store_url
from libops.bootstrap import LibOps
from libops.cli.common import (
    StoreOption,
    close_gateways,
    operator,
    print_json,
    reporting_errors,
    stderr,
    stdout,
)
from libops.domain.errors import InvalidValueError
from libops.domain.ports import CredentialStore, PlatformGateway
from libops.domain.post import Post, TakeDown
from libops.tick import SCHEDULER_ACTOR, gateway_specs, open_gateway

publish_app = typer.Typer(
    help=(
        "Publish what is due, or hand a post to staff to publish by hand and record it; "
        "retract a post and confirm the take-downs left to staff."
    ),
    no_args_is_help=True,
)
metrics_app = typer.Typer(help="Collect the metrics of published posts.", no_args_is_help=True)

GatewayOption = Annotated[
    list[str] | None,
    typer.Option(
        "--gateway",
        help=(
            "A platform's gateway, PLATFORM=URL (repeat for several): sandbox:// for any "
            "platform (sandbox:///FILE keeps its state in FILE); https://host for a platform "
            "with an HTTP adapter (wechat, weibo, douyin, mastodon, bluesky), its credentials "
            "set with `libops credentials set` (http:// only for a server on this machine). "
            "Default: $LIBOPS_GATEWAYS."
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


def gateways_from(specs: Sequence[str] | None, store: str | None = None) -> list[PlatformGateway]:
    """The gateways ``--gateway`` (else $LIBOPS_GATEWAYS) names, checked before the store
    opens: a wrong one, or one whose credentials are not stored, is a usage error (exit code
    2), not a store error. HTTP gateways read their credentials from the environment
    (``LIBOPS_CRED_<ACCOUNT>_<NAME>``), then, on a PostgreSQL store, from the store's
    credentials table (where renewed tokens are written), then from the credentials file
    ``libops credentials set`` writes for ``store`` (docs/adapters.md)."""
    clock = SystemClock()
    given = gateway_specs(specs or [])
    if not given:
        return []
    from libops.adapters.credentials import (
        EnvCredentialStore,
        FileCredentialStore,
        PostgresCredentialStore,
        credentials_path,
    )
    from libops.adapters.platforms_http import CredentialChain

    config = None if store is None else parse_store_url(store)
    stores: list[CredentialStore] = [EnvCredentialStore()]
    if config is not None and config.scheme == "postgresql":
        # The store's own table, before the file: renewed tokens are written there, not to
        # a file in the job's working directory (refused if the store was not migrated).
        stores.append(PostgresCredentialStore.for_gateways(config, clock=clock))
    stores.append(FileCredentialStore(credentials_path(config)))
    return [open_gateway(spec, clock, CredentialChain(stores)) for spec in given]


@contextmanager
def opened(store: str, gateways: Sequence[PlatformGateway] = ()) -> Iterator[LibOps]:
    """libops on ``store`` (on the system clock) with ``gateways`` (an HTTP gateway's
    connections are closed at the end)."""
    try:
        with LibOps.open(store, clock=SystemClock(), gateways=gateways) as ops:
            yield ops
    finally:
        close_gateways(gateways)


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

    actor = operator(by) if by else SCHEDULER_ACTOR
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
        handoff = ops.publishing.handoff(operator(by), post, platform)
    if as_json:
        print_json(handoff.to_json())
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
            operator(by),
            post,
            platform,
            url=url,
            external_id=external_id,
            published_at=published_at,
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


@publish_app.command("retract")
def publish_retract(
    post: Annotated[str, typer.Argument(help="The post's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (recorded).")],
    by: ByOption,
    store: StoreOption = DEFAULT_STORE,
    gateway: GatewayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw a post (post.retract): its booked slots are freed and it comes down from
    every platform it is live on, through the gateways given that can take posts down
    (Mastodon, Bluesky); elsewhere staff get a take-down task (`libops publish take-downs`),
    confirmed with `libops publish confirm-take-down`."""
    gateways = gateways_from(gateway, store)
    with reporting_errors(store), opened(store, gateways) as ops:
        ops.posts.retract(operator(by), post, reason)
        retracted = ops.posts.get(post)
        rows = [_take_down_row(retracted, t) for t in _take_downs_of(retracted)]
        status = retracted.status.value
    if as_json:
        print(json.dumps({"post_id": str(retracted.id), "status": status, "take_downs": rows}))
        return
    out = stdout()
    out.print(Text(f"post {retracted.id} is {status}", style="bold"))
    for row in rows:
        out.print(f"  {row['platform']}: {_take_down_state(row)}")


def _take_downs_of(post: Post) -> list[TakeDown]:
    found = (post.take_down(platform) for platform in post.platforms)
    return [t for t in found if t is not None]


def _take_down_row(post: Post, take_down: TakeDown) -> dict[str, Any]:
    """A take-down as the take-down commands print it (JSON-ready)."""
    receipt = post.receipt(take_down.platform)
    return {
        "post_id": str(post.id),
        "platform": take_down.platform.value,
        "external_id": take_down.external_id,
        "url": None if receipt is None else receipt.url,
        "by_hand": take_down.by_hand,
        "reason": take_down.reason,
        "error": take_down.error,
        "done_at": None if take_down.done_at is None else take_down.done_at.isoformat(),
        "confirmed_by": take_down.confirmed_by,
    }


def _take_down_state(row: dict[str, Any]) -> str:
    if row["done_at"] is not None:
        how = f"confirmed by {row['confirmed_by']}" if row["confirmed_by"] else "taken down"
        return f"{how} at {row['done_at']}"
    if row["by_hand"]:
        return f"still live: take it down by hand ({row['reason']})"
    return f"still live: libops tick retries it ({row['error']})"


@publish_app.command("take-downs")
def publish_take_downs(store: StoreOption = DEFAULT_STORE, as_json: JsonOption = False) -> None:
    """List the open take-downs, newest first: retracted posts still live on a platform,
    with why they are left to staff (by hand) or the last failure through the gateway.
    Staff take the post down on the platform, then run `libops publish confirm-take-down`."""
    with reporting_errors(store), opened(store) as ops:
        rows = []
        for post in ops.posts.retracting():
            for take_down in post.open_take_downs():
                row = _take_down_row(post, take_down)
                requested = take_down.requested_at
                rows.append(
                    {
                        "post_id": row["post_id"],
                        "title": post.title,
                        "platform": row["platform"],
                        "external_id": row["external_id"],
                        "url": row["url"],
                        "requested_at": None if requested is None else requested.isoformat(),
                        "by_hand": row["by_hand"],
                        "reason": row["reason"],
                        "error": row["error"],
                    }
                )
    rows.reverse()  # newest first; a stable sort keeps those requested at once newest first
    rows.sort(key=lambda r: r["requested_at"] or "", reverse=True)
    if as_json:
        print(json.dumps({"take_downs": rows}, ensure_ascii=False))
        return
    out = stdout()
    if not rows:
        out.print("no open take-downs: every retracted post is down everywhere")
        return
    out.print(Text(f"{len(rows)} open take-down(s), newest first", style="bold"))
    for row in rows:
        out.print(
            f"  {row['post_id']} {row['title']!r} on {row['platform']} "
            f"(id {row['external_id']}{', ' + row['url'] if row['url'] else ''}), "
            f"requested {row['requested_at'] or 'at an unknown time'}"
        )
        if row["by_hand"]:
            out.print(f"    by hand: {row['reason']}")
        if row["error"]:
            out.print(f"    last failure: {row['error']}")
    out.print(
        "take each down on its platform, then: libops publish confirm-take-down POST_ID "
        "PLATFORM --note TEXT [--url URL] --by PERSON"
    )


@publish_app.command("confirm-take-down")
def publish_confirm_take_down(
    post: Annotated[str, typer.Argument(help="The retracted post's id.")],
    platform: Annotated[str, typer.Argument(help="The platform it was taken down on.")],
    note: Annotated[str, typer.Option("--note", help="What was done (recorded).")],
    by: ByOption,
    url: Annotated[
        str | None,
        typer.Option("--url", help="The address (http/s) of the evidence, if there is one."),
    ] = None,
    store: StoreOption = DEFAULT_STORE,
    as_json: JsonOption = False,
) -> None:
    """Confirm that staff took a retracted post down on PLATFORM by hand
    (post.confirm_take_down); once no take-down is open, the post reads retracted. Refused,
    recording nothing, where no take-down is open there."""
    with reporting_errors(store), opened(store) as ops:
        ops.posts.confirm_take_down(operator(by), post, platform, note=note, url=url)
        confirmed = ops.posts.get(post)
        done = confirmed.take_down(platform)  # the take-down just confirmed
        row = _take_down_row(confirmed, done) if done else {"post_id": post, "platform": platform}
        status = confirmed.status.value
    if as_json:
        print(json.dumps({**row, "status": status}, ensure_ascii=False))
    else:
        stdout().print(
            f"confirmed: post {row['post_id']} taken down on {row['platform']}; "
            f"the post is {status}"
        )


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
    actor = operator(by) if by else SCHEDULER_ACTOR
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
