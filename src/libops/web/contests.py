"""The contests screen: staff list, announce and run contests (rules, opening, entries,
disqualifications, closing, the draw, cancelling), and anyone checks a draw on the public
verification page (docs/web.md, "Contests").

Every action goes through the contest commands with the signed-in person as the actor, so
the role table decides who may do what; readers appear only by their pseudonymous subject
ids (their sealed personal data is never opened here). The forms that would do harm if
sent twice (announcing, recording an entry, the draw) carry an idempotency key: a double
submit returns the first result and records nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, tzinfo
from typing import Any, Final
from urllib.parse import urlencode
from uuid import UUID

from starlette.responses import RedirectResponse, Response

from libops.domain.errors import (
    MalformedRequestError,
    UnknownIdError,
)
from libops.domain.interaction.contest import (
    Contest,
    ContestKind,
    ContestRules,
    ContestStatus,
    EntryMethod,
    Prize,
)
from libops.domain.permissions import authorize
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.platforms import REGISTRY
from libops.projections.ports import ViewChanges
from libops.web.base import (
    MAX_LISTED,
    POSTS_PAGE,
    Page,
    Refused,
    WebBase,
    may,
    parse_id,
    parse_moment,
    tr,
)

CONSENT_SKEW: Final = timedelta(minutes=2)
"""How far ahead of this server's clock an entry form's consent time may lie: the form may
have been drawn by another server whose clock runs a little ahead."""

SEALS: Final = "web.seals"
"""The view holding the store's secret for sealing the entry form's consent time (document
``consent``): made once, on first use, shared by every server process of the store."""

PRIZE_ROWS: Final = 3
"""How many prizes the rules form offers (empty rows are left out)."""

ACTIONS: Final = ("rules", "open", "entry", "disqualify", "close", "draw", "cancel")
"""What the contest page's forms do (the ``action`` field)."""

REDIRECTED: Final = frozenset({"rules", "open", "disqualify", "close", "cancel"})
"""The actions answered by a redirect to the contest's page (``?done=<action>``), so that
reloading it posts nothing again (an entry and the draw carry an idempotency key instead and
answer with the page, saying what the first post did)."""


def form_key(purpose: str) -> str:
    """A fresh idempotency key for one rendering of a form (a double submit repeats it)."""
    return f"web:{purpose}:{secrets.token_urlsafe(18)}"


def parse_count(page: Page, field: str, label: str) -> int:
    """The form's ``field`` as a whole number of at least 1 (the domain checks the top)."""
    text = page.form.get(field, "").strip()
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 6) or int(text) < 1:
        raise MalformedRequestError(field, tr(page, "contests.bad_number", field=label, n=text))
    return int(text)


def parse_rules(page: Page, zone: tzinfo) -> ContestRules:
    """The rules stated in the form (the domain's own checks give the remaining errors)."""
    form = page.form
    prizes = []
    for n in range(1, PRIZE_ROWS + 1):
        description = form.get(f"prize_{n}", "").strip()
        if description:
            label = tr(page, "contests.prize_quantity", n=n)
            prizes.append(Prize(description, parse_count(page, f"quantity_{n}", label)))
    platforms = [p.id for p in REGISTRY if form.get(f"platform_{p.id}") == "on"]
    return ContestRules(
        eligibility=form.get("eligibility", ""),
        opens_at=parse_moment(page, "opens_at", zone, tr(page, "contests.opens_at")),
        closes_at=parse_moment(page, "closes_at", zone, tr(page, "contests.closes_at")),
        entry_method=form.get("entry_method", ""),
        prizes=prizes,
        platforms=platforms,
        entries_per_person=parse_count(
            page, "entries_per_person", tr(page, "contests.entries_per_person")
        ),
        correct_answer_required=form.get("correct_answer_required") == "on",
    )


def rules_form(rules: ContestRules | None, zone: tzinfo) -> dict[str, str]:
    """The rules form's fields filled in from ``rules`` (for restating them)."""
    if rules is None:
        return {"entries_per_person": "1", "quantity_1": "1"}
    values = {
        "eligibility": rules.eligibility,
        "opens_at": rules.opens_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": rules.closes_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "entry_method": rules.entry_method.value,
        "entries_per_person": str(rules.entries_per_person),
        "correct_answer_required": "on" if rules.correct_answer_required else "",
    }
    for n, prize in enumerate(rules.prizes[:PRIZE_ROWS], 1):
        values[f"prize_{n}"] = prize.description
        values[f"quantity_{n}"] = str(prize.quantity)
    for platform in rules.platforms:
        values[f"platform_{platform.value}"] = "on"
    return values


