"""The publishing status screen (``/publishing``, :class:`PublishingScreen`) and its data:
each approved post's variants that are ready to schedule or publish, due, scheduled, failed
(with the last failure and how many attempts failed), waiting to be published by hand (no
gateway for their platform), or published.

The rows come from the publishing listing (``ops.queries.publishing``: the posts listing's
rows, indexed by whether a variant is still to publish), which keeps a
failed variant's last failure and how many attempts failed (``error``, ``retryable``,
``failed_at``, ``attempts``): the screen reads no post for them. A listing row written before
the listing counted attempts (``attempts`` absent or None, until
``ops.queries.rebuild("listings.publishing")``) falls back to the post's own count
(``Post.last_failure(platform).attempts``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode
from uuid import UUID

import attrs
from starlette.responses import RedirectResponse, Response

import libops.web.calendar as calendar
from libops.bootstrap import LibOps
from libops.domain.errors import (
    MalformedRequestError,
)
from libops.domain.permissions import authorize
from libops.domain.post import MetricOutcome
from libops.web.base import Page, Refused, WebBase, may, parse_id, parse_moment, tr
from libops.web.view_tables import ViewTable

LISTING_PAGE: Final = 200
PUBLISHED_SHOWN: Final = 30
"""How many published variants the screen lists (the latest first)."""


@attrs.frozen
class Variant:
    """One platform's variant of an approved post, as the screen shows it."""

    post_id: str
    title: str
    platform: str
    state: str  # ready, due, scheduled, failed, by_hand, published
    at: datetime | None = None
    url: str | None = None
    error: str | None = None
    retryable: bool = False
    attempts: int = 0
    gateway: bool = False


@attrs.frozen
class Status:
    ready: tuple[Variant, ...]
    due: tuple[Variant, ...]
    scheduled: tuple[Variant, ...]
    failed: tuple[Variant, ...]
    by_hand: tuple[Variant, ...]
    published: tuple[Variant, ...]


