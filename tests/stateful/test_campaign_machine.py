"""A plain model of campaigns beside the real libops, on memory, SQLite and PostgreSQL.

Hypothesis gives random sequences of campaign commands (allowed and refused, by actors with
and without the roles) to both. After every step the invariants check that the stored
campaigns equal the model and that refused commands recorded nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
)

from libops import (
    Actor,
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
    InvalidTransitionError,
    InvalidValueError,
    LaunchRequirementsError,
    PermissionDeniedError,
    UnknownIdError,
)
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, PLANNER_ADMIN, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

# --- the model -------------------------------------------------------------------------

PLANNERS = frozenset({Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN})
ADMINS = frozenset({Role.OPERATIONS_ADMIN})
MAY_GIVE = {
    "plan": PLANNERS,
    "amend": PLANNERS,
    "add_kol_partner": PLANNERS,
    "launch": ADMINS,
    "pause": ADMINS,
    "resume": ADMINS,
    "complete": ADMINS,
    "cancel": ADMINS,
}
"""Who may give what, as the model understands it (independent of PERMISSIONS)."""

ENDED = {CampaignStatus.COMPLETED, CampaignStatus.CANCELLED}

ACTORS = [PLANNER, ADMIN, PLANNER_ADMIN, REVIEWER, TECH, OWNER, AUDITOR]

NAMES = ["World Book Day", "  Summer reading  ", "读书月", "", "   "]
PERIODS = [
    Period(date(2026, 4, 1), date(2026, 4, 30)),
    Period(date(2026, 4, 23), date(2026, 4, 23)),
    Period(date(2026, 7, 1), date(2026, 8, 31)),
]
HASHTAGS: dict[str, str | None] = {
    "#世界读书日": "世界读书日",
    "WorldBookDay": "WorldBookDay",
    "#library#": "library",
    " 读书 ": "读书",
    "read more": None,  # two words: not a hashtag
}
"""Hashtags as given, and as stored (None: refused)."""
OBJECTIVES = [
    Objective(Metric.READS, Decimal(5000)),
    Objective(Metric.LIKES, Decimal("250"), Platform.DOUYIN),
    Objective(Metric.FOLLOWERS_GAINED, Decimal(30), Platform.WECHAT),
]
PARTNERS = [
    KolPartner("@bookworm", Platform.DOUYIN, 120_000, ("videos",), Money(Decimal(8000), "CNY")),
    KolPartner("@bookworm", Platform.WEIBO, 50_000, (), Money(Decimal(3000), "CNY")),
    KolPartner(" @readers ", Platform.X, 4_500, ("thread",), Money(Decimal("250.5"), "KWD")),
    KolPartner("@readers", Platform.X, 9_000, (), Money(Decimal(1), "USD")),  # same as above
]
REASONS = ["platform outage", "  venue closed  ", "", "  "]
DESCRIPTIONS = ["", "a month of reading", "  padded  "]


def _may(actor: Actor, command: str) -> bool:
    return bool(actor.roles & MAY_GIVE[command])


def _mostly(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
    """Good values three times as often as bad ones, so that runs get somewhere."""
    return st.sampled_from(good * 3 + bad)


def actors_for(command: str) -> st.SearchStrategy[Actor]:
    """Mostly actors who may give ``command``, sometimes anyone (auditor included)."""
    return _mostly([a for a in ACTORS if _may(a, command)], ACTORS)


names = _mostly([n for n in NAMES if n.strip()], [n for n in NAMES if not n.strip()])
reasons = _mostly([r for r in REASONS if r.strip()], [r for r in REASONS if not r.strip()])
platform_lists = st.lists(st.sampled_from(Platform), max_size=3)
objective_lists = st.lists(st.sampled_from(OBJECTIVES), max_size=2)
hashtag_lists = st.lists(
    _mostly([t for t in HASHTAGS if HASHTAGS[t]], [t for t in HASHTAGS if not HASHTAGS[t]]),
    max_size=3,
)


@attrs.define
class ModelCampaign:
    """What the model expects a campaign to be."""

    name: str
    kind: CampaignKind
    period: Period
    platforms: tuple[Platform, ...]
    objectives: tuple[Objective, ...]
    hashtags: tuple[str, ...]
    description: str
    planned_by: str
    kol_partners: tuple[KolPartner, ...] = ()
    status: CampaignStatus = CampaignStatus.PLANNED
    events: int = 1


def _name(given: str) -> str | None:
    stripped = given.strip()
    return stripped or None


def _hashtags(given: list[str]) -> tuple[str, ...] | None:
    stored = [HASHTAGS[tag] for tag in given]
    if any(tag is None for tag in stored):
        return None
    return tuple(dict.fromkeys(tag for tag in stored if tag is not None))


# --- the machine -----------------------------------------------------------------------


class CampaignMachine(RuleBasedStateMachine):
    """Campaign commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]

    campaigns = Bundle("campaigns")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[UUID, ModelCampaign] = {}
        # Runs share one store: only the events recorded from here on count.
        self.baseline = count_events(self.ops)
        self.refused = 0

    # --- helpers -----------------------------------------------------------------------

    def _give(self, expected: type[Exception] | None, command: Callable[[], object]) -> object:
        """Run ``command`` (see ``give``), counting the refusals."""
        result = give(self.ops, expected, command)
        self.refused += expected is not None
        return result

    def _open_error(self, actor: Actor, command: str, campaign: ModelCampaign) -> Any:
        """The error every command on an existing campaign checks first, if any."""
        if not _may(actor, command):
            return PermissionDeniedError
        if campaign.status in ENDED:
            return CampaignEndedError
        return None

    # --- rules -------------------------------------------------------------------------

    @rule(
        target=campaigns,
        actor=actors_for("plan"),
        name=names,
        kind=st.sampled_from(CampaignKind),
        period=st.sampled_from(PERIODS),
        platforms=platform_lists,
        objectives=objective_lists,
        hashtags=hashtag_lists,
        description=st.sampled_from(DESCRIPTIONS),
    )
    def plan(
        self,
        actor: Actor,
        name: str,
        kind: CampaignKind,
        period: Period,
        platforms: list[Platform],
        objectives: list[Objective],
        hashtags: list[str],
        description: str,
    ) -> Any:
        stored_name, stored_tags = _name(name), _hashtags(hashtags)
        expected: Any = None
        if not _may(actor, "plan"):
            expected = PermissionDeniedError
        elif stored_name is None or stored_tags is None:
            expected = InvalidValueError
        campaign_id = self._give(
            expected,
            lambda: self.ops.campaigns.plan(
                actor,
                name=name,
                kind=kind,
                period=period,
                platforms=platforms,
                objectives=objectives,
                hashtags=hashtags,
                description=description,
            ),
        )
        if expected is not None:
            return multiple()
        assert isinstance(campaign_id, UUID)
        assert stored_name is not None
        assert stored_tags is not None
        self.model[campaign_id] = ModelCampaign(
            name=stored_name,
            kind=kind,
            period=period,
            platforms=tuple(dict.fromkeys(platforms)),
            objectives=tuple(objectives),
            hashtags=stored_tags,
            description=description.strip(),
            planned_by=actor.id,
        )
        return campaign_id

    @rule(
        campaign_id=campaigns,
        actor=actors_for("amend"),
        name=st.none() | names,
        period=st.none() | st.sampled_from(PERIODS),
        platforms=st.none() | platform_lists,
        objectives=st.none() | objective_lists,
        hashtags=st.none() | hashtag_lists,
        description=st.none() | st.sampled_from(DESCRIPTIONS),
    )
    def amend(
        self,
        campaign_id: UUID,
        actor: Actor,
        name: str | None,
        period: Period | None,
        platforms: list[Platform] | None,
        objectives: list[Objective] | None,
        hashtags: list[str] | None,
        description: str | None,
    ) -> None:
        campaign = self.model[campaign_id]
        changes = {
            "name": name,
            "period": period,
            "platforms": platforms,
            "objectives": objectives,
            "hashtags": hashtags,
            "description": description,
        }
        given: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}
        expected = self._open_error(actor, "amend", campaign)
        if expected is None:
            blank_name = name is not None and _name(name) is None
            bad_tags = hashtags is not None and _hashtags(hashtags) is None
            if blank_name or bad_tags or not given:
                expected = InvalidValueError
            elif campaign.status is not CampaignStatus.PLANNED and (
                platforms == [] or objectives == []
            ):
                expected = LaunchRequirementsError
        self._give(expected, lambda: self.ops.campaigns.amend(actor, campaign_id, **given))
        if expected is not None:
            return
        if name is not None:
            campaign.name = name.strip()
        if period is not None:
            campaign.period = period
        if platforms is not None:
            campaign.platforms = tuple(dict.fromkeys(platforms))
        if objectives is not None:
            campaign.objectives = tuple(objectives)
        if hashtags is not None:
            campaign.hashtags = _hashtags(hashtags) or ()
        if description is not None:
            campaign.description = description.strip()
        campaign.events += 1

    @rule(
        campaign_id=campaigns,
        actor=actors_for("add_kol_partner"),
        partner=st.sampled_from(PARTNERS),
    )
    def add_kol_partner(self, campaign_id: UUID, actor: Actor, partner: KolPartner) -> None:
        campaign = self.model[campaign_id]
        expected = self._open_error(actor, "add_kol_partner", campaign)
        duplicate = any(
            (p.handle.strip(), p.platform) == (partner.handle.strip(), partner.platform)
            for p in campaign.kol_partners
        )
        if expected is None and duplicate:
            expected = InvalidValueError
        self._give(
            expected, lambda: self.ops.campaigns.add_kol_partner(actor, campaign_id, partner)
        )
        if expected is None:
            campaign.kol_partners = (*campaign.kol_partners, partner)
            campaign.events += 1

    @rule(campaign_id=campaigns, actor=actors_for("launch"))
    def launch(self, campaign_id: UUID, actor: Actor) -> None:
        campaign = self.model[campaign_id]
        expected = self._open_error(actor, "launch", campaign)
        if expected is None:
            if campaign.status is not CampaignStatus.PLANNED:
                expected = InvalidTransitionError
            elif not campaign.platforms or not campaign.objectives:
                expected = LaunchRequirementsError
        self._give(expected, lambda: self.ops.campaigns.launch(actor, campaign_id))
        if expected is None:
            campaign.status = CampaignStatus.ACTIVE
            campaign.events += 1

    @rule(campaign_id=campaigns, actor=actors_for("pause"), reason=reasons)
    def pause(self, campaign_id: UUID, actor: Actor, reason: str) -> None:
        campaign = self.model[campaign_id]
        expected = self._open_error(actor, "pause", campaign)
        if expected is None:
            if campaign.status is not CampaignStatus.ACTIVE:
                expected = InvalidTransitionError
            elif not reason.strip():
                expected = InvalidValueError
        self._give(expected, lambda: self.ops.campaigns.pause(actor, campaign_id, reason))
        if expected is None:
            campaign.status = CampaignStatus.PAUSED
            campaign.events += 1

    @rule(campaign_id=campaigns, actor=actors_for("resume"))
    def resume(self, campaign_id: UUID, actor: Actor) -> None:
        campaign = self.model[campaign_id]
        expected = self._open_error(actor, "resume", campaign)
        if expected is None and campaign.status is not CampaignStatus.PAUSED:
            expected = InvalidTransitionError
        self._give(expected, lambda: self.ops.campaigns.resume(actor, campaign_id))
        if expected is None:
            campaign.status = CampaignStatus.ACTIVE
            campaign.events += 1

    @rule(campaign_id=campaigns, actor=actors_for("complete"))
    def complete(self, campaign_id: UUID, actor: Actor) -> None:
        campaign = self.model[campaign_id]
        expected = self._open_error(actor, "complete", campaign)
        if expected is None and campaign.status not in (
            CampaignStatus.ACTIVE,
            CampaignStatus.PAUSED,
        ):
            expected = InvalidTransitionError
        self._give(expected, lambda: self.ops.campaigns.complete(actor, campaign_id))
        if expected is None:
            campaign.status = CampaignStatus.COMPLETED
            campaign.events += 1

    @rule(campaign_id=campaigns, actor=actors_for("cancel"), reason=reasons)
    def cancel(self, campaign_id: UUID, actor: Actor, reason: str) -> None:
        campaign = self.model[campaign_id]
        expected = self._open_error(actor, "cancel", campaign)
        if expected is None and not reason.strip():
            expected = InvalidValueError
        self._give(expected, lambda: self.ops.campaigns.cancel(actor, campaign_id, reason))
        if expected is None:
            campaign.status = CampaignStatus.CANCELLED
            campaign.events += 1

    @rule(actor=st.sampled_from(ACTORS), campaign_id=st.uuids())
    def launch_unknown(self, actor: Actor, campaign_id: UUID) -> None:
        # The role table is checked first; then an unknown id is refused: nothing to act on.
        expected = UnknownIdError if _may(actor, "launch") else PermissionDeniedError
        self._give(expected, lambda: self.ops.campaigns.launch(actor, campaign_id))

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def events_counted(self) -> None:
        """The store holds exactly the events the model's successful commands recorded."""
        recorded = count_events(self.ops) - self.baseline
        assert recorded == sum(campaign.events for campaign in self.model.values())

    @invariant()
    def stored_campaigns_equal_the_model(self) -> None:
        """Every campaign reloaded from the store equals its model, status and version too."""
        for campaign_id, expected in self.model.items():
            stored = self.ops.campaigns.get(campaign_id)
            assert stored.status is expected.status
            assert stored.version == expected.events
            actual = ModelCampaign(
                name=stored.name,
                kind=stored.kind,
                period=stored.period,
                platforms=stored.platforms,
                objectives=stored.objectives,
                hashtags=stored.hashtags,
                description=stored.description,
                planned_by=stored.planned_by,
                kol_partners=stored.kol_partners,
                status=stored.status,
                events=stored.version,
            )
            assert actual == expected


# --- running it on every store --------------------------------------------------------------------


def test_campaign_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored campaigns equal to the plain model."""
    # One store for all the runs of this test.
    with machine_store.opened() as ops:
        run_machine(CampaignMachine, machine_store, ops=ops)
