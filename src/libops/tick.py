"""``libops tick``: the one run a scheduler (cron, a systemd timer) starts, hourly or nightly.

:func:`tick` does, in this order, each step timed and reported on its own:

1. ``publish``: publish the slots that are due, through the registered gateways (claimed
   first, so two overlapping runs never publish one slot twice); due slots on a platform with
   no gateway are warned about (they need publishing by hand);
2. ``takedowns``: take retracted posts down where they are still live, through the gateways
   that can (a failure that may pass is retried by the next run); list the take-downs left
   to staff (tasks confirmed with ``post.confirm_take_down``) as warnings, every run, until
   they are confirmed;
3. ``metrics``: collect the current counts of published variants, on platforms with a gateway;
4. ``questions``: escalate readers' questions that waited too long;
5. ``projections``: catch the standard projections up with the log;
6. ``signals``: open, raise or close risks for the risk signals found (then catch up again);
7. ``webhooks``: deliver the notifications once, if endpoints are configured.

One step failing does not stop the others. The run gives commands as the scheduler
(:data:`SCHEDULER_ACTOR`, role ``scheduler``: it may publish, take retracted posts down,
record metrics and escalate questions, nothing else); risk signals are dispatched as
``libops-signals``, as ``libops project run`` does. Records go to the ``libops.tick`` logger.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Protocol
from urllib.parse import SplitResult, parse_qs, urlsplit

import attrs

from libops.application.dependencies import Dependencies
from libops.application.interactions.qa import QuestionService
from libops.application.posts import find_calendar
from libops.application.publishing import PublishingService, PublishState, TakeDownState
from libops.application.risk_signals import SignalsHost
from libops.domain.errors import InvalidValueError, LibopsError
from libops.domain.platforms import publishing_platforms
from libops.domain.ports import Clock, CredentialStore, PlatformGateway
from libops.domain.post import MetricOutcome
from libops.domain.values import Actor, Role, to_platform
from libops.projections.ports import ProjectionStore

logger = logging.getLogger("libops.tick")


class TickHost(ProjectionStore, SignalsHost, Protocol):
    """What a tick needs of an opened store (:class:`~libops.LibOps` is one)."""

    @property
    def clock(self) -> Clock:
        """The store's clock."""
        ...

    @property
    def deps(self) -> Dependencies:
        """The gateways and policies it was opened with."""
        ...

    @property
    def publishing(self) -> PublishingService:
        """Publishing and metrics collection."""
        ...

    @property
    def questions(self) -> QuestionService:
        """Readers' questions."""
        ...


SCHEDULER_ACTOR: Final = Actor("libops-scheduler", [Role.SCHEDULER], "libops scheduled run")
"""Who gives the commands of a tick: the ``scheduler`` role, allowed nothing else."""

EXIT_OK: Final = 0
"""Every step ran and none failed."""
EXIT_STORE: Final = 1
"""The store could not be opened (unreachable, refused, not migrated): nothing ran."""
EXIT_USAGE: Final = 2
"""The command line or the store URL is wrong (a bad ``--gateway``, an unknown scheme)."""
EXIT_PARTIAL: Final = 3
"""Some steps (or some items of a step) failed; the others ran: look at the errors, retry."""

STEPS: Final = (
    "publish",
    "takedowns",
    "metrics",
    "questions",
    "projections",
    "signals",
    "webhooks",
)

GATEWAYS_ENV: Final = "LIBOPS_GATEWAYS"
"""Gateways for the command line, ``PLATFORM=URL`` separated by spaces or commas."""


@attrs.frozen
class StepReport:
    """What one step of a tick did: counts, errors (each a readable line), its duration."""

    name: str
    counts: Mapping[str, int]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    skipped: str | None = None
    """Why the step did nothing at all (no endpoints configured, say), if it did not run."""

    @property
    def ok(self) -> bool:
        """Whether the step ran without an error."""
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        """The step as JSON-ready data."""
        return {
            "step": self.name,
            "ok": self.ok,
            "counts": dict(self.counts),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
        }


