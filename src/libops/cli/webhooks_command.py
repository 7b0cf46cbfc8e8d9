"""``libops webhooks``: the endpoints notifications go to, and the deliverer that sends them.

Endpoints (with their secrets) live in a JSON file readable by its owner only, never in the
event log: ``--config`` or ``LIBOPS_WEBHOOKS_CONFIG`` names it, else ``libops-webhooks.json``
(docs/notifications.md). Secrets are read from an environment variable (``--secret-env``),
never from the command line, and never printed.
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Final

import typer
from rich.table import Table

from libops.adapters.storage import DEFAULT_STORE
from libops.adapters.webhooks import FORMATS, Endpoint, add_endpoint, load_endpoints
from libops.adapters.webhooks.endpoints import (
    CONFIG_ENV,
    config_path,
    find_endpoint,
    remove_endpoint,
)
from libops.application.notifications import (
    DeliveryOutcome,
    NotificationDeliverer,
    RetryPolicy,
)
from libops.bootstrap import LibOps
from libops.cli.common import StoreOption, print_json, reporting_errors, stderr, stdout
from libops.domain.errors import WebhookConfigError
from libops.projections.notifications import KINDS, trial_notification

webhooks_app = typer.Typer(
    help="Notifications: webhook, bot and e-mail endpoints, and delivering to them.",
    no_args_is_help=True,
)

POLL_INTERVAL: Final = 1.0
"""Seconds ``libops webhooks deliver --follow`` waits between two looks at the log."""

ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        envvar=CONFIG_ENV,
        show_envvar=True,
        help="The endpoints file (JSON, mode 0600); default libops-webhooks.json.",
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", help="Makes the notifications' links absolute (the API's URL)."),
]


def _since(text: str) -> datetime | None:
    if text == "all":
        return None
    if text == "now":
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WebhookConfigError(f"--since is now, all or an ISO 8601 time, not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _secret(variable: str | None) -> str | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise WebhookConfigError(f"--secret-env names {variable}, which is not set")
    return value


@webhooks_app.command("add")
def webhooks_add(
    name: Annotated[str, typer.Argument(help="The endpoint's name (a-z, 0-9, - and _).")],
    url: Annotated[
        str, typer.Option("--url", help="Where to send (http/https; smtp:// for email).")
    ],
    format: Annotated[
        str, typer.Option("--format", help="One of " + ", ".join(FORMATS) + ".")
    ] = "generic",
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="A kind to send (repeat; default all): " + ", ".join(KINDS)),
    ] = None,
    language: Annotated[str, typer.Option("--language", help="en or zh.")] = "en",
    secret_env: Annotated[
        str | None,
        typer.Option(
            "--secret-env",
            help="The environment variable holding the signing secret (or SMTP password).",
        ),
    ] = None,
    since: Annotated[
        str,
        typer.Option("--since", help="Send events from: now (default), all, or an ISO time."),
    ] = "now",
    sender: Annotated[str | None, typer.Option("--from", help="E-mail: the sender.")] = None,
    to: Annotated[
        list[str] | None, typer.Option("--to", help="E-mail: a recipient (repeat).")
    ] = None,
    username: Annotated[str | None, typer.Option("--username", help="E-mail: SMTP login.")] = None,
    starttls: Annotated[bool, typer.Option("--starttls", help="E-mail: use STARTTLS.")] = False,
    message: Annotated[
        str, typer.Option("--message", help="Bots: rich (markdown, post) or text.")
    ] = "rich",
    config: ConfigOption = None,
) -> None:
    """Add an endpoint to the endpoints file."""
    with reporting_errors(""):
        endpoint = Endpoint(
            name=name,
            format=format,
            url=url,
            kinds=kind or None,
            language=language,
            since=_since(since),
            secret=_secret(secret_env),
            sender=sender,
            recipients=tuple(to or ()),
            username=username,
            starttls=starttls,
            message=message,
        )
        add_endpoint(endpoint, config)
    stdout().print(f"endpoint {name} added to {config_path(config)} ({endpoint.shown_url})")


@webhooks_app.command("list")
def webhooks_list(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (no secrets).")] = False,
) -> None:
    """List the endpoints (their URLs with secrets hidden)."""
    with reporting_errors(""):
        endpoints = load_endpoints(config)
    rows = [
        {
            "name": e.name,
            "format": e.format,
            "url": e.shown_url,
            "kinds": sorted(e.kinds),
            "language": e.language,
            "since": None if e.since is None else e.since.isoformat(),
            "signed": bool(e.secret),
        }
        for e in endpoints
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("name", "format", "url", "kinds", "language", "since", "signed")
    for row, endpoint in zip(rows, endpoints, strict=True):
        kinds = sorted(endpoint.kinds)
        table.add_row(
            str(row["name"]),
            str(row["format"]),
            str(row["url"]),
            "all" if len(kinds) == len(KINDS) else ", ".join(kinds),
            str(row["language"]),
            str(row["since"] or "all"),
            "yes" if row["signed"] else "no",
        )
    stdout().print(table)


@webhooks_app.command("remove")
def webhooks_remove(
    name: Annotated[str, typer.Argument(help="The endpoint to remove.")],
    config: ConfigOption = None,
) -> None:
    """Remove an endpoint from the endpoints file."""
    with reporting_errors(""):
        remove_endpoint(name, config)
    stdout().print(f"endpoint {name} removed")


@webhooks_app.command("test")
def webhooks_test(
    name: Annotated[str, typer.Argument(help="The endpoint to send a test notification to.")],
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Send a test notification (kind ``test``) to one endpoint, now."""
    with reporting_errors(""):
        endpoint = find_endpoint(name, config)
        notification = trial_notification(
            f"test:{uuid.uuid4()}",
            datetime.now(UTC).isoformat(),
            language=endpoint.language,
            base_url=base_url,
        )
        endpoint.send(notification)
    stdout().print(f"endpoint {name} took the test notification {notification['id']}")