def _rows(ops: LibOps) -> list[Mapping[str, Any]]:
    """The approved posts the screen needs (``ops.queries.publishing``): every one with a
    variant not published yet, and the :data:`PUBLISHED_SHOWN` published most recently
    (which hold the latest published variants), each once. Posts published everywhere
    long ago are not read, so the page does not grow with the history of publishing."""
    rows: dict[str, Mapping[str, Any]] = {}
    cursor = None
    while True:
        page = ops.queries.publishing(work=True, limit=LISTING_PAGE, cursor=cursor)
        rows.update((row["id"], row) for row in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    for row in ops.queries.publishing(work=False, limit=PUBLISHED_SHOWN).items:
        rows.setdefault(row["id"], row)
    return list(rows.values())


def _failure(ops: LibOps, post_id: str, platform: str, entry: Mapping[str, Any]) -> Variant:
    """A failed variant's last failure and attempts, from its listing entry (or, for an entry
    written before the listing counted attempts, from the post)."""
    attempts = entry.get("attempts")
    if isinstance(attempts, int) and attempts > 0 and entry.get("failed_at"):
        return Variant(
            post_id=post_id,
            title="",
            platform=platform,
            state="failed",
            at=datetime.fromisoformat(entry["failed_at"]),
            error=entry.get("error"),
            retryable=bool(entry.get("retryable")),
            attempts=attempts,
        )
    failure = ops.posts.get(post_id).last_failure(platform)
    return Variant(
        post_id=post_id,
        title="",
        platform=platform,
        state="failed",
        at=None if failure is None else failure.at,
        error=None if failure is None else failure.error,
        retryable=failure is not None and failure.retryable,
        attempts=0 if failure is None else failure.attempts,
    )


def publishing_status(ops: LibOps, title_of: Callable[[Mapping[str, Any]], str]) -> Status:
    """Every approved post's variants, sorted into the screen's sections."""
    now = ops.app.clock.now()
    gateways = {p.value for p in ops.publishing.platforms}
    found: dict[str, list[Variant]] = {
        k: [] for k in ("ready", "due", "scheduled", "failed", "by_hand", "published")
    }
    rows = _rows(ops)
    for row in rows:
        title = ""  # filled in below, only for the variants shown (a title may be sealed)
        for platform, entry in sorted(row["platforms"].items()):
            state = entry["status"]
            has_gateway = platform in gateways
            base = {"post_id": row["id"], "title": title, "platform": platform}
            if state == "published":
                at = datetime.fromisoformat(entry["published_at"])
                found["published"].append(
                    Variant(**base, state="published", at=at, url=entry.get("url"))
                )
            elif state == "failed":
                failure = _failure(ops, row["id"], platform, entry)
                found["failed"].append(attrs.evolve(failure, gateway=has_gateway))
            elif state == "scheduled" and has_gateway:
                at = datetime.fromisoformat(entry["scheduled_at"])
                section = "due" if at <= now else "scheduled"
                found[section].append(Variant(**base, state=section, at=at, gateway=True))
            elif has_gateway:
                found["ready"].append(Variant(**base, state="ready", gateway=True))
            else:
                booked = entry.get("scheduled_at")
                found["by_hand"].append(
                    Variant(
                        **base,
                        state="by_hand",
                        at=None if booked is None else datetime.fromisoformat(booked),
                    )
                )
    never = datetime.max.replace(tzinfo=now.tzinfo)
    by_id = {row["id"]: row for row in rows}
    titles: dict[str, str] = {}

    def titled(variants: list[Variant], *, latest: bool = False) -> tuple[Variant, ...]:
        ordered = sorted(variants, key=lambda v: v.at or never, reverse=latest)
        if latest:
            ordered = ordered[:PUBLISHED_SHOWN]
        for variant in ordered:
            if variant.post_id not in titles:
                titles[variant.post_id] = title_of(by_id[variant.post_id])
        return tuple(attrs.evolve(v, title=titles[v.post_id]) for v in ordered)

    return Status(
        ready=titled(found["ready"]),
        due=titled(found["due"]),
        scheduled=titled(found["scheduled"]),
        failed=titled(found["failed"]),
        by_hand=titled(found["by_hand"]),
        published=titled(found["published"], latest=True),
    )


@attrs.frozen
class TakeDownTask:
    """One platform a retracted post may still be live on (an open take-down)."""

    post_id: str
    title: str
    platform: str
    external_id: str
    by_hand: bool
    reason: str
    error: str | None = None
    retryable: bool = True


def take_downs(ops: LibOps) -> tuple[TakeDownTask, ...]:
    """Every open take-down, in the order they were requested (``ops.posts.open_take_downs``):
    those left to staff (no gateway could take the post down, or the platform refused for
    good) and those libops's gateway failed to take down so far (``libops tick`` retries)."""
    titles: dict[UUID, str] = {}
    tasks = []
    for post_id, take_down in ops.posts.open_take_downs():
        if post_id not in titles:
            titles[post_id] = ops.posts.get(post_id).title
        tasks.append(
            TakeDownTask(
                post_id=str(post_id),
                title=titles[post_id],
                platform=take_down.platform.value,
                external_id=take_down.external_id,
                by_hand=take_down.by_hand,
                reason=take_down.reason,
                error=take_down.error,
                retryable=take_down.retryable,
            )
        )
    return tuple(tasks)


METRICS_RUN: Final = "web.metrics_run"
"""The view-store documents of "Collect metrics now": the run going on or the last one."""

METRICS_RUN_EXPIRY: Final = timedelta(minutes=15)
"""How long a run holds its claim: a run whose server died is taken over after this."""


class MetricsRuns(ViewTable):
    """One collection of metrics at a time, whichever tab, worker or server asks: a run
    claims the document ``run`` of :data:`METRICS_RUN` by compare-and-set on the view's
    position (as :class:`libops.web.budget.Requests` claims a request), holds it until it is
    finished or :data:`METRICS_RUN_EXPIRY` has passed, and leaves its result there for the
    page it redirects to."""

    TABLE = METRICS_RUN
    KEY: Final = "run"

    def current(self) -> dict[str, Any] | None:
        """The run going on or the last one (``id``, ``by``, ``started_at``, ``until``,
        ``finished``, ``result``), or None."""
        text = self._views.load(METRICS_RUN, self.KEY)
        return None if text is None else dict(json.loads(text))

    def claim(self, by: str) -> str | None:
        """A new run's id, claimed for ``by``; None while another run is going (unfinished
        and not expired)."""
        while True:
            position = self._views.position(METRICS_RUN)
            run = self.current()
            now = self._now()
            if (
                run is not None
                and not run["finished"]
                and datetime.fromisoformat(run["until"]) > now
            ):
                return None
            run_id = secrets.token_hex(8)
            claimed = {
                "id": run_id,
                "by": by,
                "started_at": now.isoformat(),
                "until": (now + METRICS_RUN_EXPIRY).isoformat(),
                "finished": False,
                "result": None,
            }
            if self._commit_run(position, claimed):
                return run_id

    def finish(self, run_id: str, result: dict[str, Any] | None) -> None:
        """Release the claim of ``run_id``, keeping its ``result`` (None: it failed); a run
        taken over after it expired leaves the newer run's claim alone."""
        while True:
            position = self._views.position(METRICS_RUN)
            run = self.current()
            if run is None or run["id"] != run_id:
                return
            if self._commit_run(position, {**run, "finished": True, "result": result}):
                return

    def _commit_run(self, expected: int, run: dict[str, Any]) -> bool:
        return self._commit(expected, {self.KEY: json.dumps(run)})


class PublishingScreen(WebBase):
    """The publishing status screen (``/publishing``) and its forms: publish now, schedule,
    retract, confirm a take-down, collect metrics now, and the hand-publishing page."""

    def __init__(self, ops: LibOps, *, secure_cookies: bool = True) -> None:
        super().__init__(ops, secure_cookies=secure_cookies)
        self.metrics_runs = MetricsRuns(self._views, ops.app.clock.now)

    def publishing(
        self, page: Page, *, message: str | None = None, error: str | None = None, status: int = 200
    ) -> Response:
        if message is None and page.request.query_params.get("done") == "metrics":
            message = self._collected_message(page, page.request.query_params.get("run", ""))
        shown = publishing_status(self.ops, self._title)
        return self.render(
            page,
            "publishing.html",
            (422 if status == 200 else status) if error else status,
            shown=shown,
            message=message,
            error=error,
            may_publish=may(page.person, "post.publish"),
            may_schedule=may(page.person, "post.schedule"),
            may_retract=may(page.person, "post.retract"),
            may_confirm=may(page.person, "post.confirm_take_down"),
            may_collect=may(page.person, "post.record_metrics"),
            metrics_gateways=bool(self.ops.publishing.platforms),
            take_downs=take_downs(self.ops),
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
        )

    def _publish_target(self, page: Page) -> tuple[UUID, str]:
        post_id = parse_id(page.form.get("post_id", ""))
        platform = calendar.check_platform(page.form.get("platform"))
        if platform is None:
            raise MalformedRequestError("platform", tr(page, "publishing.no_platform"))
        return post_id, platform

    def publish_now(self, page: Page) -> Response:
        authorize(page.person, "post.publish")
        post_id, platform = self._publish_target(page)
        receipt = self.attempt(lambda: self.ops.publishing.publish(page.person, post_id, platform))
        if isinstance(receipt, Refused):
            return self.publishing(page, error=receipt.message)
        name = self._platform_names(page).get(platform, platform)
        return self.publishing(
            page,
            message=tr(
                page,
                "publishing.published_now",
                platform=name,
                url=receipt.url or receipt.external_id,
            ),
        )

    def schedule(self, page: Page) -> Response:
        authorize(page.person, "post.schedule")
        post_id, platform = self._publish_target(page)
        zone = self.ops.posts.cadence.zone
        at = self.attempt(
            lambda: parse_moment(page, "at", zone, tr(page, "publishing.schedule_at"))
        )
        if isinstance(at, Refused):
            return self.publishing(page, error=at.message)
        warnings = self.attempt(lambda: self.ops.posts.schedule(page.person, post_id, platform, at))
        if isinstance(warnings, Refused):
            return self.publishing(page, error=warnings.message)
        message = tr(page, "publishing.scheduled_done", at=at.strftime("%Y-%m-%d %H:%M"))
        if warnings:
            message += " " + "; ".join(str(w) for w in warnings)
        return self.publishing(page, message=message)

    def retract(self, page: Page) -> Response:
        """Retract a published post (``post.retract``): it comes down where a gateway can take
        it down, and leaves a take-down task for staff elsewhere."""
        authorize(page.person, "post.retract")
        post_id = parse_id(page.form.get("post_id", ""))
        reason = page.form.get("reason", "")
        retracted = self.attempt(lambda: self.ops.posts.retract(page.person, post_id, reason))
        if isinstance(retracted, Refused):
            return self.publishing(page, error=retracted.message)
        left = sum(1 for task in take_downs(self.ops) if task.post_id == str(post_id))
        return self.publishing(page, message=tr(page, "publishing.retracted", n=left))

    def confirm_take_down(self, page: Page) -> Response:
        """Confirm that staff took a retracted post down by hand (``post.confirm_take_down``),
        with a note and, if there is one, the address of the evidence."""
        authorize(page.person, "post.confirm_take_down")
        post_id, platform = self._publish_target(page)
        url = page.form.get("url", "").strip() or None
        confirmed = self.attempt(
            lambda: self.ops.posts.confirm_take_down(
                page.person, post_id, platform, note=page.form.get("note", ""), url=url
            )
        )
        if isinstance(confirmed, Refused):
            return self.publishing(page, error=confirmed.message)
        name = self._platform_names(page).get(platform, platform)
        return self.publishing(page, message=tr(page, "publishing.taken_down", platform=name))

    def collect_metrics(self, page: Page) -> Response:
        """Read the current counts of every published variant on a platform with a gateway and
        record them (``post.record_metrics``: what ``libops metrics collect`` and the tick's
        metrics step do), then catch the projections up so the dashboard shows them. Refused,
        recording nothing, when no platform gateway is configured (figures then come from
        the platforms' exports). Done, it answers with a redirect to
        ``/publishing?done=metrics&run=<id>`` (the page says what was collected), so
        reloading the page collects nothing again. Asked while another collection runs (a
        double click, a second tab), it starts nothing and redirects to that run's page,
        which says it is still running and, once it is finished, what it collected."""
        authorize(page.person, "post.record_metrics")
        if not self.ops.publishing.platforms:
            return self.publishing(page, error=tr(page, "publishing.no_metrics_gateway"))
        run_id = self.metrics_runs.claim(page.person.id)
        if run_id is None:
            running = self.metrics_runs.current()
            if running is None:  # finished and replaced meanwhile: nothing to point at
                return RedirectResponse("/publishing", status_code=303)
            run_id = str(running["id"])
        else:
            result = None
            try:
                result = self._collect(page)
            finally:
                self.metrics_runs.finish(run_id, result)
        return RedirectResponse(
            f"/publishing?{urlencode({'done': 'metrics', 'run': run_id})}", status_code=303
        )

    def _still_running(self, page: Page, run: dict[str, Any]) -> str:
        """Who is collecting metrics in the unfinished ``run``, and since when."""
        by = str(run["by"])
        user = self.ops.users.find(by)
        started = datetime.fromisoformat(run["started_at"])
        return tr(
            page,
            "publishing.metrics_still_running",
            by=user.name if user is not None and user.name else by,
            at=started.astimezone(self.ops.posts.cadence.zone).strftime("%Y-%m-%d %H:%M"),
        )

    def _collect(self, page: Page) -> dict[str, Any]:
        """One collection, and what it did (kept with the run for the page that shows it)."""
        outcomes = self.ops.publishing.collect_metrics(page.person, with_gateway_only=True)
        counts = {outcome.value: 0 for outcome in MetricOutcome}
        failures = []
        if outcomes:
            self.ops.projections.run()
        for outcome in outcomes:
            if outcome.outcome is None:
                failures.append([str(outcome.post_id), outcome.platform.value, outcome.error])
            else:
                counts[outcome.outcome.value] += 1
        return {"n": len(outcomes), "counts": counts, "failures": failures}

    def _collected_message(self, page: Page, run_id: str) -> str | None:
        """What the finished run ``run_id`` collected, said in the page's language; that it
        is still running if it is not finished (nothing when it is not the last run)."""
        run = self.metrics_runs.current() if run_id.isalnum() else None
        if run is None or run["id"] != run_id:
            return None
        if not run["finished"]:
            return self._still_running(page, run)
        if run["result"] is None:
            return None
        result: dict[str, Any] = dict(run["result"])
        if not result["n"]:
            return tr(page, "publishing.nothing_to_collect")
        names = self._platform_names(page)
        failures = [
            tr(
                page,
                "publishing.collect_failed",
                post=self.ops.posts.get(UUID(post_id)).title,
                platform=names.get(platform, platform),
                error=error,
            )
            for post_id, platform, error in result["failures"]
        ]
        message = tr(
            page,
            "publishing.collected",
            n=result["n"],
            failed=len(failures),
            **result["counts"],
        )
        if failures:
            message += " " + " ".join(failures)
        return message

    def by_hand(self, page: Page) -> Response:
        authorize(page.person, "post.publish")
        post_id = parse_id(page.request.path_params["post_id"])
        platform = calendar.check_platform(page.request.path_params["platform"]) or ""
        handoff = self.ops.publishing.handoff(page.person, post_id, platform)
        error = None
        if page.request.method == "POST":
            external = page.form.get("external_id", "").strip()
            recorded = self.attempt(
                lambda: self.ops.publishing.record_manual_publication(
                    page.person,
                    post_id,
                    platform,
                    url=page.form.get("url", ""),
                    external_id=external or None,
                )
            )
            if isinstance(recorded, Refused):
                error = recorded.message
            else:
                name = self._platform_names(page).get(platform, platform)
                return self.publishing(page, message=tr(page, "publishing.recorded", platform=name))
        return self.render(
            page,
            "by_hand.html",
            422 if error else 200,
            handoff=handoff,
            error=error,
            form=page.form,
            platform_name=self._platform_names(page).get(platform, platform),
        )
