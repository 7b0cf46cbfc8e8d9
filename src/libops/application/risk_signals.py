"""Acting on risk signals: the process that turns what the signals projection found into risks.

:class:`~libops.projections.signals.RiskSignalsProjection` only *detects*: it writes an outbox
document ``outbox:<signal id>`` for each signal that fired and for each signal whose condition
cleared. :func:`dispatch_signals` *acts*, in the application layer: for each outbox document,
in firing order, it opens a risk (``ops.risks.identify``), raises the open risk of the same
signal and scope (``ops.risks.reassess``), or closes that risk once its condition cleared
(``ops.risks.close``), with ``source="signal:<signal>"`` (for the first two) and the
idempotency key ``signal:<signal id>``, then discards the outbox documents. A signal whose key
was used already (a dispatch that crashed before discarding, a rebuilt outbox, two dispatchers
at once) records nothing. :func:`raise_signals` catches the standard projections up and
dispatches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError

from libops.application.app import LibOpsApplication
from libops.application.risks import RiskService
from libops.domain.errors import IdempotencyKeyReuseError, InvalidValueError, LibopsError
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.risk import MAX_RATING, signal_source
from libops.domain.values import Actor, Role, require_uuid
from libops.projections.engine import ProjectionEngine
from libops.projections.signals import (
    CLEARED,
    CLEARED_SUFFIX,
    FIRED,
    NAME,
    OUTBOX,
    signal_key,
    signal_parts,
)

SIGNALS_ACTOR: Final = Actor("libops-signals", [Role.TECHNICAL_SUPPORT], "libops risk signals")
"""Who opens, raises and closes risks from signals (technical support may identify any risk
and close one); an automatic closing is a `Risk.Closed` by this actor."""


class SignalsHost(Protocol):
    """What the dispatch needs of an opened store (:class:`~libops.LibOps` is one)."""

    @property
    def app(self) -> LibOpsApplication:
        """The application (its repository holds the idempotency records)."""
        ...

    @property
    def risks(self) -> RiskService:
        """The risk register's commands."""
        ...

    @property
    def projections(self) -> ProjectionEngine:
        """The engine of the standard projections."""
        ...


@attrs.frozen
class SignalOutcome:
    """What dispatching one signal did: opened a risk, raised one, or nothing (done before)."""

    signal_id: str
    signal: str
    scope: str
    action: str
    """``"identified"``, ``"reassessed"``, ``"closed"`` (the condition cleared),
    ``"not_open"`` (cleared, but the risk was closed already, by a person, or never opened),
    ``"continued"`` (cleared, but a later firing dispatched before clearings existed raised
    the same risk: it stays open), ``"already_recorded"`` or ``"failed"``."""
    risk_id: UUID | None
    error: str | None = None
    """Why the command was refused (``"failed"`` only): the signal stays in the outbox."""

    @property
    def recorded(self) -> bool:
        """Whether this dispatch opened or raised a risk (a closing is :attr:`closed`)."""
        return self.action in ("identified", "reassessed")

    @property
    def closed(self) -> bool:
        """Whether this dispatch closed a risk because the signal's condition cleared."""
        return self.action == "closed"

    @property
    def cleared(self) -> bool:
        """Whether this was a signal's condition clearing (rather than a firing)."""
        return self.signal_id.endswith(CLEARED_SUFFIX)


def _earlier(ops: SignalsHost, signal_id: str) -> IdempotencyRecord | None:
    """The record a dispatch of ``signal_id`` left, if it was dispatched before."""
    try:
        record: object = ops.app.repository.get(IdempotencyRecord.id_for(signal_key(signal_id)))
    except AggregateNotFoundError:
        return None
    return record if isinstance(record, IdempotencyRecord) else None


def _as_uuid(value: object) -> UUID | None:
    try:
        return require_uuid("id", value)
    except InvalidValueError:
        return None


def dispatch_signals(
    ops: SignalsHost,
    engine: ProjectionEngine,
    *,
    actor: Actor = SIGNALS_ACTOR,
    owner: Actor | str | None = None,
    name: str = NAME,
) -> list[SignalOutcome]:
    """Open, raise or close a risk for each signal in the outbox of ``engine``'s ``name`` view.

    In firing order: a signal whose scope has no open risk opens one (owned by ``owner``,
    ``actor`` unless given); otherwise the open risk is reassessed one step more likely (up
    to 5, at the larger of the two impacts), with the signal's description as the reason.
    A signal whose condition cleared closes the risk its scope had open, with a reason that
    names the evidence; a risk closed already (by a person) is left as it is. Every command
    carries the idempotency key ``signal:<signal id>`` (and the first two
    ``source="signal:<signal>"``); a signal already dispatched records nothing. The outbox
    documents are then discarded (their position stays: they are not made again), except
    those whose command was refused (outcome ``"failed"``, with the error), and the later
    documents of the same scope as a refused firing (which wait for it): they are tried
    again by the next dispatch.
    """
    outbox = sorted(
        (doc for key, doc in engine.view(name).items() if key.startswith(OUTBOX)),
        key=lambda doc: int(doc["sequence"]),
    )
    outcomes: list[SignalOutcome] = []
    waiting: dict[tuple[str, str], str] = {}  # a scope whose firing failed: its signal id
    for doc in outbox:
        scope = (doc["signal"], doc["scope"])
        kind = doc.get("kind", FIRED)  # outbox documents from before clearings: firings
        if scope in waiting:
            outcomes.append(
                SignalOutcome(
                    doc["signal_id"],
                    doc["signal"],
                    doc["scope"],
                    "failed",
                    None,
                    f"waits for {waiting[scope]} (refused) of the same signal and scope",
                )
            )
            continue
        try:
            if kind == CLEARED:
                outcomes.append(_close(ops, doc, actor))
            else:
                outcomes.append(_dispatch(ops, doc, actor, actor.id if owner is None else owner))
        except LibopsError as refused:
            outcomes.append(
                SignalOutcome(
                    doc["signal_id"], doc["signal"], doc["scope"], "failed", None, str(refused)
                )
            )
            if kind != CLEARED:
                waiting[scope] = doc["signal_id"]
    done = [OUTBOX + o.signal_id for o in outcomes if o.action != "failed"]
    if done:
        engine.discard(name, done)
    return outcomes


