"""Commands as data: the registry, building commands from JSON, and the one execution path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given
from hypothesis import strategies as st

from libops import (
    Actor,
    AmendCampaign,
    Budget,
    CampaignKind,
    Command,
    Consent,
    DraftPost,
    IdempotencyKeyReuseError,
    IdentifyRisk,
    InvalidCommandError,
    LibOps,
    Money,
    MoveMoney,
    NotAnActorError,
    PauseCampaign,
    Period,
    PermissionDeniedError,
    PersonalInfo,
    PlanCampaign,
    Platform,
    PostVariant,
    ReceiveQuestion,
    RecordExpense,
    Role,
    UnknownCommandError,
    UnknownIdError,
    all_commands,
    build_command,
)
from libops.adapters.clock import ManualClock
from libops.application import commands
from libops.application.commands import Context, fingerprint, unstructure
from libops.domain.campaign import Campaign
from libops.domain.permissions import PERMISSIONS
from tests.helpers import count_events

PERIOD = Period(date(2026, 4, 1), date(2026, 4, 30))
BUDGET_OWNER = Actor("budget-1", [Role.BUDGET_OWNER], name="Zhou Min")

PLAN_JSON: dict[str, Any] = {
    "name": "World Book Day",
    "kind": "topic",
    "period": {"start": "2026-04-01", "end": "2026-04-30"},
    "platforms": ["weibo", "wechat"],
    "objectives": [{"metric": "likes", "target": "500", "platform": None}],
    "hashtags": ["#世界读书日"],
    "description": "a month of reading",
    "idempotency_key": "plan-1",
}


def plan() -> PlanCampaign:
    """The campaign PLAN_JSON describes, built in Python."""
    return PlanCampaign(
        name="World Book Day",
        kind="topic",
        period=PERIOD,
        platforms=[Platform.WEIBO, "wechat"],
        objectives=[_objective()],
        hashtags=["#世界读书日"],
        description="a month of reading",
        idempotency_key="plan-1",
    )


def _objective() -> Any:
    from libops import Objective

    return Objective("likes", Decimal(500))


class TestTheRegistry:
    def test_every_command_is_registered_once_by_name(self) -> None:
        """Each command class is listed under its NAME, with a handler."""
        commands = all_commands()
        assert len(commands) >= 60
        for name, spec in commands.items():
            assert name == spec.type.NAME
            assert callable(spec.handler)
        assert len({spec.type for spec in commands.values()}) == len(commands)

    def test_every_command_is_a_documented_frozen_value(self) -> None:
        """Commands are frozen attrs classes with a docstring; their key is keyword-only."""
        for spec in all_commands().values():
            assert attrs.has(spec.type)
            assert (spec.type.__doc__ or "").strip()
            key = attrs.fields_dict(spec.type)["idempotency_key"]
            assert key.kw_only
            assert key.default is None
            assert spec.type.__setattr__ is not object.__setattr__  # frozen

    def test_roles_come_from_the_role_table(self) -> None:
        """A command's roles are those the role table gives each entry it requires."""
        for spec in all_commands().values():
            for entry in spec.requires:
                assert spec.roles <= PERMISSIONS[entry]
            assert Role.AUDITOR not in spec.roles or spec.name in (
                "audit.checkpoint",
                "user.set_password",  # anyone's own password and tokens (domain.users)
                "user.issue_token",
                "user.revoke_token",
                "user.record_training",  # anyone's own training (issue 17, the team)
                "user.correct_training",
            )
        assert all_commands()["budget.move"].requires == ("budget.adjust",)
        assert (
            all_commands()["campaign.engage_kol_partner"].roles
            == frozenset({Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN})
            & PERMISSIONS["budget.commit"]
        )

    def test_unknown_names_are_refused(self) -> None:
        """Asking for a command that does not exist names it."""
        with pytest.raises(UnknownCommandError, match=r"campaign\.launch_rocket"):
            build_command("campaign.launch_rocket", {})


