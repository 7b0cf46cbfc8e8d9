"""libops: a library's social-media operations as an event-sourced domain model."""

from libops.adapters.sandbox import SandboxPlatform
from libops.application.publishing import MetricsOutcome, PublishOutcome
from libops.bootstrap import LibOps, migrate
from libops.domain.cadence import (
    CadenceBreach,
    CadencePeriod,
    CadencePolicy,
    CadenceRule,
    CadenceWarning,
    SurgeWindow,
)
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign, CampaignKind, CampaignStatus
from libops.domain.errors import LibopsError
from libops.domain.ports import Comment, PlatformGateway
from libops.domain.post import MetricOutcome, PlatformStatus, Post, PostStatus
from libops.domain.values import (
    Actor,
    ContentType,
    Finding,
    FindingKind,
    Format,
    KolPartner,
    Metric,
    MetricSnapshot,
    Money,
    Objective,
    Period,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
    ReviewChecklist,
    Role,
)

__all__ = [
    "Actor",
    "CadenceBreach",
    "CadencePeriod",
    "CadencePolicy",
    "CadenceRule",
    "CadenceWarning",
    "Campaign",
    "CampaignKind",
    "CampaignStatus",
    "Comment",
    "ContentType",
    "Finding",
    "FindingKind",
    "Format",
    "KolPartner",
    "LibOps",
    "LibopsError",
    "Metric",
    "MetricOutcome",
    "MetricSnapshot",
    "MetricsOutcome",
    "Money",
    "Objective",
    "Period",
    "Platform",
    "PlatformCalendar",
    "PlatformGateway",
    "PlatformLimits",
    "PlatformStatus",
    "Post",
    "PostStatus",
    "PostVariant",
    "PublishOutcome",
    "PublishReceipt",
    "ReviewChecklist",
    "Role",
    "SandboxPlatform",
    "SurgeWindow",
    "migrate",
]

__version__ = "0.1.0"
