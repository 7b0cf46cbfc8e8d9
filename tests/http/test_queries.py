"""The lists over HTTP on every store: ``GET /v1/posts``, ``/v1/review-queue`` and
``/v1/campaigns``, with cursors, problems naming the parameter, and their OpenAPI entries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from jsonschema.validators import Draft202012Validator

from libops import Consent, LibOps, Money, Period, PersonalInfo, Platform, PostVariant
from libops.adapters.clock import ManualClock
from libops.domain.values import ReviewChecklist
from libops.http.queries import LIST_ENDPOINTS
from tests import actors
from tests.http.support import Client, client_for, problem_of

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


@pytest.fixture
def client(ops: LibOps) -> Client:
    return client_for(ops)


def _draft(ops: LibOps, title: str, author: Any = actors.PLANNER, **extra: Any) -> UUID:
    return ops.posts.draft(
        author,
        title=title,
        body="A body.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, title, media=("c.jpg",))],
        **extra,
    )


@pytest.fixture
def posts(ops: LibOps, clock: ManualClock) -> list[UUID]:
    """Five posts drafted a minute apart; the first two in review, one of them another
    planner's."""
    made = []
    for n in range(5):
        author = actors.PLANNER2 if n == 1 else actors.PLANNER
        made.append(_draft(ops, f"Post {n}", author))
        clock.advance(timedelta(minutes=1))
    ops.posts.submit_for_review(actors.PLANNER, made[0])
    ops.posts.submit_for_review(actors.PLANNER2, made[1])
    return made


def _ids(body: dict[str, Any]) -> list[UUID]:
    return [UUID(item["id"]) for item in body["items"]]


