"""Round trips of every registered value type and enumeration through the stored format.

Every attrs value type in :data:`libops.domain.schema.VALUE_TYPES` needs a hypothesis strategy
in :data:`VALUE_STRATEGIES` below; registering a type without adding one fails these tests.
Enumerations need no strategy: every member of every registered enumeration is checked.
"""

from __future__ import annotations

import base64
import enum
import json
import os
import subprocess
import sys
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any
from uuid import UUID

import attrs
import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from eventsourcing.utils import get_topic
from hypothesis import given
from hypothesis import strategies as st

from libops import LibOps
from libops.adapters.transcoding import register_libops_transcodings
from libops.application.commands import RESULT_TYPES
from libops.domain.budget import Adjustment, AllocationChange, BudgetCategory, Expense
from libops.domain.cadence import CadenceBreach, CadencePeriod, CadenceWarning
from libops.domain.campaign import CampaignKind, CampaignStatus
from libops.domain.currencies import MINOR_UNITS
from libops.domain.interaction.contest import ContestRules, EntryMethod, Prize
from libops.domain.interaction.moderation import CommentRef
from libops.domain.interaction.survey import CHOICES, QuestionKind, SurveyQuestion
from libops.domain.personal import Consent, SealedPersonalData
from libops.domain.platforms import publishing_platforms
from libops.domain.risk import MitigationAction, RiskReview
from libops.domain.schema import ENUM_TYPES, VALUE_TYPES, converter
from libops.domain.values import (
    EARLIEST_DAY,
    LATEST_DAY,
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
    Scope,
)
from tests.golden.inventory import aggregate_classes, recorded_event_classes

# --- strategies ------------------------------------------------------------------------

# Printable text: libops refuses control characters and lone surrogates in commands (C0 but
# tab and line breaks in multi-line texts), and names take one line.
_printable = st.characters(blacklist_categories=("Cc", "Cs"))
_text = st.text(_printable, max_size=40)
_days = st.dates(min_value=EARLIEST_DAY, max_value=LATEST_DAY)


def _nonblank(max_length: int) -> st.SearchStrategy[str]:
    """Text that libops's require_text accepts: not blank, at most ``max_length`` once stripped."""
    return st.text(_printable, min_size=1, max_size=max_length).filter(lambda s: bool(s.strip()))


_aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.one_of(
        st.just(UTC),
        st.timezones(),
        st.builds(
            timezone,
            st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23)),
        ),
    ),
)
_counts = st.integers(min_value=0, max_value=10**12)


@st.composite
def _money(draw: st.DrawFn) -> Money:
    currency = draw(st.sampled_from(sorted(MINOR_UNITS)))
    units = draw(st.integers(min_value=0, max_value=10**18))
    return Money(Decimal(units).scaleb(-MINOR_UNITS[currency]), currency)


@st.composite
def _period(draw: st.DrawFn) -> Period:
    start = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))
    length = draw(st.integers(min_value=0, max_value=3650))
    return Period(start, start + timedelta(days=length))


_targets = st.decimals(
    min_value=Decimal("0.000001"), max_value=Decimal(10**12), allow_nan=False, allow_infinity=False
)


@st.composite
def _risk_review(draw: st.DrawFn) -> RiskReview:
    reviewed_on = draw(st.dates(min_value=EARLIEST_DAY, max_value=date(2900, 1, 1)))
    later = draw(st.integers(min_value=1, max_value=3650))
    return RiskReview(
        reviewer_id=draw(_nonblank(200)).strip(),
        reviewed_on=reviewed_on,
        notes=draw(_nonblank(4000)).strip(),
        next_review_on=reviewed_on + timedelta(days=later),
    )


@st.composite
def _contest_rules(draw: st.DrawFn) -> ContestRules:
    opens_at = draw(_aware_datetimes)
    length = draw(st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=400)))
    return ContestRules(
        eligibility=draw(_nonblank(4000)),
        opens_at=opens_at,
        closes_at=opens_at + length,
        entry_method=draw(st.sampled_from(EntryMethod)),
        prizes=tuple(
            draw(
                st.lists(
                    st.builds(
                        Prize,
                        description=_nonblank(500),
                        quantity=st.integers(min_value=1, max_value=100),
                    ),
                    min_size=1,
                    max_size=4,
                )
            )
        ),
        platforms=tuple(draw(st.lists(st.sampled_from(Platform), min_size=1, max_size=3))),
        entries_per_person=draw(st.integers(min_value=1, max_value=1000)),
        correct_answer_required=draw(st.booleans()),
    )


