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
import cattrs.gen

from libops.domain import budget, cadence, campaign, personal, post, risk, values
from libops.domain.interaction import contest, moderation, qa, reading, survey


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
    # Sealed values of the first format are stored as they always were: the fields added
    # with the second format (format, field, binding) are left out while they hold defaults.
    conv.register_unstructure_hook(
        personal.SealedPersonalData,
        cattrs.gen.make_dict_unstructure_fn(
            personal.SealedPersonalData,
            conv,
            format=cattrs.gen.override(omit_if_default=True),
            field=cattrs.gen.override(omit_if_default=True),
            binding=cattrs.gen.override(omit_if_default=True),
        ),
    )
    # An actor is stored as it always was: its scope (added for scoped users) only when set.
    conv.register_unstructure_hook(
        values.Actor,
        cattrs.gen.make_dict_unstructure_fn(
            values.Actor, conv, scope=cattrs.gen.override(omit_if_default=True)
        ),
    )
    # A platform's own metrics (issue 11): counts as numbers, ratios and seconds as decimal
    # text; a snapshot without any is stored as it always was (no "extra" key).
    conv.register_unstructure_hook(
        values.OwnMetricValues,
        lambda m: {k: v if isinstance(v, int) else str(v) for k, v in m.items()},
    )
    conv.register_structure_hook(
        values.OwnMetricValues,
        lambda d, _t: values.OwnMetricValues(
            {k: v if isinstance(v, int) else Decimal(v) for k, v in d.items()}
        ),
    )
    conv.register_unstructure_hook(
        values.MetricSnapshot,
        cattrs.gen.make_dict_unstructure_fn(
            values.MetricSnapshot, conv, extra=cattrs.gen.override(omit_if_default=True)
        ),
    )
    return conv


converter: Final = _make_converter()
"""The one converter that turns libops values into plain data and back."""


VALUE_TYPES: Final[Mapping[type[Any], str]] = MappingProxyType(
    {
        values.Money: "libops.Money",
        values.Actor: "libops.Actor",
        values.Scope: "libops.Scope",
        values.Period: "libops.Period",
        values.Objective: "libops.Objective",
        values.KolPartner: "libops.KolPartner",
        values.PostVariant: "libops.PostVariant",
        values.PlatformLimits: "libops.PlatformLimits",
        values.MetricSnapshot: "libops.MetricSnapshot",
        values.ReviewChecklist: "libops.ReviewChecklist",
        values.Finding: "libops.Finding",
        values.PublishReceipt: "libops.PublishReceipt",
        cadence.CadenceWarning: "libops.CadenceWarning",
        risk.MitigationAction: "libops.MitigationAction",
        risk.RiskReview: "libops.RiskReview",
        personal.Consent: "libops.Consent",
        personal.SealedPersonalData: "libops.SealedPersonalData",
        budget.AllocationChange: "libops.AllocationChange",
        budget.Adjustment: "libops.Adjustment",
        budget.Expense: "libops.Expense",
        contest.Prize: "libops.Prize",
        contest.ContestRules: "libops.ContestRules",
        moderation.CommentRef: "libops.CommentRef",
        survey.SurveyQuestion: "libops.SurveyQuestion",
    }
)
"""attrs value types that events may carry, each with its fixed stored name."""

ENUM_TYPES: Final[Mapping[type[enum.Enum], str]] = MappingProxyType(
    {
        values.Role: "libops.Role",
        values.Platform: "libops.Platform",
        values.ContentType: "libops.ContentType",
        values.Format: "libops.Format",
        values.Metric: "libops.Metric",
        values.FindingKind: "libops.FindingKind",
        campaign.CampaignKind: "libops.CampaignKind",
        campaign.CampaignStatus: "libops.CampaignStatus",
        post.PostStatus: "libops.PostStatus",
        post.PlatformStatus: "libops.PlatformStatus",
        post.MetricOutcome: "libops.MetricOutcome",
        cadence.CadencePeriod: "libops.CadencePeriod",
        cadence.CadenceBreach: "libops.CadenceBreach",
        risk.RiskCategory: "libops.RiskCategory",
        risk.RiskLevel: "libops.RiskLevel",
        risk.RiskStatus: "libops.RiskStatus",
        risk.IncidentSeverity: "libops.IncidentSeverity",
        budget.BudgetCategory: "libops.BudgetCategory",
        budget.BudgetStatus: "libops.BudgetStatus",
        qa.QuestionStatus: "libops.QuestionStatus",
        reading.SessionStatus: "libops.SessionStatus",
        contest.ContestKind: "libops.ContestKind",
        contest.ContestStatus: "libops.ContestStatus",
        contest.EntryMethod: "libops.EntryMethod",
        moderation.ModerationAction: "libops.ModerationAction",
        moderation.SanctionMeasure: "libops.SanctionMeasure",
        survey.QuestionKind: "libops.SurveyQuestionKind",
        survey.SurveyTarget: "libops.SurveyTarget",
        survey.SurveyStatus: "libops.SurveyStatus",
    }
)
"""Enumerations that events may carry, each with its fixed stored name."""