@attrs.frozen
class TickReport:
    """What a whole tick did, step by step."""

    steps: tuple[StepReport, ...]

    @property
    def ok(self) -> bool:
        """Whether every step ran without an error."""
        return all(step.ok for step in self.steps)

    @property
    def exit_code(self) -> int:
        """:data:`EXIT_OK`, or :data:`EXIT_PARTIAL` when any step had an error."""
        return EXIT_OK if self.ok else EXIT_PARTIAL

    def step(self, name: str) -> StepReport:
        """The report of the step ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """The run as JSON-ready data (what ``libops tick --json`` prints)."""
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "seconds": round(sum(step.seconds for step in self.steps), 3),
            "steps": [step.to_json() for step in self.steps],
        }


Step = Callable[[], tuple[dict[str, int], list[str], list[str], str | None]]


def _run(name: str, work: Step) -> StepReport:
    started = time.perf_counter()
    try:
        counts, errors, warnings, skipped = work()
    except LibopsError as refused:
        counts, errors, warnings, skipped = {}, [str(refused)], [], None
    except Exception as bug:  # a bug in one step must not stop the others
        logger.exception("tick step %s failed unexpectedly", name)
        counts, errors, warnings, skipped = {}, [f"{type(bug).__name__}: {bug}"], [], None
    seconds = time.perf_counter() - started
    report = StepReport(name, counts, tuple(errors), tuple(warnings), seconds, skipped)
    for warning in warnings:
        logger.warning("%s: %s", name, warning)
    for line in errors:
        logger.error("%s: %s", name, line)
    logger.info(
        "%s %s in %.3f s: %s",
        name,
        "skipped" if skipped else ("done" if report.ok else "failed"),
        seconds,
        ", ".join(f"{k}={v}" for k, v in counts.items()) or skipped or "nothing",
    )
    return report


def unpublishable_due(ops: TickHost) -> list[tuple[str, list[str]]]:
    """Due slots on platforms with no gateway: ``(platform, [post ids])``, by platform."""
    now = ops.clock.now()
    found: list[tuple[str, list[str]]] = []
    for platform in publishing_platforms():
        if platform in ops.deps.gateways:
            continue
        calendar = find_calendar(ops.app, platform)
        due = [] if calendar is None else calendar.due(now)
        if due:
            found.append((platform.value, [str(post_id) for post_id, _at in due]))
    return found


def _publish(ops: TickHost, actor: Actor) -> tuple[dict[str, int], list[str], list[str], None]:
    by_hand = unpublishable_due(ops)
    warnings = [
        f"{len(posts)} due on {platform}, which has no gateway configured: publish by hand "
        f"(libops publish handoff POST --platform {platform}): {', '.join(posts)}"
        for platform, posts in by_hand
    ]
    outcomes = ops.publishing.publish_due(actor)
    counts = {state.value.replace(" ", "_"): 0 for state in PublishState}
    errors: list[str] = []
    for outcome in outcomes:
        counts[outcome.state.value.replace(" ", "_")] += 1
        if outcome.state is PublishState.FAILED:
            errors.append(f"post {outcome.post_id} on {outcome.platform.value}: {outcome.error}")
        elif outcome.state is PublishState.NOT_RETRIED:
            warnings.append(
                f"post {outcome.post_id} on {outcome.platform.value} is not retried: "
                f"{outcome.error}"
            )
    counts["needs_publishing_by_hand"] = sum(len(posts) for _p, posts in by_hand)
    return counts, errors, warnings, None


def _take_downs(ops: TickHost, actor: Actor) -> tuple[dict[str, int], list[str], list[str], None]:
    outcomes = ops.publishing.take_down_pending(actor)
    counts = {state.value.replace(" ", "_"): 0 for state in TakeDownState}
    errors: list[str] = []
    warnings: list[str] = []
    for outcome in outcomes:
        counts[outcome.state.value.replace(" ", "_")] += 1
        where = f"post {outcome.post_id} on {outcome.platform.value}"
        if outcome.state is TakeDownState.FAILED:
            errors.append(f"{where}: {outcome.error}")
        elif outcome.state is TakeDownState.BY_HAND:
            warnings.append(
                f"{where} was retracted but is still live ({outcome.error}): take it down "
                f"by hand, then confirm it: libops publish confirm-take-down "
                f"{outcome.post_id} {outcome.platform.value} --note TEXT --by PERSON (the "
                "command post.confirm_take_down; `libops publish take-downs` lists them all)"
            )
    return counts, errors, warnings, None


def _metrics(ops: TickHost, actor: Actor) -> tuple[dict[str, int], list[str], list[str], None]:
    outcomes = ops.publishing.collect_metrics(actor, with_gateway_only=True)
    counts = {outcome.value: 0 for outcome in MetricOutcome}
    counts["failed"] = 0
    errors: list[str] = []
    for outcome in outcomes:
        if outcome.outcome is None:
            counts["failed"] += 1
            errors.append(f"post {outcome.post_id} on {outcome.platform.value}: {outcome.error}")
        else:
            counts[outcome.outcome.value] += 1
    return counts, errors, [], None


def check_steps(steps: Iterable[str]) -> list[str]:
    """``steps`` as a list, each one of :data:`STEPS` (else :class:`InvalidValueError`)."""
    chosen = list(steps)
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise InvalidValueError(
            f"unknown tick step(s) {', '.join(unknown)} (known: {', '.join(STEPS)})"
        )
    return chosen


def tick(
    ops: TickHost,
    *,
    actor: Actor = SCHEDULER_ACTOR,
    webhooks: Sequence[Any] | None = None,
    steps: Iterable[str] = STEPS,
) -> TickReport:
    """Run the steps of a tick on ``ops`` (module docstring) and report each.

    ``webhooks`` are the endpoints (:func:`libops.adapters.webhooks.load_endpoints`) to
    deliver to; None or empty skips the step. ``steps`` picks some of :data:`STEPS`.
    """
    chosen = check_steps(steps)
    from libops.application.risk_signals import dispatch_signals
    from libops.projections import ProjectionEngine
    from libops.projections.signals import NAME as SIGNALS
    from libops.projections.standard import standard_projections

    reports: list[StepReport] = []
    with ProjectionEngine(ops, standard_projections()) as engine:

        def catch_up() -> tuple[dict[str, int], list[str], list[str], None]:
            applied = engine.run()
            return {"applied": sum(r.applied for r in applied.values())}, [], [], None

        def signals() -> tuple[dict[str, int], list[str], list[str], None]:
            if "projections" not in chosen:
                engine.run()
            outcomes = dispatch_signals(ops, engine) if SIGNALS in engine.names else []
            counts = {
                "raised": sum(o.recorded and not o.closed for o in outcomes),
                "closed": sum(bool(o.closed) for o in outcomes),
                "failed": sum(o.action == "failed" for o in outcomes),
            }
            if counts["raised"] or counts["closed"]:
                engine.run()  # the risks they recorded
            errors = [f"{o.signal_id}: {o.error}" for o in outcomes if o.action == "failed"]
            return counts, errors, [], None

        def deliver() -> tuple[dict[str, int], list[str], list[str], str | None]:
            if not webhooks:
                return {}, [], [], "no webhook endpoints configured"
            from libops.application.notifications import NotificationDeliverer

            with NotificationDeliverer(ops, webhooks) as deliverer:
                outcomes = deliverer.deliver()
            counts = {
                state: sum(o.state == state for o in outcomes)
                for state in ("delivered", "retry", "failed")
            }
            errors = [
                f"{o.notification_id} to {o.endpoint}: {o.error}"
                for o in outcomes
                if o.state == "failed"
            ]
            return counts, errors, [], None

        work: dict[str, Step] = {
            "publish": lambda: _publish(ops, actor),
            "takedowns": lambda: _take_downs(ops, actor),
            "metrics": lambda: _metrics(ops, actor),
            "questions": lambda: (
                {"escalated": len(ops.questions.escalate_overdue(actor))},
                [],
                [],
                None,
            ),
            "projections": catch_up,
            "signals": signals,
            "webhooks": deliver,
        }
        for name in STEPS:
            if name in chosen:
                reports.append(_run(name, work[name]))
    report = TickReport(tuple(reports))
    logger.info("tick %s (exit code %d)", "done" if report.ok else "failed", report.exit_code)
    return report


# --- gateways named on the command line ----------------------------------------------------


LOOPBACK_HOSTS: Final = frozenset({"localhost", "::1"})
"""Hosts (besides 127.0.0.0/8) an ``http://`` gateway may name: a server on this machine."""


