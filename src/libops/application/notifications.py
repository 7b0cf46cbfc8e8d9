"""Delivering notifications: each outbox entry to each subscribed endpoint, at least once.

:class:`~libops.projections.notifications.NotificationsProjection` writes an outbox document
for each event a team is told about. :class:`NotificationDeliverer` catches that projection up
with the log (its own engine), then, in outbox order, sends each notification to every
:class:`Subscriber` whose kinds include it (and which subscribed before it happened), and
records each delivery in the view store (view ``notification_deliveries``, one document
``delivery:<notification id>@<endpoint>`` each):

- a send that succeeds is recorded ``delivered``: never sent to that endpoint again, also
  after a restart;
- a send that fails with a retryable error (:class:`~libops.domain.errors.WebhookDeliveryError`)
  is recorded ``retry`` with the time of the next attempt, after an exponential backoff with
  jitter (:class:`RetryPolicy`); after ``max_attempts`` attempts, or at once for an error
  that trying again cannot mend, it is recorded ``failed`` (dead-lettered): it stays, visible
  in :meth:`NotificationDeliverer.failed`, until :meth:`NotificationDeliverer.retry_failed`;
- once every subscribed endpoint has a notification, its id goes into a ledger (view
  ``notifications_done``, kept for good: a few dozen bytes a notification), then its outbox
  document is discarded, then its delivery documents. An outbox document whose id is in the
  ledger is discarded unsent: a rebuild of the projection, which writes the whole history's
  outbox again with the same ids, sends nothing a second time.

A process killed between a send and its record sends that notification again when it
restarts: delivery is at least once, and a receiver recognises the repeat by its id.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import attrs

from libops.domain.errors import InvalidValueError, WebhookDeliveryError
from libops.projections.engine import ProjectionEngine
from libops.projections.listings import ListingStore
from libops.projections.notifications import (
    NAME,
    OUTBOX,
    NotificationsProjection,
    public_notification,
)
from libops.projections.ports import ProjectionStore, ViewChanges, ViewStore

DELIVERIES: Final = "notification_deliveries"
"""The view-store name under which the deliveries are recorded (not a projection)."""

DELIVERY: Final = "delivery:"
"""The key prefix of a delivery document."""

DONE: Final = "notifications_done"
"""The view-store name of the ledger of notifications finished with (not a projection): one
small document per notification id, kept for good, so a rebuilt outbox sends nothing twice."""

DELIVERED, RETRY, FAILED = "delivered", "retry", "failed"
"""The states of a delivery."""

MAX_ERROR: Final = 500
"""The longest error text kept with a delivery."""


class Subscriber(Protocol):
    """An endpoint notifications go to (:class:`libops.adapters.webhooks.Endpoint` is one)."""

    @property
    def name(self) -> str:
        """The endpoint's name (unique among the subscribers)."""
        ...

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of notification it gets."""
        ...

    @property
    def since(self) -> datetime | None:
        """It gets the notifications of events from this time on (None: all)."""
        ...

    @property
    def language(self) -> str:
        """The language of its titles and summaries (``en`` or ``zh``)."""
        ...

    def send(self, notification: Mapping[str, Any]) -> None:
        """Deliver one notification; raise WebhookDeliveryError if the receiver did not take
        it."""
        ...


@attrs.frozen
class RetryPolicy:
    """How often and how far apart a failing delivery is tried.

    Attempt n (n >= 1) that fails waits ``min(first_delay * factor ** (n - 1), max_delay)``
    seconds, less up to ``jitter`` of it at random (so receivers that failed together are
    not all tried again at once), before attempt n + 1; after ``max_attempts`` it is failed.
    """

    max_attempts: int = 8
    first_delay: float = 2.0
    factor: float = 2.0
    max_delay: float = 900.0
    jitter: float = 0.5

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise InvalidValueError(f"max_attempts is a whole number, not {self.max_attempts!r}")
        if not 1 <= self.max_attempts <= 100:
            raise InvalidValueError(f"max_attempts is 1 to 100, not {self.max_attempts}")
        if not (0 <= self.first_delay <= self.max_delay and self.factor >= 1):
            raise InvalidValueError(
                "the delays are 0 <= first_delay <= max_delay, with factor >= 1"
            )
        if not 0 <= self.jitter <= 1:
            raise InvalidValueError(f"jitter is 0 to 1, not {self.jitter}")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The seconds to wait after failed attempt ``attempt`` (1 for the first)."""
        base = min(self.first_delay * self.factor ** (attempt - 1), self.max_delay)
        return base * (1 - self.jitter * rng.random())


@attrs.frozen
class DeliveryOutcome:
    """What one send did."""

    notification_id: str
    endpoint: str
    state: str
    """``delivered``, ``retry`` (to be tried again at ``next_at``) or ``failed``."""
    attempts: int
    error: str | None = None
    next_at: float | None = None


