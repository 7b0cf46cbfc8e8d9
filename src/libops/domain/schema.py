"""The stored format of libops values: one cattrs converter and the fixed name of every type.

The names below are a public schema. They are written into every stored event, so they never
change; a value type whose fields change gets a new ``class_version`` on the events that carry
it, and an upcaster.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final
from uuid import UUID

import cattrs

from libops.domain.budget import (
    Adjustment,
    AllocationChange,
    BudgetCategory,
    BudgetStatus,
    Expense,
)
from libops.domain.cadence import CadenceBreach, CadencePeriod, CadenceWarning
from libops.domain.campaign import CampaignKind, CampaignStatus
from libops.domain.interaction.contest import (
    ContestKind,
    ContestRules,
    ContestStatus,
    EntryMethod,
    Prize,
)
from libops.domain.interaction.moderation import (
    CommentRef,
    ModerationAction,
    SanctionMeasure,
)
from libops.domain.interaction.qa import QuestionStatus
from libops.domain.interaction.reading import SessionStatus
from libops.domain.personal import Consent, SealedPersonalData
from libops.domain.post import MetricOutcome, PlatformStatus, PostStatus
from libops.domain.risk import (
    IncidentSeverity,
    MitigationAction,
    RiskCategory,
    RiskLevel,
    RiskReview,
    RiskStatus,
)
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


def _is_set_type(type_: Any) -> bool:
    return type_ is set or type_ is frozenset or typing.get_origin(type_) in (set, frozenset)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda v, _t: Decimal(v))
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(
        datetime, lambda v, _t: v if isinstance(v, datetime) else datetime.fromisoformat(v)
    )
    # Ids in values (a campaign's, a budget's) are stored as their text.
    conv.register_unstructure_hook(UUID, str)
    conv.register_structure_hook(UUID, lambda v, _t: v if isinstance(v, UUID) else UUID(v))
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(
        date, lambda v, _t: v if isinstance(v, date) else date.fromisoformat(v)
    )
    # Sets become sorted lists: JSON has no sets, and their iteration order changes from one
    # process to the next (hash randomisation). The predicate also catches parametrised
    # fields such as Actor.roles (frozenset[Role]), which a plain frozenset hook would miss.
    conv.register_unstructure_hook_func(
        _is_set_type, lambda s: sorted(conv.unstructure(x) for x in s)
    )
    return conv


converter: Final = _make_converter()
"""The one converter that turns libops values into plain data and back."""


VALUE_TYPES: Final[Mapping[type[Any], str]] = MappingProxyType(
    {
        Money: "libops.Money",
        Actor: "libops.Actor",
        Period: "libops.Period",
        Objective: "libops.Objective",
        KolPartner: "libops.KolPartner",
        PostVariant: "libops.PostVariant",
        PlatformLimits: "libops.PlatformLimits",
        MetricSnapshot: "libops.MetricSnapshot",
        ReviewChecklist: "libops.ReviewChecklist",
        Finding: "libops.Finding",
        PublishReceipt: "libops.PublishReceipt",
        CadenceWarning: "libops.CadenceWarning",
        MitigationAction: "libops.MitigationAction",
        RiskReview: "libops.RiskReview",
        Consent: "libops.Consent",
        SealedPersonalData: "libops.SealedPersonalData",
        AllocationChange: "libops.AllocationChange",
        Adjustment: "libops.Adjustment",
        Expense: "libops.Expense",
        Prize: "libops.Prize",
        ContestRules: "libops.ContestRules",
        CommentRef: "libops.CommentRef",
    }
)
"""attrs value types that events may carry, each with its fixed stored name."""

ENUM_TYPES: Final[Mapping[type[enum.Enum], str]] = MappingProxyType(
    {
        Role: "libops.Role",
        Platform: "libops.Platform",
        ContentType: "libops.ContentType",
        Format: "libops.Format",
        Metric: "libops.Metric",
        FindingKind: "libops.FindingKind",
        CampaignKind: "libops.CampaignKind",
        CampaignStatus: "libops.CampaignStatus",
        PostStatus: "libops.PostStatus",
        PlatformStatus: "libops.PlatformStatus",
        MetricOutcome: "libops.MetricOutcome",
        CadencePeriod: "libops.CadencePeriod",
        CadenceBreach: "libops.CadenceBreach",
        RiskCategory: "libops.RiskCategory",
        RiskLevel: "libops.RiskLevel",
        RiskStatus: "libops.RiskStatus",
        IncidentSeverity: "libops.IncidentSeverity",
        BudgetCategory: "libops.BudgetCategory",
        BudgetStatus: "libops.BudgetStatus",
        QuestionStatus: "libops.QuestionStatus",
        SessionStatus: "libops.SessionStatus",
        ContestKind: "libops.ContestKind",
        ContestStatus: "libops.ContestStatus",
        EntryMethod: "libops.EntryMethod",
        ModerationAction: "libops.ModerationAction",
        SanctionMeasure: "libops.SanctionMeasure",
    }
)
"""Enumerations that events may carry, each with its fixed stored name."""