def open_gateway(
    spec: str, clock: Clock, credentials: CredentialStore | None = None
) -> PlatformGateway:
    """The gateway ``PLATFORM=URL`` names.

    ``sandbox://`` is a sandbox in memory; ``sandbox:///path/state.json`` keeps its state in
    that file (so several processes see one platform); ``?seed=TEXT`` sets its seed (the
    platform's id by default) and ``?keys=no`` makes it ignore idempotency keys.

    ``https://host`` is the platform's real API through its HTTP adapter
    (:data:`libops.adapters.platforms_http.HTTP_GATEWAYS`: Mastodon, Bluesky, WeChat, Weibo,
    Douyin), with its credentials from ``credentials`` (the entries each adapter names,
    docs/adapters.md).
    ``http://`` is accepted only for a server on this machine (127.0.0.0/8, ``::1``,
    ``localhost``: a local fake); anything else must be ``https://``, so no token travels in
    clear text.
    """
    platform_id, sep, url = spec.partition("=")
    if not sep or not platform_id.strip() or not url.strip():
        raise InvalidValueError(
            f"a gateway is given as PLATFORM=URL (weibo=sandbox:///path/state.json), not {spec!r}"
        )
    platform = to_platform(platform_id.strip())
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https"):
        return _http_gateway(platform.value, spec, parts, clock, credentials)
    if parts.scheme != "sandbox":
        raise InvalidValueError(
            f"unknown gateway URL scheme {parts.scheme!r} in {spec!r}: the command line knows "
            "sandbox:// (in memory) and sandbox:///path/state.json (kept in a file) for any "
            f"platform, and https://host for {_known_http()}; other gateways are passed to "
            "LibOps.open(gateways=...)"
        )
    query = parse_qs(parts.query)
    seed = query.get("seed", [platform.value])[0]
    keys = query.get("keys", ["yes"])[0] not in ("no", "false", "0")
    from libops.adapters.sandbox import SandboxPlatform

    return SandboxPlatform(
        platform,
        seed=seed,
        clock=clock,
        supports_idempotency_key=keys,
        state_file=parts.path or None,
    )