def _show(outcomes: list[DeliveryOutcome], quiet: bool) -> None:
    if quiet or not outcomes:
        return
    counts = Counter(o.state for o in outcomes)
    err = stderr()
    err.print(", ".join(f"{state} {n}" for state, n in sorted(counts.items())))
    for outcome in outcomes:
        if outcome.state != "delivered":
            err.print(
                f"{outcome.state}: {outcome.notification_id} -> {outcome.endpoint}: {outcome.error}"
            )


@webhooks_app.command("deliver")
def webhooks_deliver(
    store: StoreOption = DEFAULT_STORE,
    config: ConfigOption = None,
    base_url: BaseUrlOption = None,
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep delivering new notifications until stopped.")
    ] = False,
    max_attempts: Annotated[
        int, typer.Option("--max-attempts", help="Tries before a delivery is failed.")
    ] = RetryPolicy().max_attempts,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Try the failed deliveries again first.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Catch the notifications up with the log and send them (docs/notifications.md)."""
    with reporting_errors(store):
        endpoints = load_endpoints(config)
        if not endpoints:
            raise WebhookConfigError(f"no endpoints in {config_path(config)}: add one first")
        policy = RetryPolicy(max_attempts=max_attempts)
        with (
            LibOps.open(store) as ops,
            NotificationDeliverer(ops, endpoints, base_url=base_url, policy=policy) as deliverer,
        ):
            if retry_failed:
                again = deliverer.retry_failed()
                if not quiet:
                    stderr().print(f"failed deliveries to try again: {again}")
            if not follow:
                _show(deliverer.deliver(), quiet)
            else:
                stop = threading.Event()
                previous = {
                    sig: signal.signal(sig, lambda _n, _f: stop.set())
                    for sig in (signal.SIGINT, signal.SIGTERM)
                }
                if not quiet:
                    stderr().print("delivering notifications (Ctrl-C stops)")
                try:
                    deliverer.follow(
                        stop=stop,
                        poll_interval=POLL_INTERVAL,
                        on_round=lambda outcomes: _show(outcomes, quiet),
                    )
                finally:
                    for sig, handler in previous.items():
                        signal.signal(sig, handler)
            waiting = deliverer.waiting()
    failed = [w for w in waiting if w.state == "failed"]
    if not quiet:
        stdout().print(f"waiting for a retry: {len(waiting) - len(failed)}, failed: {len(failed)}")
    for state in failed:
        stdout().print(
            f"failed: {state.notification_id} -> {state.endpoint} "
            f"({state.attempts} attempts): {state.error}"
        )


@webhooks_app.command("status")
def webhooks_status(
    store: StoreOption = DEFAULT_STORE,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what is left to deliver: the outbox, retries waiting and failed deliveries
    (sends nothing; the outbox is as the last ``deliver`` left it)."""
    with reporting_errors(store):
        endpoints = load_endpoints(config)
        with LibOps.open(store) as ops, NotificationDeliverer(ops, endpoints) as deliverer:
            outbox = len(deliverer.outbox())
            waiting = deliverer.waiting()
    rows = [
        {
            "notification_id": w.notification_id,
            "kind": w.kind,
            "endpoint": w.endpoint,
            "state": w.state,
            "attempts": w.attempts,
            "error": w.error,
        }
        for w in waiting
    ]
    if as_json:
        print_json({"outbox": outbox, "deliveries": rows})
        return
    failed = sum(w.state == "failed" for w in waiting)
    stdout().print(
        f"outbox: {outbox}, waiting for a retry: {len(waiting) - failed}, failed: {failed}"
    )
    for row in rows:
        stdout().print(
            f"{row['state']}: {row['notification_id']} -> {row['endpoint']} "
            f"({row['attempts']} attempts): {row['error']}"
        )
