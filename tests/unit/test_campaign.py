"""The Campaign aggregate: every command, every rule, and every bad input recording nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

import attrs
import pytest

from libops import (
    Actor,
    Campaign,
    CampaignKind,
    CampaignStatus,
    KolPartner,
    LibOps,
    Metric,
    Money,
    Objective,
    Period,
    Platform,
    Role,
)
from libops.domain.errors import (
    CampaignEndedError,
    ControlCharacterError,
    InvalidTransitionError,
    InvalidValueError,
    LaunchRequirementsError,
    LibopsError,
    LimitExceededError,
    MoneyError,
    PeriodError,
    PermissionDeniedError,
    UnknownIdError,
)
from tests.actors import Team
from tests.helpers import count_events, refused

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
READS = Objective(Metric.READS, 5000)
BOOKWORM = KolPartner(
    "@bookworm", Platform.DOUYIN, 120_000, ("2 short videos",), Money(Decimal("8000"), "CNY")
)


def _plan(team: Team, **overrides: Any) -> Campaign:
    arguments: dict[str, Any] = {
        "name": "World Book Day",
        "kind": CampaignKind.TOPIC,
        "period": APRIL,
        "platforms": [Platform.WEIBO, Platform.WECHAT],
        "objectives": [READS],
        "hashtags": ["#世界读书日"],
    }
    arguments.update(overrides)
    campaign = Campaign.plan(team.planner, **arguments)
    campaign.collect_events()
    return campaign


def _in_status(team: Team, status: CampaignStatus) -> Campaign:
    """A campaign with a platform and an objective, brought to ``status`` through commands."""
    campaign = _plan(team)
    if status is CampaignStatus.CANCELLED:
        campaign.cancel(team.admin, "venue closed")
    elif status is not CampaignStatus.PLANNED:
        campaign.launch(team.admin)
        if status is CampaignStatus.PAUSED:
            campaign.pause(team.admin, "platform outage")
        elif status is CampaignStatus.COMPLETED:
            campaign.complete(team.admin)
    campaign.collect_events()
    assert campaign.status is status
    return campaign


# --- commands, one by one --------------------------------------------------------------

Command = Callable[[Campaign, Actor], None]

COMMANDS: dict[str, Command] = {
    "amend": lambda c, a: c.amend(a, name="World Book Day 2026"),
    "add_kol_partner": lambda c, a: c.add_kol_partner(a, BOOKWORM),
    "launch": lambda c, a: c.launch(a),
    "pause": lambda c, a: c.pause(a, "platform outage"),
    "resume": lambda c, a: c.resume(a),
    "complete": lambda c, a: c.complete(a),
    "cancel": lambda c, a: c.cancel(a, "venue closed"),
}
"""Every command on an existing campaign, with good arguments."""

READY_FOR: dict[str, CampaignStatus] = {
    "amend": CampaignStatus.PLANNED,
    "add_kol_partner": CampaignStatus.PLANNED,
    "launch": CampaignStatus.PLANNED,
    "pause": CampaignStatus.ACTIVE,
    "resume": CampaignStatus.PAUSED,
    "complete": CampaignStatus.ACTIVE,
    "cancel": CampaignStatus.PLANNED,
}
"""A status in which each command is allowed."""

ALLOWED_ROLES: dict[str, set[str]] = {
    "plan": {"planner", "admin"},
    "amend": {"planner", "admin"},
    "add_kol_partner": {"planner", "admin"},
    "launch": {"admin"},
    "pause": {"admin"},
    "resume": {"admin"},
    "complete": {"admin"},
    "cancel": {"admin"},
}
"""Who may give each command (written out here, independently of the permission table)."""

ROLES = ["planner", "reviewer", "admin", "tech", "auditor", "budget"]


class TestPlan:
    def test_plan_records_planned(self, team: Team) -> None:
        """Planning records one Planned event carrying the planner and the normalised plan."""
        campaign = Campaign.plan(
            team.planner,
            name="  World Book Day  ",
            kind="reading_event",
            period=APRIL,
            platforms=["weibo", Platform.WECHAT, "weibo"],
            objectives=[READS],
            hashtags=["#世界读书日", "世界读书日", "#Reading#"],
            description="  a month of reading  ",
        )
        [planned] = campaign.collect_events()
        assert isinstance(planned, Campaign.Planned)
        assert planned.actor_id == team.planner.id
        assert campaign.name == "World Book Day"
        assert campaign.kind is CampaignKind.READING_EVENT
        assert campaign.period == APRIL
        assert campaign.platforms == (Platform.WEIBO, Platform.WECHAT)
        assert campaign.objectives == (READS,)
        assert campaign.hashtags == ("世界读书日", "Reading")
        assert campaign.description == "a month of reading"
        assert campaign.kol_partners == ()
        assert campaign.status is CampaignStatus.PLANNED
        assert campaign.planned_by == team.planner.id
        assert campaign.version == 1

    def test_plan_without_platforms_or_objectives(self, team: Team) -> None:
        """A campaign can be planned before its platforms and objectives are known."""
        campaign = Campaign.plan(team.admin, name="Later", kind=CampaignKind.SERVICE, period=APRIL)
        assert campaign.platforms == ()
        assert campaign.objectives == ()
        assert campaign.status is CampaignStatus.PLANNED

    @pytest.mark.parametrize("kind", list(CampaignKind))
    def test_every_kind(self, team: Team, kind: CampaignKind) -> None:
        """Topic, KOL, cross-platform, service and reading-event campaigns can all be planned."""
        assert _plan(team, kind=kind.value).kind is kind


class TestCommands:
    def test_amend_changes_only_what_is_given(self, team: Team) -> None:
        """Amending records which parts changed; parts left out stay as they were."""
        campaign = _plan(team)
        may = Period(date(2026, 5, 1), date(2026, 5, 31))
        campaign.amend(team.planner, period=may, hashtags=["#读书"], description=" new ")
        [amended] = campaign.collect_events()
        assert isinstance(amended, Campaign.Amended)
        assert amended.actor_id == team.planner.id
        assert (amended.name, amended.platforms, amended.objectives) == (None, None, None)
        assert campaign.period == may
        assert campaign.hashtags == ("读书",)
        assert campaign.description == "new"
        assert campaign.name == "World Book Day"
        assert campaign.platforms == (Platform.WEIBO, Platform.WECHAT)

    def test_amend_while_active(self, team: Team) -> None:
        """A live campaign can change its platforms and objectives, keeping at least one each."""
        campaign = _in_status(team, CampaignStatus.ACTIVE)
        likes = Objective(Metric.LIKES, 300, Platform.DOUYIN)
        campaign.amend(team.admin, platforms=["douyin"], objectives=[likes])
        assert campaign.platforms == (Platform.DOUYIN,)
        assert campaign.objectives == (likes,)

    def test_add_kol_partner(self, team: Team) -> None:
        """A KOL partner is recorded with its agreed terms."""
        campaign = _plan(team)
        campaign.add_kol_partner(team.planner, BOOKWORM)
        same_handle_elsewhere = attrs.evolve(BOOKWORM, platform=Platform.WEIBO)
        campaign.add_kol_partner(team.admin, same_handle_elsewhere)
        events = campaign.collect_events()
        assert [type(e) for e in events] == [Campaign.KolPartnerAdded] * 2
        assert campaign.kol_partners == (BOOKWORM, same_handle_elsewhere)

    def test_lifecycle(self, team: Team) -> None:
        """Launch, pause, resume and complete each record their event and move the status."""
        campaign = _plan(team)
        steps: list[tuple[Callable[[], None], type[Any], CampaignStatus]] = [
            (lambda: campaign.launch(team.admin), Campaign.Launched, CampaignStatus.ACTIVE),
            (
                lambda: campaign.pause(team.admin, " outage "),
                Campaign.Paused,
                CampaignStatus.PAUSED,
            ),
            (lambda: campaign.resume(team.admin), Campaign.Resumed, CampaignStatus.ACTIVE),
            (lambda: campaign.complete(team.admin), Campaign.Completed, CampaignStatus.COMPLETED),
        ]
        for command, event_class, status in steps:
            command()
            [recorded] = campaign.collect_events()
            assert type(recorded) is event_class
            assert getattr(recorded, "actor_id") == team.admin.id  # noqa: B009  # any event
            assert campaign.status is status
        assert campaign.has_ended
        assert campaign.version == 5

    def test_pause_keeps_the_reason(self, team: Team) -> None:
        """The reason for a pause is recorded, stripped."""
        campaign = _in_status(team, CampaignStatus.ACTIVE)
        campaign.pause(team.admin, "  platform outage  ")
        [paused] = campaign.collect_events()
        assert isinstance(paused, Campaign.Paused)
        assert paused.reason == "platform outage"

    @pytest.mark.parametrize(
        "status", [CampaignStatus.PLANNED, CampaignStatus.ACTIVE, CampaignStatus.PAUSED]
    )
    def test_cancel_from_any_open_status(self, team: Team, status: CampaignStatus) -> None:
        """A campaign that has not ended can be cancelled, with a reason."""
        campaign = _in_status(team, status)
        campaign.cancel(team.admin, "venue closed")
        [cancelled] = campaign.collect_events()
        assert isinstance(cancelled, Campaign.Cancelled)
        assert cancelled.reason == "venue closed"
        assert campaign.status is CampaignStatus.CANCELLED
        assert campaign.has_ended

    def test_complete_from_paused(self, team: Team) -> None:
        """A paused campaign can be completed."""
        campaign = _in_status(team, CampaignStatus.PAUSED)
        campaign.complete(team.admin)
        assert campaign.status is CampaignStatus.COMPLETED


class TestRules:
    def test_launch_needs_a_platform(self, team: Team) -> None:
        """A campaign without a platform cannot launch."""
        campaign = _plan(team, platforms=[])
        refused(campaign, LaunchRequirementsError, lambda: campaign.launch(team.admin))

    def test_launch_needs_an_objective(self, team: Team) -> None:
        """A campaign without an objective cannot launch."""
        campaign = _plan(team, objectives=[])
        refused(campaign, LaunchRequirementsError, lambda: campaign.launch(team.admin))

    def test_launch_after_adding_what_was_missing(self, team: Team) -> None:
        """Once amended with a platform and an objective, the campaign launches."""
        campaign = _plan(team, platforms=[], objectives=[])
        campaign.amend(team.planner, platforms=["wechat"], objectives=[READS])
        campaign.launch(team.admin)
        assert campaign.status is CampaignStatus.ACTIVE

    @pytest.mark.parametrize("field", ["platforms", "objectives"])
    @pytest.mark.parametrize("status", [CampaignStatus.ACTIVE, CampaignStatus.PAUSED])
    def test_a_launched_campaign_keeps_one(
        self, team: Team, field: str, status: CampaignStatus
    ) -> None:
        """Amending a launched campaign to no platforms or no objectives is refused."""
        campaign = _in_status(team, status)
        refused(
            campaign,
            LaunchRequirementsError,
            lambda: campaign.amend(team.admin, **{field: ()}),  # type: ignore[arg-type]  # one field
        )

    def test_a_planned_campaign_may_drop_all_platforms(self, team: Team) -> None:
        """Before launch, platforms and objectives may be cleared."""
        campaign = _plan(team)
        campaign.amend(team.planner, platforms=[], objectives=[])
        assert (campaign.platforms, campaign.objectives) == ((), ())

    @pytest.mark.parametrize("command", list(COMMANDS))
    @pytest.mark.parametrize("status", [CampaignStatus.COMPLETED, CampaignStatus.CANCELLED])
    def test_nothing_changes_after_the_end(
        self, team: Team, command: str, status: CampaignStatus
    ) -> None:
        """Every command on a completed or cancelled campaign raises CampaignEndedError."""
        campaign = _in_status(team, status)
        refused(campaign, CampaignEndedError, lambda: COMMANDS[command](campaign, team.admin))

    @pytest.mark.parametrize(
        ("command", "status"),
        [
            ("launch", CampaignStatus.ACTIVE),
            ("launch", CampaignStatus.PAUSED),
            ("pause", CampaignStatus.PLANNED),
            ("pause", CampaignStatus.PAUSED),
            ("resume", CampaignStatus.PLANNED),
            ("resume", CampaignStatus.ACTIVE),
            ("complete", CampaignStatus.PLANNED),
        ],
    )
    def test_transitions_out_of_order(
        self, team: Team, command: str, status: CampaignStatus
    ) -> None:
        """Launch only when planned, pause when active, resume when paused, complete when live."""
        campaign = _in_status(team, status)
        refused(campaign, InvalidTransitionError, lambda: COMMANDS[command](campaign, team.admin))

    def test_transition_error_names_the_state(self, team: Team) -> None:
        """The error says what was tried and in which state."""
        campaign = _in_status(team, CampaignStatus.PLANNED)
        expected = "cannot resume a campaign that is planned"
        with pytest.raises(InvalidTransitionError, match=expected):
            campaign.resume(team.admin)

    def test_period_ending_before_it_starts(self) -> None:
        """A period that ends before it starts cannot exist."""
        with pytest.raises(PeriodError, match="before it starts"):
            Period(date(2026, 4, 30), date(2026, 4, 1))

    def test_one_day_period(self) -> None:
        """A period may start and end on the same day."""
        day = date(2026, 4, 23)
        assert day in Period(day, day)

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (datetime(2026, 4, 1), date(2026, 4, 2)),
            ("2026-04-01", date(2026, 4, 2)),
            (date(2026, 4, 1), None),
        ],
    )
    def test_period_ends_must_be_dates(self, start: object, end: object) -> None:
        """A period's ends are calendar dates, not datetimes, text or nothing."""
        with pytest.raises(PeriodError):
            Period(start, end)  # type: ignore[arg-type]  # deliberately not dates

    @pytest.mark.parametrize("name", ["", "   ", "\n\t", "x" * 201, 42, None])
    def test_name_must_be_text(self, team: Team, name: object) -> None:
        """A campaign's name is non-empty text of at most 200 characters."""
        error = LimitExceededError if name == "x" * 201 else InvalidValueError
        with pytest.raises(error):
            _plan(team, name=name)
        campaign = _plan(team)
        refused(campaign, error, lambda: campaign.amend(team.planner, name=name))  # type: ignore[arg-type]  # deliberately bad

    def test_amendment_must_change_something(self, team: Team) -> None:
        """An amendment with nothing in it is refused."""
        campaign = _plan(team)
        refused(campaign, InvalidValueError, lambda: campaign.amend(team.planner))

    def test_duplicate_kol_partner(self, team: Team) -> None:
        """The same handle on the same platform cannot be engaged twice, whatever the terms."""
        campaign = _plan(team)
        campaign.add_kol_partner(team.planner, BOOKWORM)
        campaign.collect_events()
        other_terms = attrs.evolve(BOOKWORM, fee=Money(Decimal(1), "USD"), deliverables=())
        refused(
            campaign,
            InvalidValueError,
            lambda: campaign.add_kol_partner(team.planner, other_terms),
        )

    def test_duplicate_kol_partner_with_spaces_in_the_handle(self, team: Team) -> None:
        """A handle with surrounding spaces is the same handle."""
        campaign = _plan(team)
        campaign.add_kol_partner(team.planner, BOOKWORM)
        campaign.collect_events()
        padded = attrs.evolve(BOOKWORM, handle=f"  {BOOKWORM.handle} ")
        assert padded.handle == BOOKWORM.handle
        refused(campaign, InvalidValueError, lambda: campaign.add_kol_partner(team.planner, padded))

    @pytest.mark.parametrize("reason", ["", "   ", None, 7])
    @pytest.mark.parametrize("command", ["pause", "cancel"])
    def test_reasons_are_required(self, team: Team, command: str, reason: object) -> None:
        """Pausing and cancelling say why."""
        campaign = _in_status(team, CampaignStatus.ACTIVE)
        method = getattr(campaign, command)
        refused(campaign, InvalidValueError, lambda: method(team.admin, reason))


