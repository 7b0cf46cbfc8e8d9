"""The budget screen's requests waiting for a budget owner (``/budget``, docs/web.md).

libops records an adjustment (``budget.change_allocation``) or a spend past what a line has
available (``budget.record_expense`` with an ``Override``) in one command that names both the
person asking and the budget owner approving, and refuses a person approving their own. In a
browser these are two people at two times, so the web app keeps the request until a budget
owner decides: a document of the view store under :data:`REQUESTS` (like the sessions: not an
event, nothing of the budget changes). Approving runs the command as the requester with the
approver named, through ``CommandBus.execute`` like every page; only then is anything recorded.
A request withdrawn or declined is deleted.

A request is decided once: whoever decides it first claims it, a compare-and-set on the view's
position that takes the document away (:meth:`Requests.claim`), so a double-click or two
owners at once, even in two server processes, cannot both approve it; an approval the budget
refuses gives the claim back. The approval's command also carries the idempotency key
``web.budget_request:<id>``, so even a repeat that got past the claim records nothing twice.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs

from libops.domain.budget import BudgetCategory
from libops.domain.errors import MalformedRequestError, UnknownIdError
from libops.projections.ports import ViewChanges, ViewStore

REQUESTS: Final = "web.budget_requests"
"""The view-store name the waiting requests are kept under (not a projection)."""

KINDS: Final = ("adjustment", "expense")
MAX_TEXT: Final = 500


@attrs.frozen
class Request:
    """An adjustment, or an expense past what its line has available, waiting for approval."""

    id: str
    kind: str
    budget_id: str
    requested_by: str
    requested_at: datetime
    category: str
    amount: Decimal
    reason: str
    vendor: str | None = None
    invoice_reference: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "budget_id": self.budget_id,
            "requested_by": self.requested_by,
            "requested_at": self.requested_at.isoformat(),
            "category": self.category,
            "amount": str(self.amount),
            "reason": self.reason,
            "vendor": self.vendor,
            "invoice_reference": self.invoice_reference,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Request:
        return cls(
            id=data["id"],
            kind=data["kind"],
            budget_id=data["budget_id"],
            requested_by=data["requested_by"],
            requested_at=datetime.fromisoformat(data["requested_at"]),
            category=data["category"],
            amount=Decimal(data["amount"]),
            reason=data["reason"],
            vendor=data.get("vendor"),
            invoice_reference=data.get("invoice_reference"),
        )


def amount(text: str) -> Decimal:
    """``text`` as a positive amount of money (digits, a point, up to two decimals)."""
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise MalformedRequestError(
            "amount", f"the amount is a positive number with at most two decimals, not {text!r}"
        )
    return value


def category(text: str) -> str:
    """``text`` if it names a budget category."""
    known = [c.value for c in BudgetCategory]
    if text not in known:
        raise MalformedRequestError(
            "category", f"the category is one of {', '.join(known)}, not {text!r}"
        )
    return text


def line(text: str, field: str) -> str:
    """``text`` stripped, on one line, not empty and at most :data:`MAX_TEXT` characters."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_TEXT or not cleaned.isprintable():
        raise MalformedRequestError(
            field, f"{field} is one line of 1 to {MAX_TEXT} characters, not {text!r}"
        )
    return cleaned


class Requests:
    """The waiting requests, kept in the store's view tables."""

    def __init__(self, views: ViewStore, now: Callable[[], datetime]) -> None:
        self._views = views
        self._now = now

    def _commit(self, expected: int, changes: dict[str, str | None]) -> bool:
        return self._views.commit([ViewChanges(REQUESTS, expected, expected + 1, changes)])

    def _write(self, changes: dict[str, str | None]) -> None:
        while not self._commit(self._views.position(REQUESTS), changes):
            pass  # a request was added or claimed meanwhile: write at the new position

    def add(self, **fields: Any) -> Request:
        request = Request(id=secrets.token_hex(8), requested_at=self._now(), **fields)
        self._write({request.id: json.dumps(request.as_json())})
        return request

    def all(self) -> list[Request]:
        found = [Request.from_json(json.loads(text)) for _, text in self._views.rows(REQUESTS)]
        return sorted(found, key=lambda r: (r.requested_at, r.id))

    def get(self, request_id: str) -> Request:
        text = self._views.load(REQUESTS, request_id) if request_id.isalnum() else None
        if text is None:
            raise UnknownIdError("budget request", request_id)
        return Request.from_json(json.loads(text))

    def claim(self, request_id: str) -> Request:
        """Take the request ``request_id`` away to decide it: once (a second claim, even at
        the same time elsewhere, finds nothing: :class:`UnknownIdError`)."""
        while True:
            position = self._views.position(REQUESTS)
            request = self.get(request_id)
            if self._commit(position, {request.id: None}):
                return request

    def give_back(self, request: Request) -> None:
        """Put a claimed request back (its approval was refused: nothing was recorded)."""
        self._write({request.id: json.dumps(request.as_json())})