class TestPosts:
    def test_pages_through_every_post_once(
        self, client: Client, posts: list[UUID], ops: LibOps
    ) -> None:
        seen: list[UUID] = []
        cursor = None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            response = client.get("/v1/posts", as_=actors.AUDITOR, params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            assert set(body) == {"items", "next_cursor"}
            seen.extend(_ids(body))
            _draft(ops, "Inserted between pages")
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen[:5] == list(reversed(posts))  # newest drafted first; the inserted ones
        assert len(seen) == len(set(seen))  # (drafted later) are never reached by a cursor

    def test_filters_and_rows(self, client: Client, posts: list[UUID]) -> None:
        response = client.get(
            "/v1/posts",
            as_=actors.PLANNER,
            params={"status": "in_review", "platform": "weibo", "order": "published_at"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert _ids(body) == [posts[0], posts[1]]
        assert body["items"][0]["title"] == "Post 0"
        assert body["items"][0]["platforms"]["weibo"]["url"] is None
        assert body["next_cursor"] is None
        empty = client.get("/v1/posts?status=&platform=", as_=actors.PLANNER)
        assert len(empty.json()["items"]) == 5

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("status=bogus", "status"),
            ("platform=myspace", "platform"),
            ("campaign_id=42", "campaign_id"),
            ("published_after=yesterday", "published_after"),
            ("order=title", "order"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=ten", "limit"),
            ("cursor=abc", "cursor"),
            ("colour=red", "colour"),
            ("limit=2&limit=3", "limit"),
        ],
    )
    def test_bad_parameters_are_problems_naming_them(
        self, client: Client, posts: list[UUID], query: str, field: str
    ) -> None:
        response = client.get(f"/v1/posts?{query}", as_=actors.PLANNER)
        problem = problem_of(response)
        assert response.status_code == 422
        assert problem["field"] == field
        assert problem["error"] in {"QueryParameterError", "InvalidCursorError"}

    def test_needs_a_credential(self, client: Client) -> None:
        assert problem_of(client.get("/v1/posts"))["status"] == 401


class TestReviewQueue:
    def test_the_authenticated_person_never_sees_their_own(
        self, client: Client, posts: list[UUID]
    ) -> None:
        both = client.get("/v1/review-queue", as_=actors.REVIEWER)
        assert _ids(both.json()) == [posts[0], posts[1]]
        page = client.get("/v1/review-queue", as_=actors.REVIEWER, params={"limit": 1}).json()
        assert _ids(page) == [posts[0]]
        rest = client.get(
            "/v1/review-queue", as_=actors.REVIEWER, params={"cursor": page["next_cursor"]}
        ).json()
        assert _ids(rest) == [posts[1]]
        assert rest["next_cursor"] is None

    def test_refused_to_one_who_does_not_review(self, client: Client, posts: list[UUID]) -> None:
        response = client.get("/v1/review-queue", as_=actors.PLANNER)
        assert response.status_code == 403
        assert problem_of(response)["error"] == "PermissionDeniedError"


class TestQuestions:
    def test_waiting_and_answered_without_personal_data(
        self, client: Client, ops: LibOps, clock: ManualClock
    ) -> None:
        made = []
        for handle in ("@first", "@second"):
            made.append(
                ops.questions.receive(
                    actors.PLANNER,
                    platform="weibo",
                    text="When do you open?",
                    asker=PersonalInfo(name="Zhang Wei", handle=handle),
                    consent=Consent("answering this question", clock.now()),
                )
            )
            clock.advance(timedelta(hours=1))
        ops.questions.answer(actors.PLANNER, made[1], "At nine.")
        waiting = client.get("/v1/questions?state=waiting", as_=actors.AUDITOR).json()
        assert _ids(waiting) == [made[0]]
        answered = client.get(
            "/v1/questions",
            as_=actors.AUDITOR,
            params={"answered_since": (clock.now() - timedelta(minutes=1)).isoformat()},
        )
        assert answered.status_code == 200, answered.text
        assert _ids(answered.json()) == [made[1]]
        assert "Zhang" not in answered.text
        assert "open?" not in answered.text
        problem = problem_of(client.get("/v1/questions?state=late", as_=actors.AUDITOR))
        assert problem["field"] == "state"


class TestCampaigns:
    def test_by_state(self, client: Client, ops: LibOps) -> None:
        first = ops.campaigns.plan(
            actors.PLANNER,
            name="Spring",
            kind="topic",
            period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        )
        second = ops.campaigns.plan(
            actors.PLANNER,
            name="Summer",
            kind="topic",
            period=Period(date(2026, 6, 1), date(2026, 6, 30)),
        )
        ops.campaigns.cancel(actors.ADMIN, second, reason="No staff")
        body = client.get("/v1/campaigns", as_=actors.AUDITOR).json()
        assert _ids(body) == [second, first]
        cancelled = client.get("/v1/campaigns?state=cancelled", as_=actors.AUDITOR).json()
        assert _ids(cancelled) == [second]
        assert cancelled["items"][0]["state"] == "cancelled"
        problem = problem_of(client.get("/v1/campaigns?state=over", as_=actors.AUDITOR))
        assert problem["field"] == "state"


def test_budgets_with_their_lines(client: Client, ops: LibOps) -> None:
    budget = ops.budgets.open(
        actors.OWNER, name="FY 2026", period=Period(date(2026, 1, 1), date(2026, 12, 31))
    )
    ops.budgets.allocate(actors.OWNER, budget, "promotion", Money("500.00"))
    body = client.get("/v1/budgets?status=open", as_=actors.AUDITOR).json()
    assert _ids(body) == [budget]
    (line,) = body["items"][0]["lines"]
    assert (line["category"], line["allocated"], line["campaign_id"]) == (
        "promotion",
        "500.00",
        None,
    )
    assert client.get("/v1/budgets?status=closed", as_=actors.AUDITOR).json()["items"] == []
    assert problem_of(client.get("/v1/budgets?order=name", as_=actors.AUDITOR))["field"] == "order"


def test_openapi_lists_them_with_the_routes_parameters(memory_ops: LibOps) -> None:
    client = client_for(memory_ops)
    document = client.get("/v1/openapi.json").json()
    for endpoint in LIST_ENDPOINTS:
        operation = document["paths"][endpoint.path]["get"]
        assert [p["name"] for p in operation["parameters"]] == [p.name for p in endpoint.parameters]
        Draft202012Validator.check_schema(
            operation["responses"]["200"]["content"]["application/json"]["schema"]
        )
    post_id = _draft(memory_ops, "Checked")
    body = client.get("/v1/posts", as_=actors.AUDITOR).json()
    schema = document["paths"]["/v1/posts"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    Draft202012Validator(schema).validate(body)
    assert _ids(body) == [post_id]