class TestRoles:
    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("command", list(COMMANDS))
    def test_who_may_give_each_command(self, team: Team, command: str, role: str) -> None:
        """Only the roles allowed may give a command; the others are refused and record nothing."""
        campaign = _in_status(team, READY_FOR[command])
        actor = team.by_role(role)
        if role in ALLOWED_ROLES[command]:
            COMMANDS[command](campaign, actor)
            assert len(campaign.collect_events()) == 1
        else:
            refused(campaign, PermissionDeniedError, lambda: COMMANDS[command](campaign, actor))

    @pytest.mark.parametrize("role", ROLES)
    def test_who_may_plan(self, team: Team, role: str) -> None:
        """Planners and operations admins plan campaigns; nobody else does."""
        actor = team.by_role(role)
        if role in ALLOWED_ROLES["plan"]:
            assert Campaign.plan(actor, name="X", kind="topic", period=APRIL).planned_by == actor.id
        else:
            with pytest.raises(PermissionDeniedError):
                Campaign.plan(actor, name="X", kind="topic", period=APRIL)

    def test_auditor_can_do_nothing(self, team: Team) -> None:
        """The auditor is refused every campaign command in every status."""
        with pytest.raises(PermissionDeniedError):
            Campaign.plan(team.auditor, name="X", kind="topic", period=APRIL)
        for status in CampaignStatus:
            for command in COMMANDS.values():
                campaign = _in_status(team, status)
                refused(campaign, PermissionDeniedError, partial(command, campaign, team.auditor))

    def test_permission_is_checked_first(self, team: Team) -> None:
        """A refused actor learns nothing about the campaign's state or the input."""
        campaign = _in_status(team, CampaignStatus.COMPLETED)
        refused(campaign, PermissionDeniedError, lambda: campaign.pause(team.planner, ""))

    def test_several_roles(self, team: Team) -> None:
        """An actor with any allowed role may give the command."""
        lead = Actor("lead-1", [Role.AUDITOR, Role.OPERATIONS_ADMIN])
        campaign = _plan(team)
        campaign.launch(lead)
        assert campaign.status is CampaignStatus.ACTIVE


