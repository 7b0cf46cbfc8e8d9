"""Reads over HTTP on every store: aggregates, view documents, the activity log, the report,
health and readiness."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.http.targets import AGGREGATES
from tests import actors
from tests.http.support import Client, Ids, client_for, make_world, problem_of


@pytest.fixture
def client(ops: LibOps) -> Client:
    """A client of the app on a fresh store of each kind."""
    return client_for(ops)


@pytest.fixture
def world(ops: LibOps, client: Client) -> Ids:
    """One aggregate of each kind, made over HTTP."""
    return make_world(client, ops)


class TestAggregates:
    def test_every_kind_reads_with_its_version(self, world: Ids, client: Client) -> None:
        """Each kind's public state, with its id, version and ETag."""
        ids = {
            "campaign": world.campaign,
            "post": world.post,
            "budget": world.budget,
            "risk": world.risk,
            "contest": world.contest,
            "question": world.question,
            "reading_session": world.session,
        }
        assert set(ids) == set(AGGREGATES)
        for kind, aggregate_id in ids.items():
            response = client.get(f"/v1/aggregates/{kind}/{aggregate_id}", as_=actors.AUDITOR)
            assert response.status_code == 200, (kind, response.text)
            found = response.json()
            assert (found["kind"], found["id"]) == (kind, aggregate_id)
            assert response.headers["etag"] == f'"{found["version"]}"'
            assert found["state"], kind

    def test_no_personal_data_only_the_subject_id(self, world: Ids, client: Client) -> None:
        """A question shows its asker as the pseudonymous subject id, nothing sealed."""
        response = client.get(f"/v1/aggregates/question/{world.question}", as_=actors.ADMIN)
        text = response.text
        for secret in ("A Reader", "@a_reader", "reader@example.org", "ciphertext", "nonce"):
            assert secret not in text
        assert response.json()["state"]["asker"] == {
            "personal_data": "sealed",
            "subject_id": world.subject,
        }

    def test_the_post_text_is_not_in_the_clear(self, world: Ids, client: Client) -> None:
        """A post's drafts are sealed: its public form carries no text in the clear."""
        response = client.get(f"/v1/aggregates/post/{world.post}", as_=actors.ADMIN)
        assert response.status_code == 200
        assert "Twelve new books" not in response.text

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("/v1/aggregates/campaign/00000000-0000-4000-8000-000000000000", 404),
            ("/v1/aggregates/campaign/not-an-id", 404),
            ("/v1/aggregates/spaceship/00000000-0000-4000-8000-000000000000", 404),
        ],
    )
    def test_unknown(self, client: Client, path: str, status: int) -> None:
        """An unknown id or kind: 404 UnknownIdError."""
        response = client.get(path, as_=actors.ADMIN)
        assert response.status_code == status
        assert problem_of(response)["error"] == "UnknownIdError"

    def test_a_post_of_another_kind_is_not_a_campaign(self, world: Ids, client: Client) -> None:
        """A post's id read as a campaign: 404."""
        response = client.get(f"/v1/aggregates/campaign/{world.post}", as_=actors.ADMIN)
        assert response.status_code == 404


