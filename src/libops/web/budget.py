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
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs
from starlette.responses import Response

from libops.bootstrap import LibOps
from libops.domain.budget import Budget, BudgetCategory, Override
from libops.domain.errors import (
    InactiveUserError,
    MalformedRequestError,
    OverspendError,
    SelfApprovalError,
    UnknownIdError,
)
from libops.domain.permissions import authorize
from libops.domain.values import Actor, Money
from libops.web.base import (
    MAX_LISTED,
    Page,
    Refused,
    WebBase,
    may,
    tr,
)
from libops.web.view_tables import ViewTable

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


def authorize_decision(person: Actor, kind: str) -> None:
    """Refuse ``person`` a decision on a budget request of ``kind`` they may not take (an
    adjustment needs ``budget.approve_adjustment``, an overspend ``budget.authorize_override``)."""
    if kind == "adjustment":
        authorize(person, "budget.approve_adjustment")
    else:
        authorize(person, "budget.authorize_override")


def logins_of(*groups: Any) -> set[str]:
    """Everyone named as requester, recorder or approver in ``groups``."""
    found: set[str] = set()
    for group in groups:
        for item in group:
            for name in ("requested_by", "approved_by", "recorded_by"):
                value = getattr(item, name, None)
                if value:
                    found.add(value)
    return found


class Requests(ViewTable):
    """The waiting requests, kept in the store's view tables."""

    TABLE = REQUESTS

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