_allocation_changes = st.builds(
    AllocationChange,
    category=st.sampled_from(BudgetCategory),
    campaign_id=st.none() | st.uuids(),
    before=_money(),
    after=_money(),
)

# Letters and spaces only: a survey's texts are stored in clear and refuse anything that looks
# like contact details (digits could read as a phone number).
_plain_words = st.text(st.sampled_from("abcdefgh ijklmn 读书会满意"), min_size=1, max_size=60)
_plain_words = _plain_words.filter(lambda s: bool(s.strip()))


@st.composite
def _survey_questions(draw: st.DrawFn) -> SurveyQuestion:
    kind = draw(st.sampled_from(QuestionKind))
    options = (
        draw(st.lists(_plain_words.map(str.strip), min_size=2, max_size=5, unique=True))
        if kind in CHOICES
        else []
    )
    return SurveyQuestion(
        id=draw(st.from_regex(r"[a-z0-9][a-z0-9._:-]{0,20}", fullmatch=True)),
        text=draw(_plain_words),
        kind=kind,
        required=draw(st.booleans()),
        options=tuple(options),
    )


VALUE_STRATEGIES: dict[type[Any], st.SearchStrategy[Any]] = {
    Money: _money(),
    SurveyQuestion: _survey_questions(),
    Actor: st.builds(
        Actor,
        id=_nonblank(200),
        roles=st.frozensets(st.sampled_from(Role)),
        name=_text,
        scope=st.none()
        | st.builds(
            Scope,
            platforms=st.none() | st.frozensets(st.sampled_from(Platform)),
            campaigns=st.none() | st.frozensets(st.uuids()),
        ),
    ),
    Scope: st.builds(
        Scope,
        platforms=st.none() | st.frozensets(st.sampled_from(Platform)),
        campaigns=st.none() | st.frozensets(st.uuids()),
    ),
    Period: _period(),
    Objective: st.builds(
        Objective,
        metric=st.sampled_from(Metric),
        target=_targets,
        platform=st.none() | st.sampled_from(Platform),
    ),
    KolPartner: st.builds(
        KolPartner,
        handle=_nonblank(200),
        platform=st.sampled_from(Platform),
        audience_size=_counts,
        deliverables=st.lists(_nonblank(500), max_size=4).map(tuple),
        fee=_money(),
    ),
    PostVariant: st.builds(
        PostVariant,
        platform=st.sampled_from(publishing_platforms()),  # the library's channels take none
        text=_nonblank(2000),
        media=st.lists(_text, max_size=4).map(tuple),
        link=st.none() | _text,
    ),
    PlatformLimits: st.builds(
        PlatformLimits,
        max_text_length=_counts,
        max_media=_counts,
        allows_links=st.booleans(),
        requires_media=st.booleans(),
    ),
    MetricSnapshot: st.builds(
        MetricSnapshot,
        platform=st.sampled_from(Platform),
        observed_at=_aware_datetimes,
        reads=_counts,
        views=_counts,
        likes=_counts,
        comments=_counts,
        shares=_counts,
        favourites=_counts,
        followers_gained=st.none() | _counts,
    ),
    ReviewChecklist: st.builds(
        ReviewChecklist,
        accuracy=st.booleans(),
        copyright=st.booleans(),
        privacy=st.booleans(),
        notes=_text,
    ),
    Finding: st.builds(Finding, kind=st.sampled_from(FindingKind), where=_text, excerpt=_text),
    PublishReceipt: st.builds(
        PublishReceipt,
        platform=st.sampled_from(Platform),
        external_id=_nonblank(100),
        url=_text,
        published_at=_aware_datetimes,
    ),
    CadenceWarning: st.builds(
        CadenceWarning,
        platform=st.sampled_from(Platform),
        per=st.sampled_from(CadencePeriod),
        breach=st.sampled_from(CadenceBreach),
        period_start=_days,
        period_end=_days,
        count=_counts,
        limit=_counts,
        surge=st.none() | _text,
    ),
    MitigationAction: st.builds(
        MitigationAction,
        number=st.integers(min_value=1, max_value=10**6),
        description=_nonblank(1000).map(str.strip),
        due_on=_days,
        owner_id=_nonblank(200).map(str.strip),
    ),
    RiskReview: _risk_review(),
    Consent: st.builds(
        Consent,
        purpose=_nonblank(500).map(str.strip),
        given_at=_aware_datetimes,
        third_parties=st.booleans(),
    ),
    SealedPersonalData: st.builds(
        SealedPersonalData,
        subject_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", fullmatch=True),
        nonce=st.binary(min_size=12, max_size=12).map(lambda b: base64.b64encode(b).decode()),
        ciphertext=st.binary(min_size=16, max_size=400).map(lambda b: base64.b64encode(b).decode()),
        consent=st.builds(Consent, purpose=_nonblank(500), given_at=_aware_datetimes),
    ),
    Prize: st.builds(
        Prize, description=_nonblank(500), quantity=st.integers(min_value=1, max_value=100)
    ),
    ContestRules: _contest_rules(),
    CommentRef: st.builds(
        CommentRef,
        post_id=st.uuids(),
        platform=st.sampled_from(Platform),
        external_id=_nonblank(200),
    ),
    AllocationChange: _allocation_changes,
    Adjustment: st.builds(
        Adjustment,
        requested_by=_nonblank(200),
        approved_by=_nonblank(200),
        reason=_nonblank(2000),
        changes=st.lists(_allocation_changes, max_size=3).map(tuple),
    ),
    Expense: st.builds(
        Expense,
        invoice_reference=_nonblank(300),
        vendor=_nonblank(200),
        amount=_money(),
        category=st.sampled_from(BudgetCategory),
        campaign_id=st.none() | st.uuids(),
        settles=st.none() | _nonblank(300),
        settled=_money(),
        recorded_by=_nonblank(200),
    ),
}
"""A strategy of valid instances for every registered value type. Add one for each new type."""