def _known_http() -> str:
    from libops.adapters.platforms_http import HTTP_GATEWAYS

    return ", ".join(HTTP_GATEWAYS) or "no platform"


def _http_gateway(
    platform: str,
    spec: str,
    parts: SplitResult,
    clock: Clock,
    credentials: CredentialStore | None,
) -> PlatformGateway:
    from libops.adapters.platforms_http import HTTP_GATEWAYS

    factory = HTTP_GATEWAYS.get(platform)
    if factory is None:
        raise InvalidValueError(
            f"no HTTP adapter for {platform} on the command line ({spec!r}): https://host "
            f"is known for {_known_http()}; give {platform} a sandbox:// gateway, or publish "
            "by hand (libops publish handoff)"
        )
    host = parts.hostname
    if not host:
        raise InvalidValueError(f"the gateway URL in {spec!r} names no host")
    if parts.scheme == "http" and not is_loopback(host):
        raise InvalidValueError(
            f"http:// is only for a server on this machine (127.0.0.1, ::1, localhost), not "
            f"{host!r} in {spec!r}: use https://{parts.netloc}{parts.path}"
        )
    if parts.query or parts.fragment:
        raise InvalidValueError(
            f"an HTTP gateway URL is the API's base URL, without ?query or #fragment: {spec!r}"
        )
    if credentials is None:
        from libops.adapters.credentials import EnvCredentialStore

        credentials = EnvCredentialStore()
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
    return factory(base_url, credentials, clock)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` (any case), or a loopback address
    (127.0.0.0/8, ``::1``, with or without the brackets of a URL)."""
    host = host.strip("[]")
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def gateway_specs(given: Sequence[str]) -> list[str]:
    """``given``, else the specs in :data:`GATEWAYS_ENV` (spaces or commas between them)."""
    if given:
        return list(given)
    text = os.environ.get(GATEWAYS_ENV, "")
    return [part for part in text.replace(",", " ").split() if part]