@attrs.frozen
class DeliveryState:
    """A delivery not finished: waiting for a retry, or failed (dead-lettered)."""

    notification_id: str
    kind: str
    endpoint: str
    state: str
    attempts: int
    error: str | None
    next_at: float | None


def delivery_key(notification_id: str, endpoint: str) -> str:
    """The key of the delivery document of ``notification_id`` to ``endpoint``."""
    return f"{DELIVERY}{notification_id}@{endpoint}"


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class NotificationDeliverer:
    """Sends the notifications of an opened store to ``subscribers`` (module docstring).

    ``base_url`` makes each notification's link absolute; ``now`` (seconds since the epoch)
    and ``rng`` are seams for tests. Close it (or use it in ``with``) to release its view
    store connections. Run one deliverer per store: two at once may each send a notification.
    """

    def __init__(
        self,
        ops: ProjectionStore,
        subscribers: Iterable[Subscriber],
        *,
        base_url: str | None = None,
        policy: RetryPolicy | None = None,
        now: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._subscribers = list(subscribers)
        names = [s.name for s in self._subscribers]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InvalidValueError(f"two subscribers are named {', '.join(twice)}")
        self._base_url = base_url
        self._policy = policy or RetryPolicy()
        self._now = now
        self._rng = rng or random.Random()
        self._engine = ProjectionEngine(ops, [NotificationsProjection()])
        self._views: ViewStore = ops.open_view_store()

    @property
    def engine(self) -> ProjectionEngine:
        """The engine of the notifications projection."""
        return self._engine

    def outbox(self) -> list[dict[str, Any]]:
        """The notifications not yet delivered everywhere, in order."""
        return sorted(
            (doc for key, doc in self._engine.view(NAME).items() if key.startswith(OUTBOX)),
            key=lambda doc: int(doc["sequence"]),
        )

    def _deliveries(self) -> dict[str, dict[str, Any]]:
        return {key: json.loads(text) for key, text in self._views.rows(DELIVERIES)}

    def _record(self, changes: Mapping[str, dict[str, Any] | None]) -> None:
        texts = {
            key: None if doc is None else json.dumps(doc, sort_keys=True)
            for key, doc in changes.items()
        }
        if not self._views.commit([ViewChanges(DELIVERIES, 0, 0, texts)]):
            raise InvalidValueError(f"the view {DELIVERIES!r} has a position: it is not ours")

    def _targets(self, doc: Mapping[str, Any]) -> list[Subscriber]:
        occurred = _when(doc["occurred_at"])
        return [
            s
            for s in self._subscribers
            if doc["kind"] in s.kinds and (s.since is None or occurred >= s.since)
        ]

    def deliver(self) -> list[DeliveryOutcome]:
        """Catch the projection up with the log, then send every notification that is due.

        Returns what each send did (deliveries waiting for their retry time are not tried).
        """
        self._engine.run()
        deliveries = self._deliveries()
        outcomes: list[DeliveryOutcome] = []
        waiting = self.outbox()
        done = self._finished([doc["id"] for doc in waiting])
        if done:
            self._finish([doc for doc in waiting if doc["id"] in done], deliveries)
        for doc in waiting:
            if doc["id"] in done:
                continue
            keys = []
            for subscriber in self._targets(doc):
                key = delivery_key(doc["id"], subscriber.name)
                keys.append(key)
                state = deliveries.get(key)
                if state is not None and (
                    state["state"] in (DELIVERED, FAILED) or float(state["next_at"]) > self._now()
                ):
                    continue
                outcomes.append(
                    self._send(doc, subscriber, 0 if state is None else int(state["attempts"]))
                )
            if self._all_delivered(doc, outcomes, deliveries):
                # The ledger first, then the outbox entry: a crash in between leaves an
                # entry the next round discards unsent, never a notification sent again.
                finished = json.dumps({"at": self._now()})
                if not self._views.commit([ViewChanges(DONE, 0, 0, {doc["id"]: finished})]):
                    raise InvalidValueError(f"the view {DONE!r} has a position: it is not ours")
                sent = [k for k in keys if k not in deliveries and self._was_sent(k, outcomes)]
                self._finish([doc], deliveries, sent)
        return outcomes

    def _finished(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` in the ledger of finished notifications."""
        if isinstance(self._views, ListingStore):
            return set(self._views.load_many(DONE, ids))
        return {i for i in ids if self._views.load(DONE, i) is not None}

    def _finish(
        self,
        docs: Sequence[Mapping[str, Any]],
        deliveries: Mapping[str, Any],
        sent: Sequence[str] = (),
    ) -> None:
        """Discard the outbox entries of ``docs`` (all in the ledger), then their delivery
        records, also those of endpoints removed since (their keys name the id)."""
        self._engine.discard(NAME, [OUTBOX + doc["id"] for doc in docs])
        mine = tuple(delivery_key(doc["id"], "") for doc in docs)
        gone = [k for k in deliveries if k.startswith(mine)] + list(sent)
        if gone:
            self._views.discard(DELIVERIES, gone)

    @staticmethod
    def _was_sent(key: str, outcomes: Sequence[DeliveryOutcome]) -> bool:
        return any(delivery_key(o.notification_id, o.endpoint) == key for o in outcomes)

    def _all_delivered(
        self,
        doc: Mapping[str, Any],
        outcomes: Sequence[DeliveryOutcome],
        deliveries: Mapping[str, Mapping[str, Any]],
    ) -> bool:
        for subscriber in self._targets(doc):
            key = delivery_key(doc["id"], subscriber.name)
            latest = [
                o.state
                for o in outcomes
                if o.notification_id == doc["id"] and o.endpoint == subscriber.name
            ]
            state = latest[-1] if latest else (deliveries.get(key) or {}).get("state")
            if state != DELIVERED:
                return False
        return True

    def _send(self, doc: Mapping[str, Any], subscriber: Subscriber, tried: int) -> DeliveryOutcome:
        notification = public_notification(
            doc, language=subscriber.language, base_url=self._base_url
        )
        attempts = tried + 1
        key = delivery_key(doc["id"], subscriber.name)
        base = {"notification_id": doc["id"], "kind": doc["kind"], "endpoint": subscriber.name}
        try:
            subscriber.send(notification)
        except WebhookDeliveryError as refused:
            error = str(refused)[:MAX_ERROR]
            if refused.retryable and attempts < self._policy.max_attempts:
                next_at = self._now() + self._policy.delay(attempts, self._rng)
                self._record(
                    {
                        key: {
                            **base,
                            "state": RETRY,
                            "attempts": attempts,
                            "error": error,
                            "next_at": next_at,
                        }
                    }
                )
                return DeliveryOutcome(doc["id"], subscriber.name, RETRY, attempts, error, next_at)
            self._record(
                {
                    key: {
                        **base,
                        "state": FAILED,
                        "attempts": attempts,
                        "error": error,
                        "next_at": None,
                    }
                }
            )
            return DeliveryOutcome(doc["id"], subscriber.name, FAILED, attempts, error)
        self._record(
            {
                key: {
                    **base,
                    "state": DELIVERED,
                    "attempts": attempts,
                    "error": None,
                    "next_at": None,
                    "delivered_at": self._now(),
                }
            }
        )
        return DeliveryOutcome(doc["id"], subscriber.name, DELIVERED, attempts)

    def waiting(self) -> list[DeliveryState]:
        """The deliveries waiting for a retry or failed, by notification and endpoint."""
        return [
            DeliveryState(
                doc["notification_id"],
                doc["kind"],
                doc["endpoint"],
                doc["state"],
                int(doc["attempts"]),
                doc.get("error"),
                doc.get("next_at"),
            )
            for _, doc in sorted(self._deliveries().items())
            if doc["state"] in (RETRY, FAILED)
        ]

    def failed(self) -> list[DeliveryState]:
        """The deliveries given up on (dead letters): tried ``max_attempts`` times, or
        refused for good. They stay until :meth:`retry_failed`."""
        return [state for state in self.waiting() if state.state == FAILED]

    def retry_failed(self, endpoint: str | None = None) -> int:
        """Make the failed deliveries (of ``endpoint`` only, if given) due again, with a new
        count of attempts; how many."""
        keys = [
            delivery_key(s.notification_id, s.endpoint)
            for s in self.failed()
            if endpoint is None or s.endpoint == endpoint
        ]
        if keys:
            self._views.discard(DELIVERIES, keys)
        return len(keys)

    def next_due(self) -> float | None:
        """When the earliest delivery waiting for a retry is due (None: none waits)."""
        times = [float(s.next_at) for s in self.waiting() if s.state == RETRY and s.next_at]
        return min(times) if times else None

    def follow(
        self,
        *,
        stop: threading.Event,
        poll_interval: float = 1.0,
        on_round: Callable[[list[DeliveryOutcome]], None] | None = None,
    ) -> None:
        """:meth:`deliver` again and again until ``stop`` is set: every ``poll_interval``
        seconds, or sooner when a retry is due."""
        if not poll_interval > 0:
            raise InvalidValueError(f"poll_interval must be above 0, not {poll_interval!r}")
        while not stop.is_set():
            outcomes = self.deliver()
            if on_round is not None:
                on_round(outcomes)
            wait = poll_interval
            due = self.next_due()
            if due is not None:
                wait = max(0.0, min(wait, due - self._now()))
            stop.wait(wait)

    def close(self) -> None:
        """Release the view store connections."""
        self._engine.close()
        self._views.close()

    def __enter__(self) -> NotificationDeliverer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