# Names already written into stored events: they never change. The registry may grow; every
# entry here must stay exactly as it is. Add new types here once they have been released.
PUBLISHED_NAMES: Mapping[type[Any], str] = {
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
    Role: "libops.Role",
    Platform: "libops.Platform",
    ContentType: "libops.ContentType",
    Format: "libops.Format",
    Metric: "libops.Metric",
    FindingKind: "libops.FindingKind",
    CampaignKind: "libops.CampaignKind",
    CampaignStatus: "libops.CampaignStatus",
}


def _strategy_for(value_type: type[Any]) -> st.SearchStrategy[Any]:
    strategy = VALUE_STRATEGIES.get(value_type)
    if strategy is None:
        pytest.fail(
            f"{value_type.__qualname__} is registered in libops.domain.schema.VALUE_TYPES but "
            f"has no strategy: add one to VALUE_STRATEGIES in {__name__.replace('.', '/')}.py"
        )
    return strategy


def _make_transcoder() -> JSONTranscoder:
    """The transcoder as the application builds it: eventsourcing's defaults plus libops's."""
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    register_libops_transcodings(transcoder)
    return transcoder


TRANSCODER = _make_transcoder()

_VALUE_TYPE_IDS = [t.__qualname__ for t in VALUE_TYPES]
_ENUM_MEMBERS = [member for enum_type in ENUM_TYPES for member in enum_type]


def _via_converter(value: Any, value_type: type[Any]) -> Any:
    text = json.dumps(converter.unstructure(value), ensure_ascii=False)
    return converter.structure(json.loads(text), value_type)


def _via_transcoder(value: Any) -> Any:
    # Events are dicts of fields; values also travel inside tuples of other values.
    return TRANSCODER.decode(TRANSCODER.encode({"value": value, "in_tuple": (value,)}))


# --- the registry ----------------------------------------------------------------------


class TestRegistry:
    def test_every_value_type_has_a_strategy(self) -> None:
        """Each registered value type has a strategy here, so its round trip is tested."""
        missing = sorted(t.__qualname__ for t in VALUE_TYPES if t not in VALUE_STRATEGIES)
        assert not missing, (
            f"add strategies to VALUE_STRATEGIES in tests/unit/test_values.py for: {missing}"
        )

    def test_no_strategy_for_an_unregistered_type(self) -> None:
        """A strategy for a type that is not registered means a registration was lost."""
        stale = sorted(t.__qualname__ for t in VALUE_STRATEGIES if t not in VALUE_TYPES)
        assert not stale, f"registered in tests but not in schema.VALUE_TYPES: {stale}"

    def test_stored_names_are_unique_and_namespaced(self) -> None:
        """Every stored name is distinct and starts with 'libops.'."""
        names = [*VALUE_TYPES.values(), *ENUM_TYPES.values()]
        assert len(names) == len(set(names))
        assert all(name.startswith("libops.") for name in names)

    def test_published_names_never_change(self) -> None:
        """Names already written into stored events still map to the same types."""
        registry: dict[type[Any], str] = {**VALUE_TYPES, **ENUM_TYPES}
        changed = {
            t.__qualname__: (name, registry.get(t))
            for t, name in PUBLISHED_NAMES.items()
            if registry.get(t) != name
        }
        assert not changed, f"stored names changed (published, registry): {changed}"

    def test_value_types_are_frozen_attrs_classes(self) -> None:
        """Every registered value type is an immutable attrs class."""
        for value_type in VALUE_TYPES:
            assert attrs.has(value_type), value_type
            assert value_type.__setattr__ is not object.__setattr__, value_type

    def test_enum_types_are_enumerations(self) -> None:
        """Every registered enumeration type is an Enum with text values."""
        for enum_type in ENUM_TYPES:
            assert issubclass(enum_type, enum.Enum)
            assert all(isinstance(member.value, str) for member in enum_type), enum_type

    def test_the_application_registers_the_same_transcodings(self) -> None:
        """The application's transcoder knows every name the test transcoder knows, and the
        application's stored command results besides."""
        with LibOps.open("memory://") as ops:
            transcoder = ops.app.mapper.transcoder
            assert isinstance(transcoder, JSONTranscoder)
            assert set(transcoder.names) == {*TRANSCODER.names, *RESULT_TYPES.values()}
            for name, transcoding in TRANSCODER.names.items():
                assert transcoder.names[name].type is transcoding.type