class Clockwork(Aggregate):
    """An aggregate that notes the times it is given."""

    def __init__(self) -> None:
        self.times: list[datetime] = []

    def tick(self, actor: Actor, *, now: datetime) -> None:
        self.times.append(now)


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands a test declares are forgotten after it (the registry is the process's)."""
    monkeypatch.setattr(commands, "_REGISTRY", dict(commands._REGISTRY))


@pytest.mark.usefixtures("own_registry")
class TestDeclaring:
    def test_a_one_call_command_calls_the_method_on_its_first_field(
        self, memory_ops: LibOps
    ) -> None:
        """``calls=`` loads the aggregate the first field names and passes the others."""

        @commands.command("campaign.rename", requires=("campaign.amend",), calls=Campaign.amend)
        @attrs.frozen
        class Rename(Command[None]):
            """Give a campaign a new name."""

            campaign_id: UUID | str
            name: str

        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        campaign_id = memory_ops.campaigns.plan(planner, name="x", kind="topic", period=PERIOD)
        assert memory_ops.execute(planner, Rename(str(campaign_id), "y")) is None
        assert memory_ops.campaigns.get(campaign_id).name == "y"
        assert Rename.NAME == "campaign.rename"
        assert all_commands()["campaign.rename"].requires == ("campaign.amend",)
        with pytest.raises(UnknownIdError, match="no campaign"):
            memory_ops.execute(planner, Rename(uuid4(), "z"))
        with pytest.raises(PermissionDeniedError):
            memory_ops.execute(BUDGET_OWNER, Rename(campaign_id, "z"))

    def test_a_class_method_makes_an_aggregate_and_returns_its_id(self, memory_ops: LibOps) -> None:
        """``calls=`` a class method: the new aggregate is saved and its id returned."""

        @commands.command("budget.open_again", requires=("budget.open",), calls=Budget.open)
        @attrs.frozen
        class OpenAgain(Command[UUID]):
            """Open a budget."""

            name: str
            period: Period

        budget_id = memory_ops.execute(BUDGET_OWNER, OpenAgain("2027", PERIOD))
        assert memory_ops.budgets.get(budget_id).name == "2027"

    def test_referred_aggregates_must_exist(self, memory_ops: LibOps) -> None:
        """``refers_to``: a field naming another aggregate names one that exists, or nothing."""

        @commands.command(
            "budget.open_for",
            requires=("budget.open",),
            calls=Budget.open,
            refers_to={"campaign_id": Campaign},
        )
        @attrs.frozen
        class OpenFor(Command[UUID]):
            """Open a budget for a campaign (which is not passed on)."""

            name: str
            period: Period

            campaign_id: UUID | None = attrs.field(default=None, kw_only=True)

            def arguments(self, *leave_out: str) -> dict[str, Any]:
                return super().arguments("campaign_id", *leave_out)

        before = count_events(memory_ops)
        with pytest.raises(UnknownIdError, match="no campaign"):
            memory_ops.execute(BUDGET_OWNER, OpenFor("x", PERIOD, campaign_id=uuid4()))
        assert count_events(memory_ops) == before
        assert isinstance(memory_ops.execute(BUDGET_OWNER, OpenFor("x", PERIOD)), UUID)

    def test_now_passes_the_clock(self, memory_ops: LibOps, clock: ManualClock) -> None:
        """With ``now=True`` the method is also given libops's time, not the machine's."""

        @commands.command(
            "campaign.tick", requires=("campaign.amend",), calls=Clockwork.tick, now=True
        )
        @attrs.frozen
        class Tick(Command[None]):
            """Tick."""

            clockwork_id: UUID

        clock.advance(timedelta(days=3))
        clockwork = Clockwork()
        context = Context(memory_ops.app, memory_ops.deps, memory_ops.bus)
        context.add(clockwork)
        handler = commands.registered(Tick).handler
        assert handler is not None
        handler(context, Actor("planner-1", [Role.CONTENT_PLANNER]), Tick(clockwork.id))
        assert clockwork.times == [clock.now()]

    def test_declaring_mistakes_are_refused(self) -> None:
        """A taken name, an entry the role table lacks, or a method of no aggregate."""

        @attrs.frozen
        class Thing(Command[None]):
            """A thing."""

            campaign_id: UUID | str

        with pytest.raises(TypeError, match=r"two commands are named campaign\.plan"):
            commands.command("campaign.plan")(Thing)
        with pytest.raises(TypeError, match="not in the role table"):
            commands.command("campaign.fly")(Thing)
        with pytest.raises(TypeError, match="not a method of an aggregate"):
            commands.command("campaign.x", requires=("campaign.amend",), calls=str.upper)(Thing)

    def test_a_command_without_a_handler_cannot_run(self, memory_ops: LibOps) -> None:
        """Declared but not handled: refused by the bus; a second handler is refused too."""

        @commands.command("campaign.note", requires=("campaign.amend",))
        @attrs.frozen
        class Note(Command[None]):
            """A note."""

            campaign_id: UUID | str

        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        with pytest.raises(UnknownCommandError, match="Note"):
            memory_ops.execute(planner, Note(uuid4()))

        def note(ctx: Context, actor: Actor, command: Note) -> None:
            return None

        commands.handles(Note)(note)
        memory_ops.execute(planner, Note(uuid4()))
        with pytest.raises(TypeError, match="has a handler already"):
            commands.handles(Note)(note)

        @attrs.frozen
        class Loose(Command[None]):
            """Never declared."""

        with pytest.raises(TypeError, match="Loose is not declared with @command"):
            commands.handles(Loose)(note)  # type: ignore[arg-type]  # the mistake under test


class TestFromJson:
    def test_a_command_from_json_is_the_one_built_in_python(self) -> None:
        """build_command reads the plain form into the command the constructor makes.

        Values named by text in Python (``kind="topic"``) are read as what they name.
        """
        built = build_command("campaign.plan", json.loads(json.dumps(PLAN_JSON)))
        assert isinstance(built, PlanCampaign)
        assert built == attrs.evolve(
            plan(), kind=CampaignKind.TOPIC, platforms=(Platform.WEIBO, Platform.WECHAT)
        )
        assert unstructure(built) == unstructure(plan()) == PLAN_JSON

    def test_the_plain_form_reads_back(self) -> None:
        """unstructure then build_command gives the command back, nested values included."""
        budget_id = uuid4()
        commands: list[Command[Any]] = [
            plan(),
            MoveMoney(
                budget_id,
                amount=Money("1200.50", "CNY"),
                from_category="promotion",
                to_category="content_creation",
                reason="more video",
                approver=BUDGET_OWNER,
                idempotency_key="m-1",
            ),
            DraftPost(
                title="新书推荐",
                body="本周新书",
                content_type="news",
                format="image_text",
                variants=[PostVariant("weibo", "本周新书 #读书#")],
                campaign_id=str(uuid4()),
            ),
            IdentifyRisk(
                title="Outage", category="technical", likelihood=3, impact=4, owner="tech-1"
            ),
        ]
        for command in commands:
            plain = json.loads(json.dumps(unstructure(command)))
            assert unstructure(build_command(command.NAME, plain)) == plain

    def test_an_id_given_as_text_becomes_a_uuid_when_it_is_one(self) -> None:
        """Ids arrive as text in JSON; a well-formed one is read as a UUID."""
        campaign_id = uuid4()
        built = build_command("campaign.pause", {"campaign_id": str(campaign_id), "reason": "x"})
        assert built == PauseCampaign(campaign_id, "x")
        assert isinstance(built, PauseCampaign)
        assert isinstance(built.campaign_id, UUID)

    @pytest.mark.parametrize(
        ("data", "field", "words"),
        [
            ({k: v for k, v in PLAN_JSON.items() if k != "name"}, "name", "required field"),
            ({**PLAN_JSON, "budget": 5}, None, "budget"),
            ({**PLAN_JSON, "period": {"start": "April", "end": "2026-04-30"}}, "period.start", ""),
            ({**PLAN_JSON, "period": "2026-04"}, "period", ""),
            ({**PLAN_JSON, "kind": "rocket"}, "kind", "CampaignKind"),
            ({**PLAN_JSON, "hashtags": [1, [2]]}, "hashtags", ""),
            ({**PLAN_JSON, "idempotency_key": "  "}, None, "idempotency key"),
        ],
        ids=["missing", "unknown", "bad-date", "not-an-object", "bad-enum", "bad-list", "key"],
    )
    def test_bad_input_names_the_field(
        self, data: dict[str, Any], field: str | None, words: str
    ) -> None:
        """Anything missing, unknown or of the wrong kind is refused, naming the field."""
        with pytest.raises(InvalidCommandError) as caught:
            build_command("campaign.plan", data)
        assert caught.value.command == "campaign.plan"
        if field is not None:
            assert caught.value.field is not None
            assert caught.value.field.startswith(field)
        assert words in str(caught.value)

    def test_an_id_that_is_not_text_is_refused(self) -> None:
        """An id must be text in JSON, not a number."""
        with pytest.raises(InvalidCommandError) as caught:
            build_command("campaign.launch", {"campaign_id": 5})
        assert caught.value.field == "campaign_id"

    def test_a_body_that_is_not_an_object_is_refused(self) -> None:
        """The plain form of a command is a JSON object."""
        with pytest.raises(InvalidCommandError, match="expected an object"):
            build_command("campaign.launch", ["x"])  # type: ignore[arg-type]  # on purpose

    @given(
        likelihood=st.integers(1, 5),
        impact=st.integers(1, 5),
        title=st.text(min_size=1, max_size=40).filter(str.strip),
    )
    def test_risks_round_trip(self, likelihood: int, impact: int, title: str) -> None:
        """Any risk identification reads back from its plain form unchanged."""
        command = IdentifyRisk(
            title=title, category="content", likelihood=likelihood, impact=impact, owner="x"
        )
        plain = unstructure(command)
        assert unstructure(build_command("risk.identify", plain)) == plain


class TestExecute:
    def test_execute_and_the_typed_method_do_the_same(self, memory_ops: LibOps) -> None:
        """ops.execute(actor, PlanCampaign(...)) plans a campaign like ops.campaigns.plan."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        first = memory_ops.execute(planner, attrs.evolve(plan(), idempotency_key=None))
        second = memory_ops.campaigns.plan(
            planner, name="World Book Day", kind="topic", period=PERIOD
        )
        assert memory_ops.campaigns.get(first).name == memory_ops.campaigns.get(second).name
        assert memory_ops.campaigns.plan.__doc__ == PlanCampaign.__doc__

    def test_a_typed_method_is_made_once_per_service(self, memory_ops: LibOps) -> None:
        """The method a service gives for a command is kept, named and documented."""
        method = memory_ops.campaigns.plan
        assert memory_ops.campaigns.plan is method
        assert method.__name__ == "plan"
        assert method.__doc__ == PlanCampaign.__doc__

    def test_the_role_table_is_checked_before_anything_is_loaded(self, memory_ops: LibOps) -> None:
        """An auditor is refused even on an id that does not exist; nothing is recorded."""
        auditor = Actor("auditor-1", [Role.AUDITOR])
        before = count_events(memory_ops)
        with pytest.raises(PermissionDeniedError):
            memory_ops.execute(auditor, PauseCampaign(uuid4(), "x"))
        admin = Actor("admin-1", [Role.OPERATIONS_ADMIN])
        with pytest.raises(UnknownIdError):
            memory_ops.execute(admin, PauseCampaign(uuid4(), "x"))
        assert count_events(memory_ops) == before

    def test_a_content_risk_needs_the_content_entry(self, memory_ops: LibOps) -> None:
        """Reviewers may identify content risks, and only those."""
        reviewer = Actor("reviewer-1", [Role.REVIEWER])
        risk = IdentifyRisk(
            title="Copied photo", category="content", likelihood=2, impact=3, owner="x"
        )
        assert isinstance(memory_ops.execute(reviewer, risk), UUID)
        with pytest.raises(PermissionDeniedError):
            memory_ops.execute(reviewer, attrs.evolve(risk, category="technical"))

    def test_only_actors_and_commands_are_accepted(self, memory_ops: LibOps) -> None:
        """Who acts is an Actor; what is done is a registered command."""
        with pytest.raises(NotAnActorError):
            memory_ops.execute("planner-1", plan())  # type: ignore[arg-type]  # on purpose
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        with pytest.raises(UnknownCommandError):
            memory_ops.execute(planner, {"name": "x"})  # type: ignore[arg-type]  # on purpose

        @attrs.frozen
        class Unregistered(Command[None]):
            NAME = "campaign.plan"

        with pytest.raises(UnknownCommandError):
            memory_ops.execute(planner, Unregistered())

    def test_a_keyed_command_repeats_without_recording(self, memory_ops: LibOps) -> None:
        """The same command with the same key returns the first result and records nothing."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        first = memory_ops.execute(planner, plan())
        after = count_events(memory_ops)
        again = build_command("campaign.plan", PLAN_JSON)
        assert memory_ops.execute(planner, again) == first
        assert count_events(memory_ops) == after

    def test_a_key_is_bound_to_the_command_the_fields_and_the_actor(
        self, memory_ops: LibOps
    ) -> None:
        """Reusing a key for other fields, another command or another person is refused."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        memory_ops.execute(planner, plan())
        after = count_events(memory_ops)
        other_planner = Actor("planner-2", [Role.CONTENT_PLANNER])
        for actor, command in [
            (planner, attrs.evolve(plan(), description="another")),
            (other_planner, plan()),
            (planner, AmendCampaign(uuid4(), name="x", idempotency_key="plan-1")),
        ]:
            with pytest.raises(IdempotencyKeyReuseError):
                memory_ops.execute(actor, command)
        assert count_events(memory_ops) == after

    def test_the_fingerprint_reads_values_not_their_spelling(self, memory_ops: LibOps) -> None:
        """A platform named by text or by member, an id as text or UUID: one fingerprint."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        deps = memory_ops.deps
        assert fingerprint(planner, plan(), deps) == fingerprint(
            planner, attrs.evolve(plan(), platforms=["weibo", Platform.WECHAT]), deps
        )
        campaign_id = uuid4()
        assert fingerprint(planner, PauseCampaign(campaign_id, "x"), deps) == fingerprint(
            planner, PauseCampaign(str(campaign_id), "x"), deps
        )

    def test_personal_data_stays_out_of_the_fingerprint(self, memory_ops: LibOps) -> None:
        """A question's fingerprint names the asker by subject id, not by their data."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        consent = Consent(purpose="answer the question", given_at=datetime(2026, 3, 1, tzinfo=UTC))
        asked = ReceiveQuestion(
            platform="weibo",
            text="When do you open?",
            asker=PersonalInfo(name="Li Lei", handle="@lilei"),
            consent=consent,
        )
        renamed = attrs.evolve(asked, asker=PersonalInfo(name="Lei Li", handle="@lilei"))
        deps = memory_ops.deps
        assert fingerprint(planner, asked, deps) == fingerprint(planner, renamed, deps)
        data = asked.fingerprint_data(deps)
        assert "asker" not in data
        assert data["subject_id"] == memory_ops.privacy.subject_id_for("weibo", "@lilei")

    def test_a_refused_command_records_nothing_even_with_a_key(self, memory_ops: LibOps) -> None:
        """A command the aggregate refuses leaves no idempotency record behind."""
        owner = BUDGET_OWNER
        budget_id = memory_ops.budgets.open(owner, name="2026", period=PERIOD)
        before = count_events(memory_ops)
        expense = RecordExpense(
            budget_id,
            vendor="Printer",
            invoice_reference="INV-1",
            amount=Money("10.00"),
            category="promotion",
            idempotency_key="exp-1",
        )
        with pytest.raises(Exception, match="promotion"):
            memory_ops.execute(owner, expense)
        assert count_events(memory_ops) == before


class TestContext:
    def test_one_aggregate_is_one_object_within_a_command(self, memory_ops: LibOps) -> None:
        """Loading an aggregate twice in one command gives the object already loaded."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        campaign_id = memory_ops.campaigns.plan(planner, name="x", kind="topic", period=PERIOD)
        context = Context(memory_ops.app, memory_ops.deps, memory_ops.bus)
        first = context.load(Campaign, campaign_id)
        assert context.load(Campaign, str(campaign_id)) is first
        assert context.changed() == []
        first.amend(planner, name="y")
        assert context.changed() == [first]
        with pytest.raises(UnknownIdError, match="no budget"):
            context.load(Budget, campaign_id)