class TestViews:
    def test_documents_a_page_at_a_time(self, ops: LibOps, world: Ids, client: Client) -> None:
        """Pages follow the document ids; the cursor gives each document once."""
        ops.projections.run()
        expected = sorted(ops.projections.view("activity"))
        seen: list[str] = []
        after = ""
        while True:
            response = client.get(
                "/v1/views/activity", params={"limit": 3, "after": after}, as_=actors.AUDITOR
            )
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["documents"]) <= 3
            seen += [d["id"] for d in page["documents"]]
            if page["next"] is None:
                break
            after = page["next"]
        assert seen == expected
        assert len(seen) > 3

    def test_a_prefix_and_one_document(self, ops: LibOps, world: Ids, client: Client) -> None:
        """prefix= narrows the ids; /{id} reads one document, as the engine has it."""
        ops.projections.run()
        response = client.get("/v1/views/activity", params={"prefix": "actor:"}, as_=actors.AUDITOR)
        ids = [d["id"] for d in response.json()["documents"]]
        assert ids
        assert all(i.startswith("actor:") for i in ids)
        one = client.get(f"/v1/views/activity/{ids[0]}", as_=actors.AUDITOR)
        assert one.status_code == 200
        assert one.json()["document"] == ops.projections.get("activity", ids[0])

    @pytest.mark.parametrize("limit", ["0", "501", "ten", "-1", "1.5"])
    def test_a_bad_limit(self, client: Client, limit: str) -> None:
        """400 naming limit."""
        response = client.get("/v1/views/activity", params={"limit": limit}, as_=actors.ADMIN)
        assert response.status_code == 400
        assert problem_of(response)["field"] == "limit"

    def test_unknown_view_or_document(self, client: Client) -> None:
        """404 for a projection that is not a standard one, or a document it lacks."""
        assert client.get("/v1/views/horoscope", as_=actors.ADMIN).status_code == 404
        missing = client.get("/v1/views/activity/actor:nobody", as_=actors.ADMIN)
        assert missing.status_code == 404
        assert problem_of(missing)["error"] == "UnknownIdError"


class TestActivity:
    def test_entries_after_a_sequence(self, ops: LibOps, world: Ids, client: Client) -> None:
        """since= and limit= page through the log, each entry with who and a summary."""
        ops.projections.run()
        first = client.get("/v1/activity", params={"limit": 2}, as_=actors.AUDITOR).json()
        assert [e["sequence"] for e in first["entries"]] == [1, 2]
        assert first["entries"][0]["actor_id"] == actors.PLANNER.id
        assert first["entries"][0]["summary"]
        rest = client.get(
            "/v1/activity", params={"since": first["next"], "limit": 500}, as_=actors.AUDITOR
        ).json()
        assert rest["entries"][0]["sequence"] == 3
        assert rest["next"] is None
        assert len(first["entries"]) + len(rest["entries"]) == first["total"]
        assert "reader@example.org" not in json.dumps(rest)

    def test_a_bad_since(self, client: Client) -> None:
        """400 naming since."""
        response = client.get("/v1/activity", params={"since": "yesterday"}, as_=actors.ADMIN)
        assert problem_of(response)["field"] == "since"


class TestReport:
    @pytest.mark.parametrize(("form", "media"), [("md", "text/markdown"), ("html", "text/html")])
    def test_the_report(self, world: Ids, client: Client, form: str, media: str) -> None:
        """The evaluation report in both forms (it catches the projections up)."""
        response = client.get("/v1/report", params={"format": form}, as_=actors.AUDITOR)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)
        assert "World Book Day" in response.text

    def test_in_chinese(self, world: Ids, client: Client) -> None:
        """lang=zh gives the Chinese report."""
        response = client.get("/v1/report", params={"lang": "zh"}, as_=actors.AUDITOR)
        assert response.status_code == 200
        assert "评估报告" in response.text or "报告" in response.text

    @pytest.mark.parametrize("params", [{"lang": "fr"}, {"format": "pdf"}])
    def test_bad_choices(self, client: Client, params: dict[str, str]) -> None:
        """400 naming the parameter."""
        response = client.get("/v1/report", params=params, as_=actors.ADMIN)
        assert response.status_code == 400
        assert problem_of(response)["field"] == next(iter(params))

    def test_an_unknown_campaign(self, client: Client) -> None:
        """404."""
        response = client.get(
            "/v1/report",
            params={"campaign_id": "00000000-0000-4000-8000-000000000000"},
            as_=actors.ADMIN,
        )
        assert response.status_code == 404


