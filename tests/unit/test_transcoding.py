"""How events are stored: tuples come back as tuples, and unknown types fail loudly."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import (
    MapperDeserialisationError,
    StoredEvent,
    TranscodingNotRegisteredError,
)
from eventsourcing.utils import TopicError

from libops import (
    Actor,
    Campaign,
    KolPartner,
    LibOps,
    Metric,
    Money,
    Objective,
    Period,
    Platform,
)
from tests.helpers import count_events

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def _tuple_free(value: Any, where: str) -> list[str]:
    """Every place in ``value`` (an aggregate's state) that holds a list instead of a tuple."""
    if isinstance(value, list):
        return [where]
    if isinstance(value, tuple):
        return [p for i, item in enumerate(value) for p in _tuple_free(item, f"{where}[{i}]")]
    if attrs.has(type(value)):
        return [
            p
            for field in attrs.fields(type(value))
            for p in _tuple_free(getattr(value, field.name), f"{where}.{field.name}")
        ]
    return []


class TestTuplesAfterReload:
    def test_campaign_fields_are_tuples(self, ops: LibOps, planner: Actor, admin: Actor) -> None:
        """Platforms, objectives, hashtags, partners and deliverables reload as tuples."""
        cid = ops.campaigns.plan(
            planner,
            name="World Book Day",
            kind="kol",
            period=APRIL,
            platforms=("weibo", "wechat"),
            objectives=(Objective(Metric.READS, 5000),),
            hashtags=("世界读书日",),
        )
        partner = KolPartner(
            "@bookworm", Platform.DOUYIN, 1000, ["video", "live"], Money(Decimal(5), "CNY")
        )
        ops.campaigns.add_kol_partner(planner, cid, partner)
        ops.campaigns.amend(
            admin,
            cid,
            platforms=["douyin", "weibo"],
            objectives=[Objective(Metric.LIKES, 10, Platform.DOUYIN)],
            hashtags=["读书", "WorldBookDay"],
        )
        campaign = ops.campaigns.get(cid)
        assert campaign.platforms == (Platform.DOUYIN, Platform.WEIBO)
        assert campaign.hashtags == ("读书", "WorldBookDay")
        assert campaign.kol_partners == (partner,)
        assert type(campaign.kol_partners[0].deliverables) is tuple
        lists = [
            problem
            for name, value in vars(campaign).items()
            if not name.startswith("_")  # eventsourcing's own bookkeeping
            for problem in _tuple_free(value, name)
        ]
        assert lists == []

    def test_planned_state_is_tuples_before_any_amendment(
        self, ops: LibOps, planner: Actor
    ) -> None:
        """The state built by the creation event alone also holds tuples."""
        cid = ops.campaigns.plan(
            planner,
            name="Q&A week",
            kind="service",
            period=APRIL,
            platforms=["wechat"],
            objectives=[Objective(Metric.COMMENTS, 50)],
            hashtags=["问答"],
        )
        campaign = ops.campaigns.get(cid)
        assert type(campaign.platforms) is tuple
        assert type(campaign.objectives) is tuple
        assert type(campaign.hashtags) is tuple

    def test_stored_events_give_lists_back(self, ops: LibOps, planner: Actor) -> None:
        """Why the event bodies normalise: JSON gives tuples in event fields back as lists."""
        cid = ops.campaigns.plan(planner, name="X", kind="topic", period=APRIL, platforms=["weibo"])
        [planned] = ops.app.repository.event_store.get(cid)
        assert isinstance(planned, Campaign.Planned)
        assert planned.platforms == [Platform.WEIBO]  # type: ignore[comparison-overlap]  # the point


# --- unknown types ---------------------------------------------------------------------


@attrs.frozen
class Unregistered:
    """A value type nobody registered in libops.domain.schema."""

    note: str


class Probe(Aggregate):
    """An aggregate whose event can carry anything, to store what libops does not know."""

    class Noted(Aggregate.Event):
        thing: object

    @event(Noted)
    def note(self, thing: object) -> None:
        self.thing = thing


class TestUnregisteredTypes:
    @pytest.mark.parametrize(
        "thing",
        [Unregistered("x"), (Unregistered("x"),), {"nested": Unregistered("x")}],
        ids=["value", "in-a-tuple", "in-a-dict"],
    )
    def test_saving_an_unregistered_value_fails_clearly(self, ops: LibOps, thing: object) -> None:
        """Storing an unregistered type raises an error naming it; nothing is recorded."""
        probe = Probe()
        probe.note(thing)
        before = count_events(ops)
        with pytest.raises(TranscodingNotRegisteredError) as raised:
            ops.app.save(probe)
        message = str(raised.value)
        assert "Unregistered" in message
        assert "register" in message
        assert count_events(ops) == before

    def test_a_set_in_an_event_fails_clearly(self, ops: LibOps) -> None:
        """A set has no stored form either (events carry tuples)."""
        probe = Probe()
        probe.note(frozenset({"a"}))
        before = count_events(ops)
        with pytest.raises(TranscodingNotRegisteredError, match="frozenset"):
            ops.app.save(probe)
        assert count_events(ops) == before


def _stored(topic: str, state: dict[str, Any]) -> StoredEvent:
    timestamp = {"_type_": "datetime_iso", "_data_": "2026-03-01T08:00:00+00:00"}
    state = {"timestamp": timestamp, **state}
    return StoredEvent(
        originator_id=UUID("11111111-1111-4111-8111-111111111111"),
        originator_version=2,
        topic=topic,
        state=json.dumps(state, separators=(",", ":")).encode(),
    )


_PARTNER_DATA = {
    "handle": "@bookworm",
    "platform": "douyin",
    "audience_size": 1000,
    "deliverables": ["video"],
    "fee": {"amount": "5.00", "currency": "CNY"},
}


Decode = Callable[[StoredEvent], Any]


@pytest.fixture(params=["mapper", "event log"])
def to_domain_event(request: pytest.FixtureRequest, memory_ops: LibOps) -> Decode:
    """Decoding with eventsourcing's mapper, and with the event log projections read."""
    if request.param == "mapper":
        return memory_ops.app.mapper.to_domain_event
    return memory_ops.event_log().to_domain_event


class TestDecodingUnknownData:
    def test_known_data_decodes(self, to_domain_event: Decode) -> None:
        """The stored form used below is right: as written, it decodes to the event."""
        stored = _stored(
            "libops:Campaign.KolPartnerAdded",
            {
                "actor_id": "planner-1",
                "partner": {"_type_": "libops.KolPartner", "_data_": _PARTNER_DATA},
            },
        )
        decoded = to_domain_event(stored)
        assert isinstance(decoded, Campaign.KolPartnerAdded)
        assert decoded.partner.fee == Money(Decimal(5), "CNY")

    def test_unknown_type_name(self, to_domain_event: Decode) -> None:
        """A stored type name no transcoding has is an error naming it."""
        stored = _stored(
            "libops:Campaign.Paused",
            {"actor_id": "a", "reason": {"_type_": "libops.Gone", "_data_": "x"}},
        )
        with pytest.raises(MapperDeserialisationError, match=re.escape("'libops.Gone'")):
            to_domain_event(stored)

    def test_unknown_topic(self, to_domain_event: Decode) -> None:
        """A stored topic no event class has is an error naming it."""
        stored = _stored("libops:Campaign.Renamed", {"actor_id": "a"})
        with pytest.raises(TopicError, match=re.escape("libops:Campaign.Renamed")):
            to_domain_event(stored)

    def test_value_with_an_unknown_field(self, to_domain_event: Decode) -> None:
        """A stored value with a field its type no longer has fails instead of losing it."""
        stored = _stored(
            "libops:Campaign.KolPartnerAdded",
            {
                "actor_id": "a",
                "partner": {
                    "_type_": "libops.KolPartner",
                    "_data_": {**_PARTNER_DATA, "rating": 5},
                },
            },
        )
        topic = re.escape("libops:Campaign.KolPartnerAdded")
        with pytest.raises(MapperDeserialisationError, match=topic):
            to_domain_event(stored)

    def test_value_missing_a_field(self, to_domain_event: Decode) -> None:
        """A stored value without a field its type needs fails."""
        data = {k: v for k, v in _PARTNER_DATA.items() if k != "fee"}
        stored = _stored(
            "libops:Campaign.KolPartnerAdded",
            {"actor_id": "a", "partner": {"_type_": "libops.KolPartner", "_data_": data}},
        )
        with pytest.raises(MapperDeserialisationError):
            to_domain_event(stored)

    def test_unknown_enum_value(self, to_domain_event: Decode) -> None:
        """A stored enumeration value that is no longer a member fails."""
        stored = _stored(
            "libops:PlatformCalendar.Opened",
            {
                "actor_id": "a",
                "originator_topic": "libops:PlatformCalendar",
                "platform": {"_type_": "libops.Platform", "_data_": "myspace"},
            },
        )
        with pytest.raises(MapperDeserialisationError, match="myspace"):
            to_domain_event(stored)
