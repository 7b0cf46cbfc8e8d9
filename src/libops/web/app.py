"""The team's web app: server-rendered pages over the same commands, users and roles as the
HTTP API (docs/web.md).

:func:`web_routes` gives its routes (``libops serve`` adds them beside ``/v1``);
:func:`create_web_app` serves them alone. Every page is rendered by Jinja2 with autoescaping
on; every answer carries the security headers of :data:`SECURITY_HEADERS` (no inline script,
no framing); every POST is checked for the web app's own origin and, once signed in, for the
session's CSRF token (:mod:`libops.web.sessions`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import libops.web.budget as budget_forms
import libops.web.calendar as calendar
import libops.web.imports as import_forms
import libops.web.publishing as publishing
import libops.web.report as report_forms
from libops.application.queries import QUESTION_STATES
from libops.bootstrap import LibOps
from libops.domain.budget import Budget, BudgetCategory, Override
from libops.domain.errors import (
    InactiveUserError,
    InvalidValueError,
    MalformedRequestError,
    OverspendError,
    SelfApprovalError,
    UnknownIdError,
)
from libops.domain.permissions import authorize
from libops.domain.platforms import REGISTRY
from libops.domain.post import PostStatus
from libops.domain.risk import MAX_RATING as RATINGS
from libops.domain.risk import RiskCategory, RiskLevel, level_for
from libops.domain.values import (
    Actor,
    ContentType,
    Format,
    Money,
    PlatformLimits,
    PostVariant,
    ReviewChecklist,
    Role,
)
from libops.projections.activity import PAGE_SIZE as ACTIVITY_PAGE_SIZE
from libops.projections.activity import expand, summarised
from libops.projections.activity import page_key as activity_page_key
from libops.web.base import (
    ACTIVITY_PAGE,
    CSP,
    MAX_LISTED,
    POSTS_PAGE,
    SECURITY_HEADERS,
    STATIC,
    Page,
    Refused,
    WebBase,
    authorize_decision,
    duration_text,
    logins_of,
    may,
    parse_id,
    parse_rating,
    same_origin,
    tr,
)


class WebApp(WebBase):
    """The web app's pages over one opened store."""

    # --- screens ------------------------------------------------------------------------

    def dashboard(self, page: Page) -> Response:
        engine = self.ops.projections
        engine.run()
        scorecard = engine.view("scorecard")
        engagement = engine.view("engagement")
        campaigns = [doc for key, doc in sorted(scorecard.items()) if key.startswith("campaign:")]
        platforms = [
            (key.removeprefix("platform:"), doc)
            for key, doc in sorted(engagement.items())
            if key.startswith("platform:")
        ]
        names = {profile.id: profile.name(page.lang) for profile in REGISTRY}
        return self.render(
            page,
            "dashboard.html",
            campaigns=campaigns,
            platforms=[(names.get(p, p), doc) for p, doc in platforms],
            position=self.ops.app.recorder.max_notification_id() or 0,
        )

    def review_queue(self, page: Page) -> Response:
        authorize(page.person, "post.review")
        queue = self.ops.posts.review_queue(page.person, limit=100)
        rows = [(item, self._title(item)) for item in queue.items]
        return self.render(page, "review_queue.html", rows=rows)

    def _title(self, item: Mapping[str, Any]) -> str:
        title = item.get("title") or {}
        if isinstance(title, str):  # the lists give it opened (sealed titles too)
            return title
        if isinstance(title, Mapping) and "text" in title:
            return str(title["text"])
        return self.ops.posts.get(item["id"]).title

    def review(self, page: Page) -> Response:
        authorize(page.person, "post.review")
        post_id = parse_id(page.request.path_params["post_id"])
        post = self.ops.posts.get(post_id)
        error = None
        if page.request.method == "POST":
            decision = page.form.get("decision")
            if decision not in ("approve", "send_back"):
                raise MalformedRequestError(
                    "decision", f"decision is approve or send_back, not {decision!r}"
                )
            checklist = ReviewChecklist(
                accuracy=page.form.get("accuracy") == "on",
                copyright=page.form.get("copyright") == "on",
                privacy=page.form.get("privacy") == "on",
            )
            reviewed = self.attempt(
                lambda: self.ops.posts.review(
                    page.person,
                    post_id,
                    checklist,
                    approve=decision == "approve",
                    comments=page.form.get("comments", ""),
                )
            )
            if isinstance(reviewed, Refused):
                error = reviewed.message
            else:
                done = "review.done_approved" if decision == "approve" else "review.done_sent_back"
                return self.render(page, "done.html", message=tr(page, done), post_id=post_id)
        return self.render(
            page,
            "review.html",
            422 if error else 200,
            post=post,
            post_id=post_id,
            error=error,
            platform_names=self._platform_names(page),
            form=page.form,
        )

    def posts(self, page: Page) -> Response:
        listed = self.ops.posts.list(limit=POSTS_PAGE)
        rows = [(item, self._title(item)) for item in listed.items]
        return self.render(page, "posts.html", rows=rows)

    def _platform_names(self, page: Page) -> dict[str, str]:
        return {profile.id: profile.name(page.lang) for profile in REGISTRY}

    def _editable_platforms(self) -> list[tuple[str, PlatformLimits]]:
        """The platforms a post's text can go to from the editor (no media upload yet)."""
        chosen = [
            p.id
            for p in REGISTRY
            if p.publishes and p.limits is not None and not p.limits.requires_media
        ]
        limits = self.ops.posts.limits([PostVariant(p, "-") for p in chosen])
        return [(p.value, found) for p, found in limits.items() if not found.requires_media]

    def editor(self, page: Page) -> Response:
        post_id = page.request.path_params.get("post_id")
        if post_id is None:
            authorize(page.person, "post.draft")
        else:
            authorize(page.person, "post.revise")
        post = None if post_id is None else self.ops.posts.get(parse_id(post_id))
        platforms = self._editable_platforms()
        error = None
        if page.request.method == "POST":
            form = page.form
            variants = [
                PostVariant(platform, form[f"variant_{platform}"])
                for platform, _ in platforms
                if form.get(f"variant_{platform}", "").strip()
            ]
            submit = form.get("action") == "submit"

            def save() -> UUID:
                if not variants:
                    raise MalformedRequestError("variants", tr(page, "post.no_variant"))
                if post is None:
                    new_id: UUID = self.ops.posts.draft(
                        page.person,
                        title=form.get("title", ""),
                        body=form.get("body", ""),
                        content_type=form.get("content_type", ""),
                        format=form.get("format", ""),
                        variants=variants,
                    )
                else:
                    new_id = post.id
                    self.ops.posts.revise(
                        page.person,
                        new_id,
                        title=form.get("title", ""),
                        body=form.get("body", ""),
                        variants=variants,
                    )
                if submit:
                    self.ops.posts.submit_for_review(page.person, new_id)
                return new_id

            saved = self.attempt(save)
            if isinstance(saved, Refused):
                error = saved.message
            else:
                done = "post.submitted" if submit else "post.saved"
                return self.render(page, "done.html", message=tr(page, done), post_id=saved)
        values = dict(page.form)
        if post is not None and page.request.method == "GET":
            values = {
                "title": post.title,
                "body": post.body,
                **{f"variant_{v.platform.value}": v.text for v in post.variants},
            }
        return self.render(
            page,
            "editor.html",
            422 if error else 200,
            post=post,
            values=values,
            error=error,
            platforms=platforms,
            platform_names=self._platform_names(page),
            content_types=[c.value for c in ContentType],
            formats=[f.value for f in Format],
            changes_requested=post is not None and post.status is PostStatus.CHANGES_REQUESTED,
        )

    def calendar(self, page: Page) -> Response:
        query = page.request.query_params
        today = self.ops.posts.cadence.local_day(self.ops.app.clock.now())
        span = calendar.parse_span(query.get("week"), query.get("month"), today)
        only = calendar.check_platform(query.get("platform"))
        titles: dict[str, str] = {}

        def title_of(row: Mapping[str, Any] | str) -> str:
            key = row if isinstance(row, str) else str(row["id"])
            if key not in titles:
                titles[key] = (
                    self.ops.posts.get(key).title if isinstance(row, str) else self._title(row)
                )
            return titles[key]

        shown = calendar.build(self.ops, span, page.lang, title_of, only)
        return self.render(
            page,
            "calendar.html",
            cal=shown,
            only=only,
            platform_names=self._platform_names(page),
            publishing=[p.id for p in REGISTRY if p.publishes],
            today=today,
            zone=self.ops.posts.cadence.zone,
        )

    # --- publishing ---------------------------------------------------------------------

    def publishing(
        self, page: Page, *, message: str | None = None, error: str | None = None, status: int = 200
    ) -> Response:
        shown = publishing.status(self.ops, self._title)
        return self.render(
            page,
            "publishing.html",
            422 if error else status,
            shown=shown,
            message=message,
            error=error,
            may_publish=may(page.person, "post.publish"),
            may_schedule=may(page.person, "post.schedule"),
            may_retract=may(page.person, "post.retract"),
            may_confirm=may(page.person, "post.confirm_take_down"),
            take_downs=publishing.take_downs(self.ops),
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
        )

    def _target(self, page: Page) -> tuple[UUID, str]:
        post_id = parse_id(page.form.get("post_id", ""))
        platform = calendar.check_platform(page.form.get("platform"))
        if platform is None:
            raise MalformedRequestError("platform", tr(page, "publishing.no_platform"))
        return post_id, platform

    def publish_now(self, page: Page) -> Response:
        authorize(page.person, "post.publish")
        post_id, platform = self._target(page)
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
        post_id, platform = self._target(page)
        text = page.form.get("at", "").strip()
        try:
            at = datetime.fromisoformat(text)
            if at.tzinfo is None:  # a datetime-local field: the library's own time
                at = at.replace(tzinfo=self.ops.posts.cadence.zone)
        except ValueError:
            return self.publishing(page, error=tr(page, "publishing.bad_time", at=text))
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
        left = sum(1 for task in publishing.take_downs(self.ops) if task.post_id == str(post_id))
        return self.publishing(page, message=tr(page, "publishing.retracted", n=left))

    def confirm_take_down(self, page: Page) -> Response:
        """Confirm that staff took a retracted post down by hand (``post.confirm_take_down``),
        with a note and, if there is one, the address of the evidence."""
        authorize(page.person, "post.confirm_take_down")
        post_id, platform = self._target(page)
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

    # --- readers' questions ---------------------------------------------------------------

    def questions(
        self, page: Page, *, message: str | None = None, error: str | None = None
    ) -> Response:
        query = page.request.query_params
        state = query.get("state") or "waiting"
        platform = calendar.check_platform(query.get("platform"))
        listed = self.ops.questions.list(
            state=state, platform=platform, limit=MAX_LISTED, cursor=query.get("cursor") or None
        )
        now = self.ops.app.clock.now()
        after = self.ops.questions.escalate_after
        rows = []
        for row in listed.items:
            asked = datetime.fromisoformat(row["asked_at"])
            answered = row.get("answered_at")
            end = now if answered is None else datetime.fromisoformat(answered)
            waited = max(end - asked, timedelta(0))
            rows.append(
                (row, asked, duration_text(page, waited), answered is None and waited > after)
            )
        return self.render(
            page,
            "questions.html",
            422 if error else 200,
            rows=rows,
            state=state,
            states=QUESTION_STATES,
            only=platform,
            publishing=[p.id for p in REGISTRY if p.publishes],
            next_cursor=listed.next_cursor,
            escalate_after=duration_text(page, after),
            may_escalate=may(page.person, "question.escalate"),
            may_answer=may(page.person, "question.answer"),
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
            message=message,
            error=error,
        )

    def escalate_questions(self, page: Page) -> Response:
        authorize(page.person, "question.escalate")
        escalated = self.ops.questions.escalate_overdue(page.person)
        return self.questions(page, message=tr(page, "questions.escalated", n=len(escalated)))

    def question(self, page: Page) -> Response:
        question_id = parse_id(page.request.path_params["question_id"], "question")
        question = self.ops.questions.get(question_id)
        text = None
        error = None
        message = None
        if page.request.method == "POST":
            action = page.form.get("action")
            if action == "read":
                opened = self.attempt(
                    lambda: self.ops.questions.text(
                        page.person, question_id, reason=page.form.get("reason", "")
                    )
                )
                if isinstance(opened, Refused):
                    error = opened.message
                else:
                    text = opened if isinstance(opened, str) else tr(page, "question.erased")
            elif action == "answer":
                answered = self.attempt(
                    lambda: self.ops.questions.answer(
                        page.person, question_id, page.form.get("answer", "")
                    )
                )
                if isinstance(answered, Refused):
                    error = answered.message
                else:
                    message = tr(page, "question.answered_done")
                    question = self.ops.questions.get(question_id)
            else:
                error = f"action is read or answer, not {action!r}"
        now = self.ops.app.clock.now()
        return self.render(
            page,
            "question.html",
            422 if error else 200,
            question=question,
            text=text,
            error=error,
            message=message,
            form=page.form,
            waited=duration_text(page, question.waited(now)),
            may_read=may(page.person, "privacy.read"),
            may_answer=may(page.person, "question.answer"),
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
        )

    # --- budget -------------------------------------------------------------------------

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
            vendor = budget_forms.line(form.get("vendor", ""), "vendor")
            invoice = budget_forms.line(form.get("invoice_reference", ""), "invoice reference")
            spent = budget_forms.amount(form.get("amount", ""))
            category = budget_forms.category(form.get("category", ""))
            try:
                self.ops.budgets.record_expense(
                    page.person,
                    chosen.id,
                    vendor=vendor,
                    invoice_reference=invoice,
                    amount=Money(spent, chosen.currency),
                    category=category,
                )
            except OverspendError as over:
                if form.get("request_override") != "on":
                    raise
                reason = budget_forms.line(form.get("reason", ""), "reason")
                self.budget_requests.add(
                    kind="expense",
                    budget_id=str(chosen.id),
                    requested_by=page.person.id,
                    reason=reason,
                    vendor=vendor,
                    invoice_reference=invoice,
                    amount=spent,
                    category=category,
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
            allocation = budget_forms.amount(form.get("allocation", ""))
            Money(allocation, chosen.currency)  # the currency's minor unit
            self.budget_requests.add(
                kind="adjustment",
                budget_id=str(chosen.id),
                requested_by=page.person.id,
                category=budget_forms.category(form.get("category", "")),
                amount=allocation,
                reason=budget_forms.line(form.get("reason", ""), "reason"),
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

    # --- risks --------------------------------------------------------------------------

    def risks(
        self, page: Page, *, message: str | None = None, error: str | None = None
    ) -> Response:
        engine = self.ops.projections
        engine.run()
        view = engine.view("risks")
        register = view.get("register") or {}
        heat = register.get("heat_map") or [[0] * RATINGS for _ in range(RATINGS)]
        # Rows: likelihood 5 (top) to 1; columns: impact 1 to 5; each cell its count and level.
        grid = [
            (
                likelihood,
                [
                    (impact, heat[likelihood - 1][impact - 1], level_for(likelihood * impact).value)
                    for impact in range(1, RATINGS + 1)
                ],
            )
            for likelihood in range(RATINGS, 0, -1)
        ]
        open_risks = sorted(
            (
                (key.removeprefix("risk:"), doc)
                for key, doc in view.items()
                if key.startswith("risk:") and doc.get("status") == "open"
            ),
            key=lambda pair: (-pair[1]["score"], pair[1]["title"]),
        )
        person = page.person
        return self.render(
            page,
            "risks.html",
            422 if error else 200,
            grid=grid,
            register=register,
            open_risks=open_risks,
            ratings=list(range(1, RATINGS + 1)),
            categories=[c.value for c in RiskCategory],
            logins=self.ops.users.logins(),
            may_identify=may(person, "risk.identify") or may(person, "risk.identify_content"),
            content_only=not may(person, "risk.identify"),
            may_reassess=may(person, "risk.reassess"),
            levels=[level.value for level in RiskLevel],
            message=message,
            error=error,
            form=page.form,
        )

    def identify_risk(self, page: Page) -> Response:
        form = page.form
        category = form.get("category", "")
        if category == RiskCategory.CONTENT.value:
            authorize(page.person, "risk.identify_content")
        else:
            authorize(page.person, "risk.identify")
        identified = self.attempt(
            lambda: self.ops.risks.identify(
                page.person,
                title=form.get("title", ""),
                category=category,
                likelihood=parse_rating(form.get("likelihood", ""), "likelihood"),
                impact=parse_rating(form.get("impact", ""), "impact"),
                owner=form.get("owner", ""),
                description=form.get("description", ""),
            )
        )
        if isinstance(identified, Refused):
            return self.risks(page, error=identified.message)
        return self.risks(page, message=tr(page, "risks.identified"))

    def reassess_risk(self, page: Page) -> Response:
        authorize(page.person, "risk.reassess")
        form = page.form
        risk_id = parse_id(form.get("risk_id", ""), "risk")
        reassessed = self.attempt(
            lambda: self.ops.risks.reassess(
                page.person,
                risk_id,
                likelihood=parse_rating(form.get("likelihood", ""), "likelihood"),
                impact=parse_rating(form.get("impact", ""), "impact"),
                reason=form.get("reason", ""),
            )
        )
        if isinstance(reassessed, Refused):
            return self.risks(page, error=reassessed.message)
        return self.risks(page, message=tr(page, "risks.reassessed"))

    # --- activity log -------------------------------------------------------------------

    def activity(self, page: Page) -> Response:
        engine = self.ops.projections
        engine.run()
        total = int(engine.get("activity", "sequence") or 0)
        before_text = page.request.query_params.get("before")
        before = total + 1
        if before_text is not None:
            if (
                not before_text.isascii()
                or not before_text.isdigit()
                or len(before_text) > 18
                or int(before_text) < 1
            ):
                raise MalformedRequestError(
                    "before", f"before is an entry's number (1 or more), not {before_text!r}"
                )
            before = min(int(before_text), total + 1)
        first = max(1, before - ACTIVITY_PAGE)
        pages: dict[str, list[Any]] = {}
        rows = []
        for sequence in range(before - 1, first - 1, -1):
            key = activity_page_key(sequence)
            if key not in pages:
                pages[key] = engine.get("activity", key) or []
            index = (sequence - 1) % ACTIVITY_PAGE_SIZE
            if index < len(pages[key]):
                found = summarised(self.ops.event_log(), expand(pages[key][index]))
                found["recorded_at"] = datetime.fromisoformat(found["recorded_at"])
                rows.append(found)
        return self.render(
            page,
            "activity.html",
            rows=rows,
            total=total,
            older=first if first > 1 else None,
            newer=before + ACTIVITY_PAGE if before <= total else None,
            zone=self.ops.posts.cadence.zone,
        )

    # --- the report -----------------------------------------------------------------------

    def report(self, page: Page) -> Response:
        """The report's form: a period (a quarter, or a first and last day), a language and a
        format. Reading the report needs no role beyond being signed in (as ``/v1/report``):
        it reads only, and the role table has no command for it."""
        return self.render(page, "report.html", form=page.request.query_params, error=None)

    def download_report(self, page: Page) -> Response:
        from libops.report import (
            MissingCjkFontError,
            build_report,
            render_charts,
            render_docx,
            render_html,
            render_markdown,
        )

        form = page.request.query_params
        try:
            chosen = report_forms.choice(form)
            with self._report_lock:
                built = build_report(self.ops, period=chosen.period, lang=chosen.lang)
            if chosen.format == "html":
                data = render_html(built).encode("utf-8")
            else:
                charts = render_charts(built)
                if chosen.format == "md":
                    markdown = render_markdown(built)
                    data = report_forms.markdown_zip(markdown, charts, chosen.stem)
                else:
                    data = render_docx(built, charts=charts)
        except (MissingCjkFontError, InvalidValueError, MalformedRequestError) as refused:
            error = tr(page, "error.refused", detail=str(refused))
            return self.render(page, "report.html", 422, form=form, error=error)
        media, extension = report_forms.FORMATS[chosen.format]
        name = f"{chosen.stem}.{extension}"
        return Response(
            data,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # --- importing a platform export ---------------------------------------------------------

    def imports(
        self,
        page: Page,
        *,
        preview: Any = None,
        upload: import_forms.Upload | None = None,
        done: Any = None,
        error: str | None = None,
    ) -> Response:
        """Upload a platform's export for a dry run (``import.apply``: operations admins,
        technical support), then confirm it."""
        authorize(page.person, "import.apply")
        return self.render(
            page,
            "imports.html",
            422 if error else 200,
            preview=preview,
            upload=upload,
            done=done,
            error=error,
            shown=import_forms.SHOWN,
            limit_mb=import_forms.MAX_UPLOAD // (1024 * 1024),
            platforms=[(p.id, self._platform_names(page).get(p.id, p.id)) for p in REGISTRY],
        )

    def preview_import(self, page: Page) -> Response:
        authorize(page.person, "import.apply")
        if page.upload is None:
            return self.imports(page, error=tr(page, "imports.no_file"))
        name, data = page.upload
        platform = page.form.get("platform", "").strip() or None
        if platform is not None:
            platform = calendar.check_platform(platform)
        matched_only = page.form.get("matched_only") == "yes"
        try:
            kept = self.uploads.keep(
                page.person.id, name, data, platform=platform, matched_only=matched_only
            )
        except MalformedRequestError as refused:
            return self.imports(page, error=str(refused))
        try:
            preview = self.attempt(
                lambda: self.ops.imports.preview(
                    kept.path, platform=platform, matched_only=matched_only
                )
            )
        except BaseException:
            self.uploads.drop(kept.key)
            raise
        if isinstance(preview, Refused):
            self.uploads.drop(kept.key)
            return self.imports(page, error=preview.message)
        return self.imports(page, preview=preview, upload=kept)

    def run_import(self, page: Page) -> Response:
        authorize(page.person, "import.apply")
        kept = self.uploads.find(page.form.get("upload", ""), page.person.id)
        done = self.attempt(
            lambda: self.ops.imports.run(
                page.person, kept.path, platform=kept.platform, matched_only=kept.matched_only
            )
        )
        if isinstance(done, Refused):
            return self.imports(page, error=done.message)
        self.uploads.drop(kept.key)
        return self.imports(page, done=done)

    # --- sign-off by link ----------------------------------------------------------------

    def make_signoff(self, page: Page) -> Response:
        """An operations admin makes a sign-off link for a post in review and an approver
        (a user with the reviewer role): shown once."""
        authorize(page.person, "user.add")
        in_review = self.ops.posts.list(status="in_review", limit=POSTS_PAGE)
        posts = [(item["id"], self._title(item)) for item in in_review.items]
        approvers = []
        for login in self.ops.users.logins():
            user = self.ops.users.get(login)
            if Role.REVIEWER in user.roles and not user.disabled:
                approvers.append(user)
        made = error = None
        if page.request.method == "POST":
            post_id = str(parse_id(page.form.get("post_id", "")))
            login = page.form.get("login", "")
            post = self.ops.posts.get(post_id)
            if post.status is not PostStatus.IN_REVIEW:
                error = tr(page, "signoff.not_in_review")
            elif login not in {user.login for user in approvers}:
                error = tr(page, "signoff.not_approver", login=login)
            elif login in post.authors:
                error = tr(page, "signoff.author", login=login)
            else:
                secret, link = self.signoffs.make(post_id, login, page.person.id)
                made = (str(page.request.base_url) + "sign-off/" + secret, link, post.title)
        return self.render(
            page,
            "signoff_admin.html",
            422 if error else 200,
            posts=posts,
            approvers=approvers,
            made=made,
            error=error,
            zone=self.ops.posts.cadence.zone,
        )

    def use_signoff(self, page: Page) -> Response:
        """The approver's page (no sign-in): the post, approve or send back, once."""
        secret = page.request.path_params["secret"]
        try:
            link = self.signoffs.find(secret)
        except MalformedRequestError as refused:
            return self.error_page(page, 410, str(refused))
        approver = self.active_actor(link.login)  # (disabled since: refused, nothing shown)
        post = self.ops.posts.get(link.post_id)
        error = None
        if page.request.method == "POST":
            decision = page.form.get("decision")
            if decision not in ("approve", "send_back"):
                raise MalformedRequestError(
                    "decision", f"decision is approve or send_back, not {decision!r}"
                )
            checklist = ReviewChecklist(
                accuracy=page.form.get("accuracy") == "on",
                copyright=page.form.get("copyright") == "on",
                privacy=page.form.get("privacy") == "on",
            )
            try:
                claimed = self.signoffs.claim(secret)
            except MalformedRequestError as refused:
                return self.error_page(page, 410, str(refused))
            try:
                reviewed = self.attempt(
                    lambda: self.ops.posts.review(
                        approver,
                        link.post_id,
                        checklist,
                        approve=decision == "approve",
                        comments=page.form.get("comments", ""),
                    )
                )
            except BaseException:
                self.signoffs.give_back(claimed)
                raise
            if isinstance(reviewed, Refused):
                self.signoffs.give_back(claimed)
                error = reviewed.message
            else:
                done = "review.done_approved" if decision == "approve" else "review.done_sent_back"
                return self.render(page, "signoff_done.html", message=tr(page, done))
        return self.render(
            page,
            "signoff.html",
            422 if error else 200,
            post=post,
            approver=approver,
            link=link,
            error=error,
            form=page.form,
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
        )

    # --- API tokens ---------------------------------------------------------------------

    def tokens(
        self,
        page: Page,
        *,
        issued: Any = None,
        message: str | None = None,
        error: str | None = None,
    ) -> Response:
        """Operations admins list, issue (shown once) and revoke the users' API tokens."""
        authorize(page.person, "user.add")
        people = [self.ops.users.get(login) for login in self.ops.users.logins()]
        return self.render(
            page,
            "tokens.html",
            422 if error else 200,
            people=people,
            issued=issued,
            message=message,
            error=error,
            roles=sorted(Role, key=lambda role: role.value),
            zone=self.ops.posts.cadence.zone,
        )

    def issue_token(self, page: Page) -> Response:
        authorize(page.person, "user.add")
        login = page.form.get("login", "")
        chosen = [role.value for role in Role if page.form.get(f"role_{role.value}") == "on"]
        days_text = page.form.get("expires_days", "").strip()
        if not (days_text.isascii() and days_text.isdigit() and len(days_text) <= 4):
            return self.tokens(page, error=tr(page, "tokens.bad_days", days=days_text[:20]))
        issued = self.attempt(
            lambda: self.ops.users.issue_token(
                page.person,
                login=login,
                roles=chosen or None,
                expires_days=int(days_text),
                label=page.form.get("label", ""),
            )
        )
        if isinstance(issued, Refused):
            return self.tokens(page, error=issued.message)
        return self.tokens(page, issued=(login, issued))

    def revoke_token(self, page: Page) -> Response:
        authorize(page.person, "user.add")
        login, token_id = page.form.get("login", ""), page.form.get("token_id", "")
        revoked = self.attempt(
            lambda: self.ops.users.revoke_token(page.person, login=login, token_id=token_id)
        )
        if isinstance(revoked, Refused):
            return self.tokens(page, error=revoked.message)
        return self.tokens(page, message=tr(page, "tokens.revoked", token=token_id, login=login))

    def users(self, page: Page) -> Response:
        authorize(page.person, "user.add")
        people = [self.ops.users.get(login) for login in self.ops.users.logins()]
        return self.render(page, "users.html", people=people)

    def verify(self, page: Page) -> Response:
        contest_text = page.request.path_params.get("contest_id") or page.request.query_params.get(
            "id", ""
        )
        result = None
        error = None
        status = 200
        if contest_text:
            try:
                contest_id = UUID(contest_text.strip())
            except ValueError:
                error = tr(page, "verify.bad_id", id=contest_text)
                status = 422
            else:
                try:
                    result = self.ops.contests.verify(contest_id)
                except UnknownIdError:
                    error = tr(page, "verify.unknown", id=contest_text)
                    status = 404
        return self.render(
            page,
            "verify.html",
            status,
            contest=contest_text,
            result=result,
            error=error,
        )

    def missing(self, page: Page) -> Response:
        """The answer to a path the web app does not have (when it is served alone)."""
        return self.error_page(page, 404, tr(page, "error.not_found"))

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return self._secured(Response("not found", status_code=404, media_type="text/plain"))
        response = Response(self._static[name], media_type=STATIC[name])
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    # --- routes -------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """The web app's routes (none under ``/v1``, ``/healthz`` or ``/readyz``)."""
        both = ["GET", "POST"]
        return [
            Route("/", self.page(self.dashboard)),
            Route("/sign-in", self.page(self.sign_in, signed_in=False), methods=both),
            Route("/sign-out", self.page(self.sign_out), methods=["POST"]),
            Route("/language", self.page(self.public_language, signed_in=False), methods=["POST"]),
            Route("/review", self.page(self.review_queue)),
            Route("/review/{post_id}", self.page(self.review), methods=both),
            Route("/posts", self.page(self.posts)),
            Route("/posts/new", self.page(self.editor), methods=both),
            Route("/posts/{post_id}/edit", self.page(self.editor), methods=both),
            Route("/calendar", self.page(self.calendar)),
            Route("/publishing", self.page(self.publishing)),
            Route("/publishing/publish", self.page(self.publish_now), methods=["POST"]),
            Route("/publishing/schedule", self.page(self.schedule), methods=["POST"]),
            Route("/publishing/retract", self.page(self.retract), methods=["POST"]),
            Route("/publishing/take-down", self.page(self.confirm_take_down), methods=["POST"]),
            Route(
                "/publishing/by-hand/{post_id}/{platform}", self.page(self.by_hand), methods=both
            ),
            Route("/questions", self.page(self.questions)),
            Route("/questions/escalate", self.page(self.escalate_questions), methods=["POST"]),
            Route("/questions/{question_id}", self.page(self.question), methods=both),
            Route("/budget", self.page(self.budget)),
            Route("/budget/expense", self.page(self.record_expense), methods=["POST"]),
            Route("/budget/adjustment", self.page(self.request_adjustment), methods=["POST"]),
            Route("/budget/decide", self.page(self.decide), methods=["POST"]),
            Route("/risks", self.page(self.risks)),
            Route("/risks/identify", self.page(self.identify_risk), methods=["POST"]),
            Route("/risks/reassess", self.page(self.reassess_risk), methods=["POST"]),
            Route("/activity", self.page(self.activity)),
            Route("/report", self.page(self.report)),
            Route("/imports", self.page(self.imports)),
            Route(
                "/imports/preview",
                self.page(self.preview_import, upload=True),
                methods=["POST"],
            ),
            Route("/imports/run", self.page(self.run_import), methods=["POST"]),
            Route("/report/download", self.page(self.download_report)),
            Route("/admin/users", self.page(self.users)),
            Route("/admin/sign-off", self.page(self.make_signoff), methods=both),
            Route("/admin/tokens", self.page(self.tokens)),
            Route("/admin/tokens/issue", self.page(self.issue_token), methods=["POST"]),
            Route("/admin/tokens/revoke", self.page(self.revoke_token), methods=["POST"]),
            Route(
                "/sign-off/{secret}",
                self.page(self.use_signoff, signed_in=False),
                methods=both,
            ),
            Route("/public/contests", self.page(self.verify, signed_in=False)),
            Route("/public/contests/{contest_id}", self.page(self.verify, signed_in=False)),
            Route("/static/{name}", self.static),
        ]


def web_routes(ops: LibOps, *, secure_cookies: bool = True) -> tuple[list[BaseRoute], WebApp]:
    """The web app's routes over ``ops``, and the :class:`WebApp` (close it when done)."""
    web = WebApp(ops, secure_cookies=secure_cookies)
    return web.routes(), web


def mount_web(app: Starlette, ops: LibOps, *, secure_cookies: bool = True) -> WebApp:
    """Add the web app's pages to ``app`` (the HTTP API's app: its routes come first), closing
    the web app's connection when ``app`` shuts down."""
    routes, web = web_routes(ops, secure_cookies=secure_cookies)
    app.router.routes.extend(routes)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(started: Any) -> AsyncIterator[None]:
        try:
            async with inner(started):
                yield
        finally:
            web.close()

    app.router.lifespan_context = lifespan
    return web


def create_web_app(ops: LibOps, *, secure_cookies: bool = True) -> Starlette:
    """The web app alone over ``ops`` (an opened store), as an ASGI app."""
    routes, web = web_routes(ops, secure_cookies=secure_cookies)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            web.close()

    async def not_found(request: Request, error: Exception) -> Response:
        return await web.page(web.missing, signed_in=False)(request)

    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found}
    )
    app.state.web = web
    return app


__all__ = [
    "CSP",
    "SECURITY_HEADERS",
    "WebApp",
    "create_web_app",
    "mount_web",
    "same_origin",
    "web_routes",
]