# --- bad inputs through the service, on every store ------------------------------------

ServiceCall = Callable[[LibOps, UUID, Team], object]


@attrs.frozen
class BadInput:
    """One bad command through ``ops.campaigns``, the status it meets, and the error it gets."""

    call: ServiceCall
    error: type[LibopsError]
    status: CampaignStatus = CampaignStatus.PLANNED
    bare: bool = False  # planned without platforms and objectives
    prepare: ServiceCall | None = None  # a good command first (it may record)


def _plan_with(**overrides: Any) -> ServiceCall:
    def call(ops: LibOps, _cid: UUID, team: Team) -> object:
        arguments: dict[str, Any] = {"name": "X", "kind": "topic", "period": APRIL}
        arguments.update(overrides)
        return ops.campaigns.plan(team.planner, **arguments)

    return call


def _bad_period() -> Period:
    return Period(date(2026, 4, 30), date(2026, 3, 1))


_UNKNOWN = UUID("00000000-0000-4000-8000-000000000000")
_SURROGATE = "reading \ud800 month"

BAD_INPUTS: dict[str, BadInput] = {
    # plan
    "plan/empty-name": BadInput(_plan_with(name=""), InvalidValueError),
    "plan/blank-name": BadInput(_plan_with(name="   "), InvalidValueError),
    "plan/long-name": BadInput(_plan_with(name="x" * 201), LimitExceededError),
    "plan/name-not-text": BadInput(_plan_with(name=42), InvalidValueError),
    "plan/name-lone-surrogate": BadInput(_plan_with(name=_SURROGATE), ControlCharacterError),
    "plan/unknown-kind": BadInput(_plan_with(kind="festival"), InvalidValueError),
    "plan/period-not-a-period": BadInput(
        _plan_with(period=(date(2026, 4, 1), date(2026, 4, 2))), InvalidValueError
    ),
    "plan/period-ends-before-start": BadInput(
        lambda ops, _c, t: ops.campaigns.plan(
            t.planner, name="X", kind="kol", period=_bad_period()
        ),
        PeriodError,
    ),
    "plan/unknown-platform": BadInput(_plan_with(platforms=["myspace"]), InvalidValueError),
    "plan/objective-not-an-objective": BadInput(
        _plan_with(objectives=["reads"]), InvalidValueError
    ),
    "plan/objective-float-target": BadInput(
        lambda ops, _c, t: _plan_with(objectives=[Objective("reads", 0.5)])(ops, _c, t),  # type: ignore[arg-type]  # a float is refused at run time
        InvalidValueError,
    ),
    "plan/objective-zero-target": BadInput(
        lambda ops, _c, t: _plan_with(objectives=[Objective("reads", 0)])(ops, _c, t),
        InvalidValueError,
    ),
    "plan/objective-nan-target": BadInput(
        lambda ops, _c, t: _plan_with(objectives=[Objective("reads", "NaN")])(ops, _c, t),
        InvalidValueError,
    ),
    "plan/objective-unknown-metric": BadInput(
        lambda ops, _c, t: _plan_with(objectives=[Objective("applause", 1)])(ops, _c, t),
        InvalidValueError,
    ),
    "plan/hashtag-with-space": BadInput(_plan_with(hashtags=["world book day"]), InvalidValueError),
    "plan/hashtag-only-hash": BadInput(_plan_with(hashtags=["#"]), InvalidValueError),
    "plan/hashtags-one-text": BadInput(_plan_with(hashtags="#读书 #世界"), InvalidValueError),
    "plan/description-not-text": BadInput(_plan_with(description=42), InvalidValueError),
    "plan/description-lone-surrogate": BadInput(
        _plan_with(description=_SURROGATE), ControlCharacterError
    ),
    "plan/by-auditor": BadInput(
        lambda ops, _c, t: ops.campaigns.plan(t.auditor, name="X", kind="kol", period=APRIL),
        PermissionDeniedError,
    ),
    "plan/by-reviewer": BadInput(
        lambda ops, _c, t: ops.campaigns.plan(t.reviewer, name="X", kind="kol", period=APRIL),
        PermissionDeniedError,
    ),
    # amend
    "amend/nothing": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.planner, c), InvalidValueError
    ),
    "amend/blank-name": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.planner, c, name=" "), InvalidValueError
    ),
    "amend/period-not-a-period": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.planner, c, period="2026-04"),  # type: ignore[arg-type]  # on purpose
        InvalidValueError,
    ),
    "amend/period-ends-before-start": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.planner, c, period=_bad_period()), PeriodError
    ),
    "amend/launched-drops-platforms": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.admin, c, platforms=[]),
        LaunchRequirementsError,
        CampaignStatus.ACTIVE,
    ),
    "amend/paused-drops-objectives": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.admin, c, objectives=()),
        LaunchRequirementsError,
        CampaignStatus.PAUSED,
    ),
    "amend/completed": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.admin, c, name="Y"),
        CampaignEndedError,
        CampaignStatus.COMPLETED,
    ),
    "amend/cancelled": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.admin, c, name="Y"),
        CampaignEndedError,
        CampaignStatus.CANCELLED,
    ),
    "amend/by-auditor": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.auditor, c, name="Y"), PermissionDeniedError
    ),
    "amend/by-tech": BadInput(
        lambda ops, c, t: ops.campaigns.amend(t.tech, c, name="Y"), PermissionDeniedError
    ),
    "amend/unknown-id": BadInput(
        lambda ops, _c, t: ops.campaigns.amend(t.planner, _UNKNOWN, name="Y"), UnknownIdError
    ),
    # add_kol_partner
    "kol/duplicate": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(t.planner, c, BOOKWORM),
        InvalidValueError,
        prepare=lambda ops, c, t: ops.campaigns.add_kol_partner(t.planner, c, BOOKWORM),
    ),
    "kol/not-a-partner": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(t.planner, c, "@bookworm"),  # type: ignore[arg-type]  # deliberately bad
        InvalidValueError,
    ),
    "kol/blank-handle": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(
            t.planner, c, attrs.evolve(BOOKWORM, handle=" ")
        ),
        InvalidValueError,
    ),
    "kol/negative-audience": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(
            t.planner, c, attrs.evolve(BOOKWORM, audience_size=-1)
        ),
        InvalidValueError,
    ),
    "kol/deliverables-one-text": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(
            t.planner, c, attrs.evolve(BOOKWORM, deliverables="two videos")
        ),
        InvalidValueError,
    ),
    "kol/float-fee": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(
            t.planner,
            c,
            attrs.evolve(BOOKWORM, fee=Money(8000.0)),  # type: ignore[arg-type]  # a float is refused at run time
        ),
        MoneyError,
    ),
    "kol/completed": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(t.admin, c, BOOKWORM),
        CampaignEndedError,
        CampaignStatus.COMPLETED,
    ),
    "kol/by-reviewer": BadInput(
        lambda ops, c, t: ops.campaigns.add_kol_partner(t.reviewer, c, BOOKWORM),
        PermissionDeniedError,
    ),
    # launch
    "launch/no-platform-or-objective": BadInput(
        lambda ops, c, t: ops.campaigns.launch(t.admin, c), LaunchRequirementsError, bare=True
    ),
    "launch/no-objective": BadInput(
        lambda ops, c, t: ops.campaigns.launch(t.admin, c),
        LaunchRequirementsError,
        bare=True,
        prepare=lambda ops, c, t: ops.campaigns.amend(t.planner, c, platforms=["weibo"]),
    ),
    "launch/twice": BadInput(
        lambda ops, c, t: ops.campaigns.launch(t.admin, c),
        InvalidTransitionError,
        CampaignStatus.ACTIVE,
    ),
    "launch/completed": BadInput(
        lambda ops, c, t: ops.campaigns.launch(t.admin, c),
        CampaignEndedError,
        CampaignStatus.COMPLETED,
    ),
    "launch/by-planner": BadInput(
        lambda ops, c, t: ops.campaigns.launch(t.planner, c), PermissionDeniedError
    ),
    "launch/unknown-id": BadInput(
        lambda ops, _c, t: ops.campaigns.launch(t.admin, _UNKNOWN), UnknownIdError
    ),
    "launch/malformed-id": BadInput(
        lambda ops, _c, t: ops.campaigns.launch(t.admin, "campaign-1"), UnknownIdError
    ),
    # pause / resume / complete / cancel
    "pause/planned": BadInput(
        lambda ops, c, t: ops.campaigns.pause(t.admin, c, "why"), InvalidTransitionError
    ),
    "pause/paused": BadInput(
        lambda ops, c, t: ops.campaigns.pause(t.admin, c, "why"),
        InvalidTransitionError,
        CampaignStatus.PAUSED,
    ),
    "pause/blank-reason": BadInput(
        lambda ops, c, t: ops.campaigns.pause(t.admin, c, "  "),
        InvalidValueError,
        CampaignStatus.ACTIVE,
    ),
    "pause/by-planner": BadInput(
        lambda ops, c, t: ops.campaigns.pause(t.planner, c, "why"),
        PermissionDeniedError,
        CampaignStatus.ACTIVE,
    ),
    "resume/active": BadInput(
        lambda ops, c, t: ops.campaigns.resume(t.admin, c),
        InvalidTransitionError,
        CampaignStatus.ACTIVE,
    ),
    "resume/by-tech": BadInput(
        lambda ops, c, t: ops.campaigns.resume(t.tech, c),
        PermissionDeniedError,
        CampaignStatus.PAUSED,
    ),
    "complete/planned": BadInput(
        lambda ops, c, t: ops.campaigns.complete(t.admin, c), InvalidTransitionError
    ),
    "complete/completed": BadInput(
        lambda ops, c, t: ops.campaigns.complete(t.admin, c),
        CampaignEndedError,
        CampaignStatus.COMPLETED,
    ),
    "complete/by-auditor": BadInput(
        lambda ops, c, t: ops.campaigns.complete(t.auditor, c),
        PermissionDeniedError,
        CampaignStatus.ACTIVE,
    ),
    "cancel/blank-reason": BadInput(
        lambda ops, c, t: ops.campaigns.cancel(t.admin, c, ""), InvalidValueError
    ),
    "cancel/cancelled": BadInput(
        lambda ops, c, t: ops.campaigns.cancel(t.admin, c, "again"),
        CampaignEndedError,
        CampaignStatus.CANCELLED,
    ),
    "cancel/completed": BadInput(
        lambda ops, c, t: ops.campaigns.cancel(t.admin, c, "too late"),
        CampaignEndedError,
        CampaignStatus.COMPLETED,
    ),
    "cancel/by-planner": BadInput(
        lambda ops, c, t: ops.campaigns.cancel(t.planner, c, "why"), PermissionDeniedError
    ),
}


