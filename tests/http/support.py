"""What the HTTP API's tests share: test bearer tokens, a client, and a minimal body for
every command (the table the role-by-command and OpenAPI tests are built from)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs
import httpx
import uvicorn
from starlette.applications import Starlette

from libops import Actor, LibOps
from libops.domain.errors import AuthenticationError
from libops.http import create_app
from tests import actors

TOKENS: Mapping[str, Actor] = {
    f"test-token-{actor.id}-7f3a9c": actor
    for actor in [*actors.ONE_PER_ROLE, actors.PLANNER2, actors.OWNER2]
}
"""Bearer tokens of the test actors (made up here: users and tokens are issue 15, item 2)."""

TOKEN_OF: Mapping[str, str] = {actor.id: token for token, actor in TOKENS.items()}


def authenticate(headers: Mapping[str, str]) -> Actor:
    """The test actor whose bearer token the request carries."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("the request carries no bearer token")
    actor = TOKENS.get(token.strip())
    if actor is None:
        raise AuthenticationError("that bearer token is not known")
    return actor


def auth(actor: Actor) -> dict[str, str]:
    """The Authorization header of ``actor``."""
    return {"Authorization": f"Bearer {TOKEN_OF[actor.id]}"}


class Client:
    """Requests to the app in this process (httpx over ASGI), one event loop per request."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def request(
        self, method: str, path: str, *, as_: Actor | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**(auth(as_) if as_ is not None else {}), **kwargs.pop("headers", {})}

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://libops.test"
            ) as client:
                return await client.request(method, path, headers=headers, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, *, as_: Actor | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, as_=as_, **kwargs)

    def post(self, path: str, *, as_: Actor | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, as_=as_, **kwargs)

    def command(
        self, name: str, body: Mapping[str, Any], *, as_: Actor, **kwargs: Any
    ) -> httpx.Response:
        return self.post(f"/v1/commands/{name}", as_=as_, json=dict(body), **kwargs)


def client_for(ops: LibOps, **options: Any) -> Client:
    """A client of a new app on ``ops``."""
    return Client(create_app(ops, authenticate=authenticate, **options))


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem a response carries (checking that it is one)."""
    assert response.headers["content-type"].startswith("application/problem+json"), (
        response.status_code,
        response.text,
    )
    found = response.json()
    assert isinstance(found, dict)
    assert found["status"] == response.status_code
    return found


def event_log(ops: LibOps) -> list[tuple[str, str]]:
    """Every stored event as (topic, its fields as JSON), with ids put as ``<id n>`` in the
    order they first appear: two stores that recorded the same commands give the same list."""
    names: dict[str, str] = {}

    def name(found: re.Match[str]) -> str:
        return names.setdefault(found[0], f"<id {len(names)}>")

    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    found = []
    for notification in ops.app.recorder.select_notifications(start=1, limit=10_000):
        event = ops.app.mapper.to_domain_event(notification)
        fields = {k: v for k, v in vars(event).items() if k != "timestamp"}
        text = json.dumps(fields, default=str, sort_keys=True, ensure_ascii=False)
        found.append((notification.topic, uuid.sub(name, text)))
    return found


# --- a minimal body for every command ---------------------------------------------------------


@attrs.frozen
class Ids:
    """Ids of aggregates the bodies name (made first by :func:`make_world`)."""

    campaign: str
    budget: str
    post: str
    risk: str
    contest: str
    question: str
    session: str
    subject: str


SOON = "2026-03-10T10:00:00+00:00"
LATER = "2026-03-20T10:00:00+00:00"
CONSENT = {"purpose": "the reading club", "given_at": "2026-03-01T07:00:00+00:00"}
PERSON = {"name": "A Reader", "handle": "@a_reader", "contact": "reader@example.org"}
MONEY = {"amount": "10.00"}
NO_IMPORT = "00000000-0000-4000-8000-00000000b01c"
APPROVER = {"id": actors.OWNER2.id, "roles": ["budget_owner"]}
PERIOD = {"start": "2026-04-01", "end": "2026-04-30"}
KOL = {
    "handle": "@reader",
    "platform": "weibo",
    "audience_size": 1000,
    "deliverables": ["one post"],
    "fee": MONEY,
}
SEALED = {
    "subject_id": "subject-1",
    "nonce": base64.b64encode(bytes(12)).decode(),
    "ciphertext": base64.b64encode(bytes(32)).decode(),
    "consent": CONSENT,
}

Body = Callable[[Ids], dict[str, Any]]

NO_BRIEF = "00000000-0000-4000-8000-00000000b41e"
"""A content brief id no test makes."""