# --- round trips -----------------------------------------------------------------------


class TestValueRoundTrips:
    @pytest.mark.parametrize("value_type", list(VALUE_TYPES), ids=_VALUE_TYPE_IDS)
    @given(data=st.data())
    def test_converter_json_round_trip(self, value_type: type[Any], data: st.DataObject) -> None:
        """converter.unstructure, JSON text, converter.structure gives an equal value."""
        value = data.draw(_strategy_for(value_type))
        assert type(value) is value_type
        back = _via_converter(value, value_type)
        assert type(back) is value_type
        assert back == value

    @pytest.mark.parametrize("value_type", list(VALUE_TYPES), ids=_VALUE_TYPE_IDS)
    @given(data=st.data())
    def test_transcoder_round_trip(self, value_type: type[Any], data: st.DataObject) -> None:
        """The stored JSON names the type's fixed name and decodes to an equal value."""
        value = data.draw(_strategy_for(value_type))
        stored = json.loads(TRANSCODER.encode({"value": value}))
        assert stored["value"]["_type_"] == VALUE_TYPES[value_type]
        back = _via_transcoder(value)
        assert type(back["value"]) is value_type
        assert back["value"] == value
        assert back["in_tuple"] == [value]

    @pytest.mark.parametrize("value_type", list(VALUE_TYPES), ids=_VALUE_TYPE_IDS)
    @given(data=st.data())
    def test_plain_data_is_json(self, value_type: type[Any], data: st.DataObject) -> None:
        """A value unstructures to JSON-native data only (no Decimal, datetime or enum left)."""
        plain = converter.unstructure(data.draw(_strategy_for(value_type)))
        assert json.loads(json.dumps(plain)) == _lists_for_tuples(plain)