class TestHealth:
    def test_up_and_ready(self, ops: LibOps, world: Ids, client: Client) -> None:
        """/healthz answers; /readyz gives each projection's lag behind the log."""
        assert client.get("/healthz").json() == {"status": "up"}
        ready = client.get("/readyz").json()
        last = ready["last_notification_id"]
        assert last > 0
        assert ready["projections"]["activity"] == {"position": 0, "lag": last}
        ops.projections.run()
        caught_up = client.get("/readyz").json()
        assert caught_up["projections"]["activity"] == {"position": last, "lag": 0}

    def test_not_ready_when_the_store_fails(
        self, ops: LibOps, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """503 with Retry-After, naming no password."""

        def down() -> int:
            raise ConnectionError("connection refused")

        monkeypatch.setattr(ops.app.recorder, "max_notification_id", down)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert problem_of(response)["error"] == "StorageError"

    def test_reads_need_a_credential(self, world: Ids, client: Client) -> None:
        """Every read under /v1 but the OpenAPI document and problems needs one (401)."""
        for path in (
            "/v1/commands",
            f"/v1/aggregates/campaign/{world.campaign}",
            "/v1/views/activity",
            "/v1/views/activity/sequence",
            "/v1/activity",
            "/v1/report",
        ):
            response = client.get(path)
            assert response.status_code == 401, path
        assert client.get("/v1/openapi.json").status_code == 200

    def test_the_command_list(self, client: Client) -> None:
        """GET /v1/commands: each command's name, roles, fields and target."""
        listed = {c["name"]: c for c in client.get("/v1/commands", as_=actors.AUDITOR).json()}
        assert listed["campaign.launch"]["roles"] == ["operations_admin"]
        assert listed["campaign.launch"]["target"] == "campaign_id"
        assert listed["campaign.plan"]["target"] is None
        assert {f["name"] for f in listed["campaign.pause"]["fields"]} == {"campaign_id", "reason"}


class TestWhatAggregatesShow:
    def test_computed_state_without_personal_data(
        self, clock: ManualClock, world: Ids, client: Client
    ) -> None:
        """A budget's positions, a risk's score, a post's platforms, a session's
        registrations (subject ids, contributions counted, not shown)."""
        from tests.http.support import BODIES

        for name, actor in [
            ("budget.allocate", actors.OWNER),
            ("risk.report_incident", actors.ADMIN),
            ("post.submit_for_review", actors.PLANNER),
            ("contest.state_rules", actors.PLANNER),
            ("contest.open", actors.ADMIN),
            ("reading_session.register", actors.PLANNER),
        ]:
            response = client.command(name, BODIES[name](world), as_=actor)
            assert response.status_code == 200, (name, response.text)
        subject = response.json()["result"]
        clock.advance(timedelta(days=10))  # the session has started, the contest's window too
        for name, extra in [
            ("reading_session.record_attendance", {}),
            ("reading_session.record_contribution", {"text": "I loved the poems"}),
        ]:
            body = {"session_id": world.session, "subject_id": subject, **extra}
            response = client.command(name, body, as_=actors.PLANNER)
            assert response.status_code == 200, (name, response.text)
        entry = client.command(
            "contest.record_entry", BODIES["contest.record_entry"](world), as_=actors.PLANNER
        )
        assert entry.status_code == 200, entry.text

        def state(kind: str, aggregate_id: str) -> dict[str, object]:
            response = client.get(f"/v1/aggregates/{kind}/{aggregate_id}", as_=actors.AUDITOR)
            assert response.status_code == 200, response.text
            for private in ("A Reader", "reader@example.org", "I loved the poems"):
                assert private not in response.text
            found = response.json()["state"]
            assert isinstance(found, dict)
            return found

        budget = state("budget", world.budget)
        assert budget["positions"]["promotion"]["allocated"] == {  # type: ignore[index]
            "amount": "10.00",
            "currency": "CNY",
        }
        assert state("risk", world.risk)["score"] == 6
        assert state("post", world.post)["platforms"]["weibo"]["status"]  # type: ignore[index]
        entries = state("contest", world.contest)["entries"]
        assert isinstance(entries, list)
        assert [e["participant"] for e in entries] == [
            {"personal_data": "sealed", "subject_id": subject}
        ]
        registrations = state("reading_session", world.session)["registrations"]
        assert registrations == [
            {
                "participant": {"personal_data": "sealed", "subject_id": subject},
                "registered_at": "2026-03-01T08:00:00+00:00",
                "version": 2,
                "attended": True,
                "contributions": 1,
            }
        ]