NO_ASSET = "3ed1a000-0000-4000-8000-00000000dead"
"""A media asset id no test makes."""

NO_USER = "no.such.user"
"""A login no test adds."""

NO_SURVEY = "5a7e0000-0000-4000-8000-00000000dead"
"""The id of a survey no test makes."""


def _comment(ids: Ids) -> dict[str, Any]:
    return {"post_id": ids.post, "platform": "weibo", "external_id": "comment-1"}


BODIES: Mapping[str, Body] = {
    "audit.checkpoint": lambda ids: {},
    # An import with no rows (libops import builds the rows from a file; docs/import.md).
    "import.apply": lambda ids: {"rows": [], "post_ids": []},
    # The bulk path's three steps (ops.imports.run_bulk gives them; docs/import.md). No
    # import was started in this world: a batch or a finish names one that does not exist.
    "import.bulk.start": lambda ids: {
        "file": "daily.csv",
        "digest": "ab" * 32,
        "platform": "weibo",
        "rows": 1,
    },
    "import.bulk.batch": lambda i: {
        "import_id": NO_IMPORT,
        "rows": [2],
        "posts": [i.post],
        "campaign_ids": [None],
        "post_index": [0],
        "times": [SOON],
        "time_index": [0],
        "counts": {"reads": [5]},
        "extra": {},
        "lowered": [],
    },
    "import.bulk.finish": lambda ids: {"import_id": NO_IMPORT, "unchanged": 0},
    "budget.allocate": lambda i: {"budget_id": i.budget, "category": "promotion", "amount": MONEY},
    "budget.change_allocation": lambda i: {
        "budget_id": i.budget,
        "category": "promotion",
        "allocation": MONEY,
        "reason": "more ads",
        "approver": APPROVER,
    },
    "budget.close": lambda i: {"budget_id": i.budget},
    "budget.commit": lambda i: {
        "budget_id": i.budget,
        "reference": "PO-1",
        "amount": MONEY,
        "category": "promotion",
    },
    "budget.move": lambda i: {
        "budget_id": i.budget,
        "amount": MONEY,
        "from_category": "promotion",
        "to_category": "staff",
        "reason": "overtime",
        "approver": APPROVER,
    },
    "budget.open": lambda i: {"name": "Social media 2026", "period": PERIOD},
    "budget.record_expense": lambda i: {
        "budget_id": i.budget,
        "vendor": "Printer",
        "invoice_reference": "INV-1",
        "amount": MONEY,
        "category": "promotion",
    },
    "budget.release": lambda i: {"budget_id": i.budget, "reference": "PO-1", "reason": "done"},
    "campaign.add_kol_partner": lambda i: {"campaign_id": i.campaign, "partner": KOL},
    "campaign.amend": lambda i: {"campaign_id": i.campaign},
    "campaign.cancel": lambda i: {"campaign_id": i.campaign, "reason": "venue closed"},
    "campaign.complete": lambda i: {"campaign_id": i.campaign},
    "campaign.engage_kol_partner": lambda i: {
        "campaign_id": i.campaign,
        "partner": KOL,
        "budget_id": i.budget,
    },
    "campaign.launch": lambda i: {"campaign_id": i.campaign},
    "campaign.pause": lambda i: {"campaign_id": i.campaign, "reason": "waiting"},
    "campaign.plan": lambda i: {"name": "World Book Day", "kind": "topic", "period": PERIOD},
    "campaign.resume": lambda i: {"campaign_id": i.campaign},
    "conduct.feature_comment": lambda i: {
        "subject_id": i.subject,
        "comment": _comment(i),
        "reason": "thoughtful",
    },
    "conduct.hide_comment": lambda i: {
        "subject_id": i.subject,
        "comment": _comment(i),
        "reason": "spam",
    },
    "conduct.reward": lambda i: {
        "subject_id": i.subject,
        "comment": _comment(i),
        "reason": "helpful",
        "reward": "a book token",
    },
    "conduct.sanction": lambda i: {
        "subject_id": i.subject,
        "comment": _comment(i),
        "reason": "abuse",
    },
    "conduct.warn": lambda i: {"subject_id": i.subject, "comment": _comment(i), "reason": "rude"},
    "contest.announce": lambda i: {"kind": "prize_quiz", "title": "Poetry quiz"},
    "contest.cancel": lambda i: {"contest_id": i.contest, "reason": "no prizes"},
    "contest.close": lambda i: {"contest_id": i.contest},
    "contest.disqualify": lambda i: {
        "contest_id": i.contest,
        "entry_id": "entry-1",
        "reason": "two accounts",
    },
    "contest.draw": lambda i: {"contest_id": i.contest},
    "contest.open": lambda i: {"contest_id": i.contest},
    "contest.record_entry": lambda i: {
        "contest_id": i.contest,
        "participant": PERSON,
        "consent": CONSENT,
        "platform": "weibo",
        "method": "answer",
    },
    "contest.state_rules": lambda i: {
        "contest_id": i.contest,
        "rules": {
            "eligibility": "library members",
            "opens_at": SOON,
            "closes_at": LATER,
            "entry_method": "answer",
            "prizes": [{"description": "a book"}],
            "platforms": ["weibo"],
        },
    },
    "post.claim_publication": lambda i: {"post_id": i.post, "platform": "weibo"},
    "post.declare_origin": lambda i: {"post_id": i.post, "origin": "reposted"},
    "post.draft": lambda i: {
        "title": "New books",
        "body": "Twelve new books this week.",
        "content_type": "news",
        "format": "image_text",
        "variants": [{"platform": "weibo", "text": "Twelve new books this week."}],
    },
    "post.publish": lambda i: {"post_id": i.post, "platform": "weibo"},
    "post.record_manual_publication": lambda i: {
        "post_id": i.post,
        "platform": "weibo",
        "url": "https://weibo.com/1/Nabc",
    },
    "post.record_metrics": lambda i: {
        "post_id": i.post,
        "snapshot": {"platform": "weibo", "observed_at": "2026-03-01T07:30:00+00:00"},
    },
    "post.record_publish_failure": lambda i: {
        "post_id": i.post,
        "platform": "weibo",
        "error": "timeout",
        "retryable": True,
    },
    "post.redact": lambda i: {"post_id": i.post, "revision": 1, "reason": "a phone number"},
    "post.retract": lambda i: {"post_id": i.post, "reason": "wrong date"},
    "post.take_down": lambda i: {"post_id": i.post, "platform": "weibo"},
    "post.record_take_down_failure": lambda i: {
        "post_id": i.post,
        "platform": "weibo",
        "error": "timeout",
        "retryable": True,
    },
    "post.confirm_take_down": lambda i: {
        "post_id": i.post,
        "platform": "weibo",
        "note": "deleted in the Weibo app",
    },
    "post.review": lambda i: {
        "post_id": i.post,
        "checklist": {"accuracy": True, "copyright": True, "privacy": True},
        "approve": True,
    },
    "post.revise": lambda i: {"post_id": i.post},
    "post.schedule": lambda i: {"post_id": i.post, "platform": "weibo", "at": SOON},
    "post.settle_publication": lambda i: {"post_id": i.post, "platform": "weibo", "token": "t-1"},
    "post.submit_for_review": lambda i: {"post_id": i.post},
    "post.unschedule": lambda i: {"post_id": i.post, "platform": "weibo"},
    "post.void_metrics": lambda i: {
        "post_id": i.post,
        "platform": "weibo",
        "observed_at": "2026-03-01T07:30:00+00:00",
        "reason": "typed wrong",
    },
    "privacy.complete_erasure": lambda i: {"subject_id": i.subject},
    "privacy.erase": lambda i: {"subject_id": i.subject, "reason": "the reader asked"},
    "privacy.open": lambda i: {
        "sealed": SEALED,
        "aggregate_id": i.question,
        "version": 1,
        "topic": "libops:Question.Received",
        "reason": "to reply",
    },
    "privacy.read_asker": lambda i: {"question_id": i.question, "reason": "to reply"},
    "privacy.read_entrant": lambda i: {
        "contest_id": i.contest,
        "entry_id": "entry-1",
        "reason": "to send the prize",
    },
    "privacy.read_participant": lambda i: {
        "session_id": i.session,
        "subject_id": i.subject,
        "reason": "to remind them",
    },
    "privacy.read_question": lambda i: {"question_id": i.question, "reason": "to answer"},
    # Surveys (issue 17): the commands on a survey name one that does not exist (404 when
    # allowed), as the world makes none.
    "privacy.read_respondent": lambda i: {
        "survey_id": NO_SURVEY,
        "subject_id": i.subject,
        "reason": "to reply",
    },
    "privacy.read_response_texts": lambda i: {
        "survey_id": NO_SURVEY,
        "subject_id": i.subject,
        "reason": "to reply",
    },
    "survey.create": lambda i: {
        "title": "How was the evening?",
        "target": "account",
        "period": PERIOD,
        "questions": [{"id": "overall", "text": "How satisfied are you?", "kind": "rating"}],
    },
    "survey.open": lambda i: {"survey_id": NO_SURVEY},
    "survey.close": lambda i: {"survey_id": NO_SURVEY},
    "survey.record_response": lambda i: {
        "survey_id": NO_SURVEY,
        "answers": {"overall": 5},
        "respondent": PERSON,
        "consent": CONSENT,
        "platform": "weibo",
    },
    "privacy.request_erasure": lambda i: {"subject_id": i.subject, "reason": "the reader asked"},
    "privacy.reveal": lambda i: {"aggregate_id": i.question, "version": 1, "reason": "audit"},
    "privacy.subject_access": lambda i: {"subject_id": i.subject, "reason": "the reader asked"},
    "question.answer": lambda i: {"question_id": i.question, "text": "Open till nine."},
    "question.escalate": lambda i: {},
    "question.receive": lambda i: {
        "platform": "weibo",
        "text": "When do you open?",
        "asker": PERSON,
        "consent": CONSENT,
    },
    "reading_session.cancel": lambda i: {"session_id": i.session, "reason": "ill"},
    "reading_session.close": lambda i: {"session_id": i.session},
    "reading_session.record_attendance": lambda i: {
        "session_id": i.session,
        "subject_id": i.subject,
    },
    "reading_session.record_contribution": lambda i: {
        "session_id": i.session,
        "subject_id": i.subject,
        "text": "I liked it.",
    },
    "reading_session.register": lambda i: {
        "session_id": i.session,
        "participant": PERSON,
        "consent": CONSENT,
        "platform": "weibo",
    },
    "reading_session.schedule": lambda i: {
        "title": "Poetry evening",
        "starts_at": SOON,
        "ends_at": LATER,
        "capacity": 10,
        "place": "Reading room 2",
    },
    "risk.add_mitigation": lambda i: {
        "risk_id": i.risk,
        "description": "a second reader",
        "due_on": "2026-04-01",
    },
    "risk.assign_owner": lambda i: {"risk_id": i.risk, "owner": actors.TECH.id},
    "risk.close": lambda i: {"risk_id": i.risk, "reason": "gone"},
    "risk.complete_mitigation": lambda i: {"risk_id": i.risk, "number": 1},
    "risk.identify": lambda i: {
        "title": "Platform outage",
        "category": "technical",
        "likelihood": 2,
        "impact": 3,
        "owner": actors.TECH.id,
    },
    "risk.reassess": lambda i: {
        "risk_id": i.risk,
        "likelihood": 3,
        "impact": 3,
        "reason": "it happened again",
    },
    "risk.record_review": lambda i: {
        "risk_id": i.risk,
        "notes": "still open",
        "next_review_on": "2026-04-01",
    },
    "risk.report_incident": lambda i: {
        "risk_id": i.risk,
        "severity": "minor",
        "affected": "weibo posts",
    },
    "risk.resolve_incident": lambda i: {"risk_id": i.risk, "number": 1, "resolution": "fixed"},
    "risk.set_contingency_plan": lambda i: {
        "risk_id": i.risk,
        "plan": "post on WeChat",
        "owner": actors.TECH.id,
    },
    "standing.record_ranking": lambda i: {
        "source": "文旅部月榜",
        "period": PERIOD,
        "index": "传播力指数",
        "rows": [{"name": "A馆", "value": "12.50", "rank": 1}],
        "us": "A馆",
    },
    "standing.record_honour": lambda i: {
        "title": "优秀账号",
        "awarded_by": "省文旅厅",
        "awarded_on": "2026-04-23",
    },
    "standing.withdraw_honour": lambda i: {"honour_id": "no-such-honour", "reason": "error"},
    "standing.mark_typical_case": lambda i: {
        "subject_id": i.campaign,
        "subject_kind": "campaign",
        "theme": "阅读推广",
        "why": "三个平台联动",
    },
    "standing.unmark_typical_case": lambda i: {"subject_id": i.campaign, "reason": "another"},
    "standing.record_service_uses": lambda i: {
        "period": PERIOD,
        "kind": "renewal",
        "counts": [{"channel": "wechat", "count": 12}],
    },
    # People and access: the commands on a user name one that does not exist (404 when
    # allowed), since a user's own password and tokens are everyone's (their own only).
    "user.add": lambda i: {"login": "new.user", "name": "New User", "roles": ["reviewer"]},
    "user.set_password": lambda i: {"login": NO_USER, "password": "a long passphrase"},
    "user.change_roles": lambda i: {"login": NO_USER, "roles": ["reviewer"]},
    "user.change_scopes": lambda i: {"login": NO_USER, "platforms": ["weibo"]},
    "user.disable": lambda i: {"login": NO_USER, "reason": "left"},
    "user.enable": lambda i: {"login": NO_USER},
    "user.issue_token": lambda i: {"login": NO_USER, "expires_days": 30, "label": "cms"},
    "user.revoke_token": lambda i: {"login": NO_USER, "token_id": "0123456789abcdef"},
    # The team (issue 17, item 7): the roster's commands name a user that does not exist.
    "user.set_duties": lambda i: {"login": NO_USER, "duties": ["WeChat editor"]},
    "user.join": lambda i: {"login": NO_USER, "on": "2026-01-05"},
    "user.leave": lambda i: {"login": NO_USER, "on": "2026-01-05", "reason": "moved"},
    "user.record_training": lambda i: {
        "login": NO_USER,
        "course": "New media writing",
        "on": "2026-01-05",
        "hours": "6",
    },
    "user.correct_training": lambda i: {
        "login": NO_USER,
        "training_id": "t1",
        "hours": "4",
        "reason": "the certificate says 4 hours",
    },
    # Content briefs (issue 17): the commands on a brief name one that does not exist.
    "brief.propose": lambda i: {
        "title": "Poetry picks",
        "need": "Readers ask where to start with poetry",
        "content_type": "knowledge",
        "format": "image_text",
        "platforms": ["weibo"],
        "references": [{"note": "12 questions in March", "kind": "question", "ref": "q-1"}],
    },
    "brief.plan": lambda i: {"brief_id": NO_BRIEF, "due_on": "2026-04-20", "assignee": "li.na"},
    "brief.replan": lambda i: {"brief_id": NO_BRIEF, "assignee": "zhao.lei"},
    "brief.start": lambda i: {"brief_id": NO_BRIEF},
    "brief.mark_drafted": lambda i: {"brief_id": NO_BRIEF, "post_id": i.post},
    "brief.drop": lambda i: {"brief_id": NO_BRIEF, "reason": "no longer needed"},
    # Media library and checklist items (issue 17): the commands on an asset name one that
    # does not exist.
    "media.register": lambda i: {
        "title": "Reading room",
        "kind": "image",
        "source": "Visual China",
        "content_ref": "sha256:00",
        "licence": {"kind": "purchased", "holder": "Visual China", "expires_on": "2026-12-31"},
    },
    "media.update_licence": lambda i: {
        "asset_id": NO_ASSET,
        "licence": {"kind": "public_domain", "platforms": ["weibo"]},
    },
    "media.withdraw": lambda i: {"asset_id": NO_ASSET, "reason": "complaint"},
    "review.define_item": lambda i: {
        "key": "orientation",
        "label_en": "Orientation",
        "label_zh": "导向",
    },
    "review.retire_item": lambda i: {"key": "orientation", "reason": "merged into accuracy"},
}
"""A minimal valid body of every command, naming the aggregates of :class:`Ids`."""