def _stored_campaign(ops: LibOps, team: Team, status: CampaignStatus, *, bare: bool) -> UUID:
    platforms, objectives = ((), ()) if bare else (("weibo",), (READS,))
    cid = ops.campaigns.plan(
        team.planner,
        name="World Book Day",
        kind="topic",
        period=APRIL,
        platforms=platforms,
        objectives=objectives,
    )
    if status is CampaignStatus.CANCELLED:
        ops.campaigns.cancel(team.admin, cid, "venue closed")
    elif status is not CampaignStatus.PLANNED:
        ops.campaigns.launch(team.admin, cid)
        if status is CampaignStatus.PAUSED:
            ops.campaigns.pause(team.admin, cid, "outage")
        elif status is CampaignStatus.COMPLETED:
            ops.campaigns.complete(team.admin, cid)
    return cid


class TestBadInputsThroughTheService:
    @pytest.mark.parametrize("case", list(BAD_INPUTS))
    def test_refused_and_nothing_recorded(self, ops: LibOps, team: Team, case: str) -> None:
        """Each bad input raises its specific error, and the store holds no new event."""
        bad = BAD_INPUTS[case]
        cid = _stored_campaign(ops, team, bad.status, bare=bad.bare)
        if bad.prepare is not None:
            bad.prepare(ops, cid, team)
        before = count_events(ops)
        version = ops.campaigns.get(cid).version
        with pytest.raises(bad.error) as raised:
            bad.call(ops, cid, team)
        assert type(raised.value) is bad.error, raised.value
        assert count_events(ops) == before
        assert ops.campaigns.get(cid).version == version

    def test_actor_that_is_not_an_actor(self, ops: LibOps, team: Team) -> None:
        """A command given by something other than an Actor is refused; nothing is recorded."""
        cid = _stored_campaign(ops, team, CampaignStatus.PLANNED, bare=False)
        before = count_events(ops)
        with pytest.raises(TypeError, match="given by an Actor"):
            ops.campaigns.launch("admin-1", cid)  # type: ignore[arg-type]  # deliberately bad
        assert count_events(ops) == before
