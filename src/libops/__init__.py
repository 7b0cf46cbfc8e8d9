"""libops: a library's social-media operations as an event-sourced domain model."""

from libops.bootstrap import LibOps, migrate
from libops.domain.campaign import Campaign, CampaignKind, CampaignStatus
from libops.domain.errors import LibopsError
from libops.domain.values import (
    Actor,
    ContentType,
    Format,
    KolPartner,
    Metric,
    MetricSnapshot,
    Money,
    Objective,
    Period,
    Platform,
    PostVariant,
    ReviewChecklist,
    Role,
)

__all__ = [
    "Actor",
    "Campaign",
    "CampaignKind",
    "CampaignStatus",
    "ContentType",
    "Format",
    "KolPartner",
    "LibOps",
    "LibopsError",
    "Metric",
    "MetricSnapshot",
    "Money",
    "Objective",
    "Period",
    "Platform",
    "PostVariant",
    "ReviewChecklist",
    "Role",
    "migrate",
]

__version__ = "0.1.0"