def _risk_opened_by(ops: SignalsHost, signal_id: str | None) -> UUID | None:
    """The risk that dispatching the firing ``signal_id`` opened, if it opened one.

    A firing that a dispatch from before clearings existed turned into a raise (its scope's
    risk was open) stands for the risk it raised: the one the latest firing of the scope
    before it opened.
    """
    parts = None if not signal_id else signal_parts(signal_id)
    if signal_id is None or parts is None:
        return None
    signal, scope, number = parts
    opened = _earlier(ops, signal_id)
    while opened is not None and opened.command == "risk.reassess" and number > 1:
        number -= 1
        opened = _earlier(ops, f"{signal}:{scope}:{number}")
    if opened is None or opened.command != "risk.identify":
        return None
    return _as_uuid(opened.result)


def _close(ops: SignalsHost, doc: Mapping[str, Any], actor: Actor) -> SignalOutcome:
    """Close the risk whose condition cleared (see :func:`dispatch_signals`)."""
    signal_id: str = doc["signal_id"]

    def outcome(action: str, risk_id: UUID | None) -> SignalOutcome:
        return SignalOutcome(signal_id, doc["signal"], doc["scope"], action, risk_id)

    earlier = _earlier(ops, signal_id)
    if earlier is not None:
        return outcome("already_recorded", _as_uuid(doc.get("risk_id")))
    risk_id = _as_uuid(doc.get("risk_id")) or _risk_opened_by(ops, doc.get("opened_by"))
    if risk_id is None:
        return outcome("not_open", None)
    # A firing after this one that a dispatch from before clearings existed turned into a
    # raise of this same risk: the risk stands for that later episode too, and stays open.
    later = _earlier(ops, f"{doc['signal']}:{doc['scope']}:{int(doc['firings']) + 1}")
    if later is not None and later.command == "risk.reassess":
        return outcome("continued", risk_id)
    try:
        if ops.risks.get(risk_id).is_closed:
            return outcome("not_open", risk_id)
        ops.risks.close(actor, risk_id, doc["reason"], idempotency_key=signal_key(signal_id))
    except IdempotencyKeyReuseError:
        # Another dispatcher closed it between our look and our command.
        return outcome("already_recorded", risk_id)
    return outcome("closed", risk_id)


def _dispatch(
    ops: SignalsHost, doc: Mapping[str, Any], actor: Actor, owner: Actor | str
) -> SignalOutcome:
    signal_id: str = doc["signal_id"]
    source = signal_source(doc["signal"])
    key = signal_key(signal_id)

    def outcome(action: str, risk_id: UUID | None) -> SignalOutcome:
        return SignalOutcome(signal_id, doc["signal"], doc["scope"], action, risk_id)

    earlier = _earlier(ops, signal_id)
    if earlier is not None:
        return outcome("already_recorded", _as_uuid(earlier.result))
    open_risk: UUID | None = None
    if doc["action"] == "update" and doc["opened_by"]:
        open_risk = _risk_opened_by(ops, doc["opened_by"])
    try:
        if open_risk is not None:
            risk = ops.risks.get(open_risk)
            if not risk.is_closed:
                ops.risks.reassess(
                    actor,
                    open_risk,
                    likelihood=min(risk.likelihood + 1, MAX_RATING),
                    impact=max(risk.impact, int(doc["impact"])),
                    reason=doc["description"],
                    source=source,
                    idempotency_key=key,
                )
                return outcome("reassessed", open_risk)
        risk_id = ops.risks.identify(
            actor,
            title=doc["title"],
            category=doc["category"],
            likelihood=int(doc["likelihood"]),
            impact=int(doc["impact"]),
            owner=owner,
            description=doc["description"],
            campaign_id=doc["campaign_id"],
            post_id=doc["post_id"],
            source=source,
            idempotency_key=key,
        )
    except IdempotencyKeyReuseError:
        # Another dispatcher acted on this signal between our look and our command.
        earlier = _earlier(ops, signal_id)
        return outcome("already_recorded", None if earlier is None else _as_uuid(earlier.result))
    return outcome("identified", risk_id)


def raise_signals(
    ops: SignalsHost, *, actor: Actor = SIGNALS_ACTOR, owner: Actor | str | None = None
) -> list[SignalOutcome]:
    """Catch the standard projections up with the log, then dispatch the risk signals.

    ``actor`` and ``owner`` are as for :func:`dispatch_signals`.
    """
    ops.projections.run()
    return dispatch_signals(ops, ops.projections, actor=actor, owner=owner)