CREATORS: Mapping[str, tuple[str, Actor]] = {
    "campaign": ("campaign.plan", actors.PLANNER),
    "budget": ("budget.open", actors.OWNER),
    "post": ("post.draft", actors.PLANNER),
    "risk": ("risk.identify", actors.ADMIN),
    "contest": ("contest.announce", actors.PLANNER),
    "question": ("question.receive", actors.PLANNER),
    "session": ("reading_session.schedule", actors.PLANNER),
}
"""The command (and who gives it) that makes each aggregate of :class:`Ids`."""

_NONE = "00000000-0000-4000-8000-000000000000"
NO_IDS = Ids(_NONE, _NONE, _NONE, _NONE, _NONE, _NONE, _NONE, subject="nobody")
"""Ids that name nothing (for bodies of commands that make aggregates)."""


def make_world(client: Client, ops: LibOps) -> Ids:
    """Make one aggregate of each kind over HTTP (the subject is the question's asker)."""
    made: dict[str, str] = {}
    for kind, (name, actor) in CREATORS.items():
        response = client.command(name, BODIES[name](NO_IDS), as_=actor)
        assert response.status_code == 200, response.text
        made[kind] = response.json()["result"]
    question = ops.questions.get(made["question"])
    return Ids(**made, subject=question.asker.subject_id)


def names(items: Iterable[Any]) -> list[str]:
    return sorted(str(item) for item in items)


def last_event(ops: LibOps) -> int:
    """The notification id of the last event recorded (0: none yet)."""
    return ops.app.recorder.max_notification_id() or 0


def serve_on_loopback(app: Any, protocol: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn and the HTTP ``protocol`` class on a free loopback port, in
    a thread; yield its base URL, then stop the server (a generator for fixtures)."""
    config = uvicorn.Config(
        app, http=protocol, host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive()