class ContestsScreen(WebBase):
    """The staff's contests pages, and the public page that verifies a draw."""

    def _contest_choices(self, page: Page) -> dict[str, Any]:
        """What the rules form offers: kinds, entry methods, platforms (named)."""
        return {
            "kinds": [k.value for k in ContestKind],
            "methods": [m.value for m in EntryMethod],
            "platforms": [(p.id, p.name(page.lang)) for p in REGISTRY],
            "prize_rows": range(1, PRIZE_ROWS + 1),
            "zone": self.ops.posts.cadence.zone,
        }

    # --- the list ------------------------------------------------------------------------

    def contests(self, page: Page) -> Response:
        """Every contest, the latest announced first (up to :data:`MAX_LISTED`), read from
        the contests listing (``ops.queries.contests``, caught up first): no contest is
        loaded, so the page costs the same however many contests and entries there are."""
        listed = self.ops.queries.contests(limit=MAX_LISTED)
        shown = [
            {
                **row,  # the window as datetimes (None until rules are stated)
                **{
                    field: None if row[field] is None else datetime.fromisoformat(row[field])
                    for field in ("opens_at", "closes_at")
                },
            }
            for row in listed.items
        ]
        return self.render(
            page,
            "contests.html",
            contests=shown,
            more=listed.next_cursor is not None,
            may_announce=may(page.person, "contest.announce"),
            zone=self.ops.posts.cadence.zone,
        )

    # --- announcing ----------------------------------------------------------------------

    def new_contest(self, page: Page) -> Response:
        """Announce a contest with its rules (``contest.announce``)."""
        authorize(page.person, "contest.announce")
        zone = self.ops.posts.cadence.zone
        error = None
        if page.request.method == "POST":
            announced = self.attempt(lambda: self._announce(page, zone))
            if not isinstance(announced, Refused):
                return RedirectResponse(f"/contests/{announced}?done=announced", status_code=303)
            error = announced.message
        values = dict(page.form) if page.form else rules_form(None, zone)
        campaigns = self.ops.campaigns.page(limit=MAX_LISTED).items
        posts = self.ops.posts.list(limit=POSTS_PAGE).items
        return self.render(
            page,
            "contest_new.html",
            422 if error else 200,
            error=error,
            values=values,
            key=page.form.get("key") or form_key("contest.announce"),
            campaigns=[(str(c["id"]), str(c["name"])) for c in campaigns],
            posts=[(str(p["id"]), self._title(p)) for p in posts],
            **self._contest_choices(page),
        )

    def _announce(self, page: Page, zone: tzinfo) -> UUID:
        """Announce the contest the form states (its id). A campaign or post chosen in the
        form that does not exist is the form's error (422, the form kept), not a missing page:
        it is what the form sent, not the page asked for."""
        form = page.form
        rules = parse_rules(page, zone)
        try:
            return self.ops.contests.announce(
                page.person,
                kind=form.get("kind", ""),
                title=form.get("title", ""),
                rules=rules,
                campaign_id=form.get("campaign_id") or None,
                post_id=form.get("post_id") or None,
                idempotency_key=form.get("key") or None,
            )
        except UnknownIdError as unknown:
            raise MalformedRequestError(f"{unknown.kind}_id", str(unknown)) from unknown

    # --- one contest ---------------------------------------------------------------------

    def contest(self, page: Page) -> Response:
        """One contest: its rules, state, entries (pseudonymous) and the actions allowed."""
        contest_id = parse_id(page.request.path_params["contest_id"], "contest")
        contest = self.ops.contests.get(contest_id)
        error = None
        message = self._done_message(page, contest)
        if page.request.method == "POST":
            action = page.form.get("action", "")
            done_now = self.attempt(lambda: self._act(page, contest_id, action))
            if isinstance(done_now, Refused):
                error = done_now.message
            elif action in REDIRECTED:
                # Answered with a redirect: reloading the page shows it, posting nothing again.
                target = f"/contests/{contest_id}?{urlencode({'done': action})}"
                if action == "disqualify":
                    target += "&" + urlencode({"entry": page.form.get("entry_id", "")})
                return RedirectResponse(target, status_code=303)
            else:
                message = done_now
            contest = self.ops.contests.get(contest_id)
        return self._contest_page(page, contest, message=message, error=error)

    @staticmethod
    def _done_message(page: Page, contest: Contest) -> str | None:
        """The message for the action named by the address's ``done`` (after the redirect
        that answers it), if the contest shows that action done: an address alone shows no
        message the record does not bear out."""
        done = page.request.query_params.get("done")
        status = contest.status
        if done == "announced":
            return tr(page, "contest.done_announced")
        if done == "rules" and status is ContestStatus.ANNOUNCED and contest.rules is not None:
            return tr(page, "contest.done_rules")
        if done == "open" and status is ContestStatus.OPEN:
            return tr(page, "contest.done_open")
        if done == "close" and contest.seed_commitment:
            return tr(page, "contest.done_closed", commitment=contest.seed_commitment)
        if done == "cancel" and status is ContestStatus.CANCELLED:
            return tr(page, "contest.done_cancelled")
        if done == "disqualify":
            entry_id = page.request.query_params.get("entry", "")
            if any(e.entry_id == entry_id and not e.eligible for e in contest.entries):
                return tr(page, "contest.done_disqualified", entry=entry_id)
        return None

    def _act(self, page: Page, contest_id: UUID, action: str) -> str:
        """Carry out the form's ``action`` on the contest; the message saying it was done."""
        person, form, service = page.person, page.form, self.ops.contests
        zone = self.ops.posts.cadence.zone
        if action == "rules":
            authorize(person, "contest.state_rules")
            service.state_rules(person, contest_id, parse_rules(page, zone))
            return tr(page, "contest.done_rules")
        if action == "open":
            authorize(person, "contest.open")
            service.open(person, contest_id)
            return tr(page, "contest.done_open")
        if action == "entry":
            authorize(person, "contest.record_entry")
            return self._record_entry(page, contest_id)
        if action == "disqualify":
            authorize(person, "contest.disqualify")
            entry_id = form.get("entry_id", "")
            service.disqualify(person, contest_id, entry_id, form.get("reason", ""))
            return tr(page, "contest.done_disqualified", entry=entry_id)
        if action == "close":
            authorize(person, "contest.close")
            commitment = service.close(person, contest_id)
            return tr(page, "contest.done_closed", commitment=commitment)
        if action == "draw":
            authorize(person, "contest.draw")
            winners = service.draw(person, contest_id, idempotency_key=form.get("key") or None)
            return tr(page, "contest.done_drawn", n=len(winners))
        if action == "cancel":
            authorize(person, "contest.cancel")
            service.cancel(person, contest_id, form.get("reason", ""))
            return tr(page, "contest.done_cancelled")
        raise MalformedRequestError(
            "action", f"action is one of {', '.join(ACTIONS)}, not {action[:40]!r}"
        )

    def _record_entry(self, page: Page, contest_id: UUID) -> str:
        form = page.form
        zone = self.ops.posts.cadence.zone
        handle = form.get("handle", "").strip()
        if not handle:
            raise MalformedRequestError("handle", tr(page, "contest.no_handle"))
        answer = form.get("answer_correct", "")
        if answer not in ("", "yes", "no"):
            raise MalformedRequestError(
                "answer_correct", f"answer_correct is yes, no or empty, not {answer[:20]!r}"
            )
        entered_at = None
        if form.get("entered_at"):
            label = tr(page, "contests.entered_at")
            entered_at = parse_moment(page, "entered_at", zone, label)
        consent_at = self._consent_at(page, contest_id)
        entry_id = self.ops.contests.enter(
            page.person,
            contest_id,
            participant=PersonalInfo(handle=handle),
            consent=Consent(form.get("purpose", ""), consent_at),
            platform=form.get("platform", ""),
            method=form.get("method", ""),
            entry_id=form.get("entry_id", "").strip() or None,
            entered_at=entered_at,
            answer_correct=None if not answer else answer == "yes",
            idempotency_key=form.get("key") or None,
        )
        return tr(page, "contest.done_entry", entry=entry_id)

    def _consent_at(self, page: Page, contest_id: UUID) -> datetime:
        """When the reader's consent was taken: the moment the entry form was drawn (its
        hidden ``consent_at`` field), so the same form sent again is the same command under
        its idempotency key. The form carries a seal of that moment (``consent_seal``: an
        HMAC of the contest, the form's key and the moment, under the store's secret), so it
        cannot be edited. A moment that cannot be read, has no zone, is not the form's own,
        lies before the contest opened or more than :data:`CONSENT_SKEW` ahead is refused."""
        form = page.form
        text = form.get("consent_at", "").strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise MalformedRequestError("consent_at", tr(page, "contest.bad_consent_at", at=text))
        sealed = self.consent_seal(contest_id, form.get("key", ""), text)
        if not hmac.compare_digest(form.get("consent_seal", "").encode("utf-8"), sealed.encode()):
            raise MalformedRequestError("consent_at", tr(page, "contest.unsealed_consent_at"))
        if moment > self.ops.app.clock.now() + CONSENT_SKEW:
            raise MalformedRequestError(
                "consent_at", tr(page, "contest.future_consent_at", at=text)
            )
        opened_at = self.ops.contests.get(contest_id).opened_at
        if opened_at is not None and moment < opened_at:
            zone = self.ops.posts.cadence.zone
            raise MalformedRequestError(
                "consent_at",
                tr(
                    page,
                    "contest.early_consent_at",
                    at=text,
                    opened=opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                ),
            )
        return moment

    def consent_seal(self, contest_id: UUID, key: str, consent_at: str) -> str:
        """The seal the entry form of ``contest_id`` carries for its key and consent time."""
        message = f"{contest_id}\n{key}\n{consent_at}".encode()
        return hmac.new(self._seal_secret(), message, hashlib.sha256).hexdigest()

    def _seal_secret(self) -> bytes:
        """The store's sealing secret, made on first use (by compare-and-set, so two server
        processes starting together agree on one)."""
        views = self._views
        while True:
            position = views.position(SEALS)
            text = views.load(SEALS, "consent")
            if text is not None:
                return bytes.fromhex(str(json.loads(text)))
            made = json.dumps(secrets.token_hex(32))
            views.commit([ViewChanges(SEALS, position, position + 1, {"consent": made})])

    def _contest_page(
        self, page: Page, contest: Contest, *, message: str | None, error: str | None
    ) -> Response:
        zone = self.ops.posts.cadence.zone
        person = page.person
        status = contest.status
        entries = contest.entries
        restating = status is ContestStatus.ANNOUNCED
        posted = page.request.method == "POST"
        values = (
            dict(page.form)
            if posted and page.form.get("action") == "rules" and error
            else rules_form(contest.rules, zone)
        )
        entry_values = (
            dict(page.form) if posted and page.form.get("action") == "entry" and error else {}
        )
        entry_key = form_key("contest.record_entry")
        consent_at = self.ops.app.clock.now().isoformat()
        return self.render(
            page,
            "contest.html",
            422 if error else 200,
            contest=contest,
            state=status.value,
            entries=entries[-MAX_LISTED:][::-1],
            entry_count=len(entries),
            eligible=sum(1 for e in entries if e.eligible),
            awards=contest.awards(),
            message=message,
            error=error,
            values=values,
            entry_values=entry_values,
            purpose=tr(page, "contest.purpose_default", title=contest.title),
            draw_key=form_key("contest.draw"),
            entry_key=entry_key,
            consent_at=consent_at,
            consent_seal=self.consent_seal(contest.id, entry_key, consent_at),
            may_rules=restating and may(person, "contest.state_rules"),
            may_open=restating and contest.rules is not None and may(person, "contest.open"),
            may_enter=status is ContestStatus.OPEN and may(person, "contest.record_entry"),
            may_disqualify=status is ContestStatus.OPEN and may(person, "contest.disqualify"),
            may_close=status is ContestStatus.OPEN and may(person, "contest.close"),
            may_draw=status is ContestStatus.CLOSED and may(person, "contest.draw"),
            may_cancel=status in (ContestStatus.ANNOUNCED, ContestStatus.OPEN)
            and may(person, "contest.cancel"),
            platform_names=self._platform_names(page),
            **self._contest_choices(page),
        )

    # --- the public verification page ----------------------------------------------------

    def verify(self, page: Page) -> Response:
        """Anyone (no sign-in) redoes a contest's draw from its recorded events."""
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
