"""The standard projections libops ships: the read models of the operations team.

:data:`STANDARD_PROJECTIONS` holds their classes in a fixed order (the order
``libops project run`` runs them in); :func:`standard_projections` makes one instance of
each, ready for a :class:`~libops.projections.ProjectionEngine` (``ops.projections`` is
such an engine).
"""

from __future__ import annotations

from typing import Final

from libops.projections.activity import ActivityLogProjection
from libops.projections.budget import BudgetPositionsProjection
from libops.projections.cadence import CadenceComplianceProjection
from libops.projections.engagement import EngagementProjection
from libops.projections.followers import FollowersProjection
from libops.projections.interactions import InteractionEffectivenessProjection
from libops.projections.media import MediaProjection
from libops.projections.reuse import ReuseProjection
from libops.projections.risks import RiskRegisterProjection
from libops.projections.scorecard import CampaignScorecardProjection
from libops.projections.signals import RiskSignalsProjection
from libops.projections.standing import StandingProjection
from libops.projections.surveys import SurveysProjection
from libops.projections.team import TeamProjection
from libops.projections.topics import TopicHeatProjection
from libops.projections.views import Projection
from libops.projections.wci import WciProjection

STANDARD_PROJECTIONS: Final[tuple[type[Projection], ...]] = (
    EngagementProjection,
    WciProjection,
    CadenceComplianceProjection,
    InteractionEffectivenessProjection,
    BudgetPositionsProjection,
    RiskRegisterProjection,
    CampaignScorecardProjection,
    ActivityLogProjection,
    RiskSignalsProjection,
    StandingProjection,
    ReuseProjection,
    SurveysProjection,
    TopicHeatProjection,
    FollowersProjection,
    TeamProjection,
    MediaProjection,
)
"""The classes of the standard projections, in the order they run."""

STANDARD_PROJECTION_PATHS: Final = tuple(
    f"{cls.__module__}:{cls.__qualname__}" for cls in STANDARD_PROJECTIONS
)
"""Where each standard projection lives, as ``module:Class``."""


def standard_projection_classes() -> tuple[type[Projection], ...]:
    """The classes of the standard projections, in their fixed order."""
    return STANDARD_PROJECTIONS


def standard_projections() -> tuple[Projection, ...]:
    """One instance of each standard projection, in their fixed order."""
    return tuple(cls() for cls in STANDARD_PROJECTIONS)