class BudgetScreen(WebBase):
    """The budget screen (``/budget``): positions, expenses, adjustments and the requests waiting
    for a budget owner, decided once."""

    def __init__(self, ops: LibOps, *, secure_cookies: bool = True) -> None:
        super().__init__(ops, secure_cookies=secure_cookies)
        self.budget_requests = Requests(self._views, ops.app.clock.now)

    def budget(
        self, page: Page, *, message: str | None = None, error: str | None = None
    ) -> Response:
        budgets = list(self.ops.budgets.list(limit=MAX_LISTED).items)
        chosen_id = page.request.query_params.get("id") or page.form.get("budget_id")
        chosen = None
        if chosen_id:
            chosen = next((b for b in budgets if b["id"] == chosen_id), None)
            if chosen is None:
                raise UnknownIdError("budget", chosen_id)
        elif budgets:
            chosen = budgets[0]
        adjustments: tuple[Any, ...] = ()
        overrides: tuple[Any, ...] = ()
        campaigns: dict[str, str] = {}
        if chosen is not None:
            adjustments = self.ops.budgets.adjustments(chosen["id"])
            overrides = self.ops.budgets.overrides(chosen["id"])
            for each in chosen["lines"]:
                if each["campaign_id"] and each["campaign_id"] not in campaigns:
                    campaigns[each["campaign_id"]] = self.ops.campaigns.get(
                        each["campaign_id"]
                    ).name
        waiting = [r for r in self.budget_requests.all() if chosen and r.budget_id == chosen["id"]]
        person = page.person
        return self.render(
            page,
            "budget.html",
            422 if error else 200,
            budgets=budgets,
            chosen=chosen,
            campaigns=campaigns,
            adjustments=adjustments,
            overrides=overrides,
            waiting=waiting,
            categories=[c.value for c in BudgetCategory],
            may_spend=may(person, "budget.record_expense"),
            may_adjust=may(person, "budget.adjust"),
            may_approve_adjustment=may(person, "budget.approve_adjustment"),
            may_authorize_override=may(person, "budget.authorize_override"),
            people={
                login: self._person_name(login)
                for login in logins_of(adjustments, overrides, waiting)
            },
            message=message,
            error=error,
            form=page.form,
            zone=self.ops.posts.cadence.zone,
        )

    def _person_name(self, login: str) -> str:
        user = self.ops.users.find(login)
        return login if user is None or not user.name else f"{user.name} ({login})"

    def _open_budget(self, page: Page) -> Budget:
        """The budget the form names (read directly: :class:`UnknownIdError` if none)."""
        return self.ops.budgets.get(page.form.get("budget_id", ""))

    def record_expense(self, page: Page) -> Response:
        authorize(page.person, "budget.record_expense")
        chosen = self._open_budget(page)
        form = page.form

        def record() -> str:
            vendor = line(form.get("vendor", ""), "vendor")
            invoice = line(form.get("invoice_reference", ""), "invoice reference")
            spent = amount(form.get("amount", ""))
            chosen_category = category(form.get("category", ""))
            try:
                self.ops.budgets.record_expense(
                    page.person,
                    chosen.id,
                    vendor=vendor,
                    invoice_reference=invoice,
                    amount=Money(spent, chosen.currency),
                    category=chosen_category,
                )
            except OverspendError as over:
                if form.get("request_override") != "on":
                    raise
                reason = line(form.get("reason", ""), "reason")
                self.budget_requests.add(
                    kind="expense",
                    budget_id=str(chosen.id),
                    requested_by=page.person.id,
                    reason=reason,
                    vendor=vendor,
                    invoice_reference=invoice,
                    amount=spent,
                    category=chosen_category,
                )
                return tr(page, "budget.override_requested", detail=str(over))
            return tr(page, "budget.expense_recorded")

        done = self.attempt(record)
        if isinstance(done, Refused):
            return self.budget(page, error=done.message)
        return self.budget(page, message=done)

    def request_adjustment(self, page: Page) -> Response:
        authorize(page.person, "budget.adjust")
        chosen = self._open_budget(page)
        form = page.form

        def ask() -> None:
            if chosen.is_closed:
                raise MalformedRequestError("budget_id", tr(page, "budget.closed"))
            allocation = amount(form.get("allocation", ""))
            Money(allocation, chosen.currency)  # the currency's minor unit
            self.budget_requests.add(
                kind="adjustment",
                budget_id=str(chosen.id),
                requested_by=page.person.id,
                category=category(form.get("category", "")),
                amount=allocation,
                reason=line(form.get("reason", ""), "reason"),
            )

        asked = self.attempt(ask)
        if isinstance(asked, Refused):
            return self.budget(page, error=asked.message)
        return self.budget(page, message=tr(page, "budget.adjustment_requested"))

    def decide(self, page: Page) -> Response:
        request = self.budget_requests.get(page.form.get("request_id", ""))
        decision = page.form.get("decision")
        page.form["budget_id"] = request.budget_id  # the request's budget, whatever was posted
        if decision == "withdraw":
            if request.requested_by != page.person.id:
                authorize_decision(page.person, request.kind)
            self.budget_requests.claim(request.id)
            return self.budget(page, message=tr(page, "budget.withdrawn"))
        authorize_decision(page.person, request.kind)
        if decision == "decline":
            self.budget_requests.claim(request.id)
            return self.budget(page, message=tr(page, "budget.declined"))
        if decision != "approve":
            raise MalformedRequestError(
                "decision", f"decision is approve, decline or withdraw, not {decision!r}"
            )

        def parties() -> tuple[Actor, Money]:
            if request.requested_by == page.person.id:
                raise SelfApprovalError(
                    f"{page.person.id} cannot approve their own request; another budget owner must"
                )
            try:
                requester = self.active_actor(request.requested_by)
            except InactiveUserError:
                raise SelfApprovalError(
                    tr(page, "budget.requester_gone", login=request.requested_by)
                ) from None
            return requester, Money(request.amount, self._open_budget(page).currency)

        checked = self.attempt(parties)
        if isinstance(checked, Refused):
            return self.budget(page, error=checked.message)
        requester, money = checked
        # Decided once: the first to claim it decides; a second decision finds nothing.
        claimed = self.budget_requests.claim(request.id)
        key = f"web.budget_request:{request.id}"

        def approve() -> None:
            if request.kind == "adjustment":
                self.ops.budgets.change_allocation(
                    requester,
                    request.budget_id,
                    category=request.category,
                    allocation=money,
                    reason=request.reason,
                    approver=page.person,
                    idempotency_key=key,
                )
            else:
                self.ops.budgets.record_expense(
                    requester,
                    request.budget_id,
                    vendor=request.vendor or "",
                    invoice_reference=request.invoice_reference or "",
                    amount=money,
                    category=request.category,
                    override=Override(page.person, request.reason),
                    idempotency_key=key,
                )

        try:
            approved = self.attempt(approve)
        except BaseException:
            self.budget_requests.give_back(claimed)
            raise
        if isinstance(approved, Refused):
            self.budget_requests.give_back(claimed)
            return self.budget(page, error=approved.message)
        return self.budget(page, message=tr(page, "budget.approved"))