def _lists_for_tuples(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _lists_for_tuples(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_lists_for_tuples(item) for item in data]
    return data


class TestEnumRoundTrips:
    @pytest.mark.parametrize("member", _ENUM_MEMBERS, ids=str)
    def test_converter_round_trip(self, member: enum.Enum) -> None:
        """Each member unstructures to its value and structures back to itself."""
        plain = converter.unstructure(member)
        assert plain == member.value
        assert converter.structure(json.loads(json.dumps(plain)), type(member)) is member

    @pytest.mark.parametrize("member", _ENUM_MEMBERS, ids=str)
    def test_transcoder_round_trip(self, member: enum.Enum) -> None:
        """Each member is stored under its enumeration's fixed name and decodes to itself."""
        stored = json.loads(TRANSCODER.encode({"value": member}))
        assert stored == {"value": {"_type_": ENUM_TYPES[type(member)], "_data_": member.value}}
        back = _via_transcoder(member)
        assert back["value"] is member
        assert back["in_tuple"] == [member]


class TestDatetimesInValues:
    def test_aware_datetimes_are_kept_in_utc(self) -> None:
        """A time in a repeated local hour still equals itself after a round trip."""
        from zoneinfo import ZoneInfo

        ambiguous = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York"))
        receipt = PublishReceipt(Platform.MASTODON, "1", "https://example.org/1", ambiguous)
        assert receipt.published_at.tzinfo is UTC
        assert receipt.published_at == datetime(2025, 11, 2, 6, 30, tzinfo=UTC)
        assert _via_converter(receipt, PublishReceipt) == receipt
        assert _via_transcoder(receipt)["value"] == receipt


class TestSetsInPlainData:
    def test_roles_become_a_sorted_list(self) -> None:
        """An actor's roles unstructure to a sorted list of names, never a set."""
        actor = Actor("a", [Role.REVIEWER, Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN])
        assert converter.unstructure(actor)["roles"] == [
            "content_planner",
            "operations_admin",
            "reviewer",
        ]

    def test_plain_data_is_the_same_in_every_process(self) -> None:
        """Hash randomisation does not change plain data (idempotency fingerprints use it)."""
        script = (
            "import json; from libops import Actor, Role; "
            "from libops.domain.schema import converter; "
            "a = Actor('a', list(Role)); "
            "print(json.dumps(converter.unstructure({'actor': a, 'tags': frozenset('abcdef')})))"
        )
        outputs = {
            subprocess.run(
                [sys.executable, "-c", script],
                env={**os.environ, "PYTHONHASHSEED": str(seed)},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for seed in (1, 2, 3, 4)
        }
        assert len(outputs) == 1, outputs


# --- what events carry -----------------------------------------------------------------

_JSON_LEAVES: frozenset[Any] = frozenset(
    {str, int, bool, float, NoneType, UUID, Decimal, datetime, Any}
)


def _unstorable(annotation: Any, where: str) -> list[str]:
    """Why values of ``annotation`` could not be stored in an event (empty if they can)."""
    if annotation in _JSON_LEAVES or annotation in VALUE_TYPES or annotation in ENUM_TYPES:
        return []
    if isinstance(annotation, typing.TypeVar):
        return []
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    if origin in (typing.Union, UnionType, tuple, list):
        return [problem for arg in args for problem in _unstorable(arg, where)]
    if origin in (dict, Mapping, typing.get_origin(Mapping[str, int])):
        key, value = args
        problems = _unstorable(value, where)
        if key is not str:
            problems.append(f"{where}: JSON keys are text, not {key!r}; store pairs in a tuple")
        return problems
    if isinstance(annotation, type) and attrs.has(annotation):
        return [f"{where}: {annotation.__qualname__} is not registered in schema.VALUE_TYPES"]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [f"{where}: {annotation.__qualname__} is not registered in schema.ENUM_TYPES"]
    return [f"{where}: no transcoding stores {annotation!r}"]


def _own_fields(event_class: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(event_class)
    own = {
        name
        for cls in event_class.__mro__
        if cls.__module__.startswith("libops.")
        for name in vars(cls).get("__annotations__", {})
    }
    return {name: hint for name, hint in hints.items() if name in own}


_EVENT_CLASSES = [
    event_class
    for aggregate in aggregate_classes()
    for event_class in recorded_event_classes(aggregate)
]


class TestEventFieldsAreStorable:
    def test_the_inventory_finds_campaign_events(self) -> None:
        """The scan of libops.domain finds the Campaign events (so it is not vacuous)."""
        topics = {get_topic(event_class) for event_class in _EVENT_CLASSES}
        assert {"libops:Campaign.Planned", "libops:Campaign.KolPartnerAdded"} <= topics

    @pytest.mark.parametrize("event_class", _EVENT_CLASSES, ids=get_topic)
    def test_every_field_type_is_registered(self, event_class: type[Any]) -> None:
        """Every enum and value type an event field can hold has a fixed stored name."""
        problems = [
            problem
            for name, hint in _own_fields(event_class).items()
            for problem in _unstorable(hint, f"{get_topic(event_class)}.{name}")
        ]
        assert not problems, "\n".join(problems)

    @pytest.mark.parametrize(
        ("annotation", "complaint"),
        [
            (date, "no transcoding stores"),
            (frozenset[str], "no transcoding stores"),
            (dict[Platform, int], "JSON keys are text"),
            (tuple[Callable[[], None], ...], "no transcoding stores"),
        ],
    )
    def test_the_check_catches_unstorable_fields(self, annotation: Any, complaint: str) -> None:
        """The field check itself refuses types no transcoding can store."""
        assert any(complaint in problem for problem in _unstorable(annotation, "X.field"))

    def test_the_check_catches_unregistered_types(self) -> None:
        """An attrs class or enum missing from the registry is reported by name."""

        @attrs.frozen
        class Unlisted:
            x: int

        class Colour(enum.Enum):
            RED = "red"

        [problem] = _unstorable(tuple[Unlisted, ...], "X.a")
        assert problem.startswith("X.a: ")
        assert problem.endswith("<locals>.Unlisted is not registered in schema.VALUE_TYPES")
        assert "ENUM_TYPES" in _unstorable(Colour | None, "X.b")[0]
