"""The overview and results sections as data: the background (campaigns, KOLs), the goals'
results, the execution (people, posts, milestones), the team's training and the data source."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

import attrs

from libops.domain.values import Period


@attrs.frozen
class KolInfo:
    """A KOL partner of a campaign, on its agreed terms."""

    handle: str
    platform: str
    audience_size: int
    fee: Decimal
    currency: str


@attrs.frozen
class CampaignInfo:
    """A campaign in the report's scope, as planned (from the campaign itself)."""

    id: str
    name: str
    kind: str
    status: str
    start: date
    end: date
    platforms: tuple[str, ...]
    kol_partners: tuple[KolInfo, ...]
    label: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))
    """What the report calls it: its name, or, when another campaign in the report has the
    same name, its name and dates (``"KOL (2026-04-01 – 2026-06-30)"``; a ``#2``, ``#3`` ...
    is added when those repeat too)."""


@attrs.frozen
class Background:
    """Who, where and when: the store, the budgets, the period and the campaigns in scope."""

    store: str
    campaign_id: str | None
    period: Period | None
    """The days covered (Asia/Shanghai): given, else the campaign's, else the span of
    publication days in the engagement view (``None`` when nothing was published)."""
    campaigns: tuple[CampaignInfo, ...]
    """Ordered by start day, end day, name, kind (the id only breaks a tie of them all)."""
    budgets: tuple[str, ...]
    """The names of the budgets in the budget view."""
    events: int
    """The last notification id of the log when the views were read."""
    library: str | None = None
    """The library's name, as given to ``build_report(library=...)`` (``None``: not given)."""
    kind: str | None = None
    """The kind of report, from its scope and period (:data:`REPORT_KINDS`): ``"campaign"``
    for one campaign, else ``"monthly"``, ``"quarterly"``, ``"half_year"`` or ``"annual"``
    when the period is exactly a calendar month, quarter, half-year or year, else
    ``"custom"``; ``None`` without a period."""


@attrs.frozen
class ObjectiveResult:
    """One campaign objective against its actual value (from the scorecard view).

    ``attainment`` is actual / target (four places, half-even); ``met`` is actual >= target
    (``None`` when the metric has no computed actual). ``campaign`` is the campaign's
    :attr:`CampaignInfo.label`.
    """

    campaign_id: str
    campaign: str
    metric: str
    platform: str | None
    target: Decimal
    actual: int | None
    attainment: Decimal | None
    met: bool | None


@attrs.frozen
class Person:
    """Someone who acted in the period: events recorded under their actor id.

    ``name`` and ``roles`` are the person's display name and roles (role values, sorted)
    when the report knows them (a user of the store, or ``build_report(people=...)``); ``None``
    and ``()`` otherwise, and the report then shows the id.
    """

    actor_id: str
    events: int
    name: str | None = None
    roles: tuple[str, ...] = ()
    # The team (issue 17, item 7): the member's duties on the roster, and their actions in
    # scope by kind (libops.projections.team.ACTION_KINDS).
    duties: tuple[str, ...] = ()
    drafted: int = 0
    reviewed: int = 0
    published: int = 0
    answered: int = 0


@attrs.frozen
class PostCount:
    """Published post variants on one platform of one content type."""

    platform: str
    content_type: str
    posts: int


@attrs.frozen
class Milestone:
    """A dated step: a campaign launched, a first or last publication, a draw, an incident."""

    day: date
    kind: str
    subject: str


@attrs.frozen
class Execution:
    """Scope and execution: dates, people, posts per platform and content type, milestones."""

    first_publication: date | None
    last_publication: date | None
    people: tuple[Person, ...]
    """Actors in the activity log within the scope, most events first."""
    posts: tuple[PostCount, ...]
    posts_total: int
    milestones: tuple[Milestone, ...]


# --- issue 14: the kinds of report and the data source ------------------------------------

REPORT_KINDS: Final = (
    "monthly",
    "quarterly",
    "quarters",
    "half_year",
    "annual",
    "campaign",
    "custom",
)
"""The kinds of report :attr:`Background.kind` names."""


@attrs.frozen
class DataSource:
    """Where the figures came from, for the appendix: the store (password removed), how
    many records it held and the time of the last one (``None`` when empty)."""

    store: str
    records: int
    last_recorded: datetime | None


# --- the team and training (issue 17, item 7) --------------------------------------------


@attrs.frozen
class TrainingCourse:
    """A course the team took in the period: who took it (names, or logins) and the hours
    they spent on it together."""

    course: str
    provider: str
    people: tuple[str, ...]
    hours: Decimal


@attrs.frozen
class Training:
    """The team's training in the report's period (all recorded training when it has
    none), from the team view: by course, and the hours in all."""

    courses: tuple[TrainingCourse, ...] = ()

    @property
    def hours(self) -> Decimal:
        """Training hours in all."""
        return sum((c.hours for c in self.courses), Decimal(0))
