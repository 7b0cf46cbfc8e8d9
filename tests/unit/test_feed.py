"""The public event feed (``ops.feed``): every event once, in order, page by page, filtered
by kind in the database, and in a public form that shows no sealed value, hash or secret."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from eventsourcing.utils import resolve_topic

from libops import LibOps
from libops.application.authentication import parse_token
from libops.application.feed import (
    ALL_TOPICS,
    FEED_KINDS,
    KIND_OF_TOPIC,
    MAX_FEED_LIMIT,
    TOPICS_BY_KIND,
    FeedPage,
    public_value,
    secret_name,
)
from libops.domain.errors import FeedParameterError
from libops.domain.personal import SealedPersonalData
from libops.domain.post import Post
from libops.domain.users import User
from libops.domain.values import Period
from tests import actors
from tests.golden.inventory import aggregate_classes, recorded_event_classes
from tests.golden.regenerate import (
    GOLDEN_DIR,
    load,
    question_scenario,
    sealed_post_scenario,
    stored_events,
    user_scenario,
)
from tests.helpers import count_events


def _follow(ops: LibOps, *, limit: int, kinds: list[str] | None = None) -> list[dict[str, Any]]:
    """Every event of the feed, read page by page from the start with the cursor."""
    collected: list[dict[str, Any]] = []
    after = 0
    while True:
        page = ops.feed(after=after, kinds=kinds, limit=limit)
        assert isinstance(page, FeedPage)
        assert len(page.events) <= limit
        collected.extend(page.events)
        assert page.next_after == (page.events[-1]["position"] if page.events else after)
        after = page.next_after
        if page.at_end:
            return collected


def _log_positions(ops: LibOps, topics: tuple[str, ...] = ALL_TOPICS) -> list[int]:
    notifications = ops.app.recorder.select_notifications(
        0, count_events(ops) + 1, inclusive_of_start=False
    )
    return [n.id for n in notifications if n.topic in topics]


def _plan(ops: LibOps, n: int) -> None:
    for i in range(n):
        ops.campaigns.plan(
            actors.PLANNER,
            name=f"Reading week {i}",
            kind="topic",
            period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        )


def _flow(ops: LibOps) -> dict[str, list[str]]:
    """Users with a password and a token, readers' questions, a sealed draft: what must
    never appear in the feed (clear personal data, the password, the token's secret)."""
    user_scenario(ops)
    token = ops.users.issue_token(actors.ADMIN, login="li.na", label="feed").token
    question_scenario(ops)
    sealed_post_scenario(ops)
    _plan(ops, 3)
    return {
        "clear": [
            "a long pass phrase",
            parse_token(token)[2],
            "张伟",
            "@zhangwei_reads",
            "Li Ming",
            "@LiMing1990",
            "li.ming@example.org",
            "13812345678",
            "Ms Zhang",
            "Reader services",
        ],
    }


def _secrets_in_store(ops: LibOps) -> list[str]:
    """The hashes and ciphertexts the store keeps: none may reach the feed."""
    found: list[str] = []
    for notification in ops.app.recorder.select_notifications(0, 10_000):
        event = ops.app.mapper.to_domain_event(notification)
        for name, value in vars(event).items():
            if secret_name(name) and isinstance(value, str) and value:
                found.append(value)
            if secret_name(name) and isinstance(value, dict):
                found.extend(v for v in value.values() if isinstance(v, str))
            if isinstance(value, SealedPersonalData):
                found.append(value.ciphertext)
    return found


class TestFollowing:
    def test_page_by_page_every_event_once_in_order(self, ops: LibOps) -> None:
        """On every store: followed 7 at a time, the feed gives the log's events exactly."""
        _flow(ops)
        collected = _follow(ops, limit=7)
        positions = [event["position"] for event in collected]
        assert positions == _log_positions(ops)
        assert len(set(positions)) == len(positions) > 30
        assert _follow(ops, limit=MAX_FEED_LIMIT) == collected

    def test_new_events_come_after_the_cursor(self, ops: LibOps) -> None:
        _plan(ops, 2)
        first = ops.feed()
        assert first.at_end
        assert len(first.events) == 2
        again = ops.feed(after=first.next_after)
        assert again == FeedPage(events=(), next_after=first.next_after, at_end=True)
        _plan(ops, 1)
        later = ops.feed(after=first.next_after)
        assert [e["type"] for e in later.events] == ["Campaign.Planned"]
        assert later.events[0]["position"] > first.next_after

    def test_a_full_page_is_not_at_end(self, memory_ops: LibOps) -> None:
        _plan(memory_ops, 3)
        page = memory_ops.feed(limit=3)
        assert len(page.events) == 3
        assert not page.at_end
        assert memory_ops.feed(after=page.next_after, limit=3).at_end

    def test_the_envelope(self, memory_ops: LibOps) -> None:
        _plan(memory_ops, 1)
        (event,) = memory_ops.feed().events
        (campaign,) = memory_ops.campaigns.list()
        assert event == {
            "position": 1,
            "kind": "campaign",
            "aggregate_id": str(campaign.id),
            "version": 1,
            "type": "Campaign.Planned",
            "topic": "libops:Campaign.Planned",
            "recorded_at": "2026-03-01T08:00:00+00:00",
            "data": event["data"],
        }
        assert event["data"]["name"] == "Reading week 0"
        assert event["data"]["period"] == {"start": "2026-04-01", "end": "2026-04-30"}
        assert event["data"]["kind"] == "topic"
        json.dumps(event)  # plain JSON


class TestKinds:
    def test_only_the_kinds_asked_for(self, ops: LibOps) -> None:
        """On every store: the filter keeps exactly the log's events of those kinds."""
        _flow(ops)
        kinds = ["post", "data subject"]
        collected = _follow(ops, limit=4, kinds=kinds)
        assert {event["kind"] for event in collected} == {"post", "data subject"}
        topics = TOPICS_BY_KIND["post"] + TOPICS_BY_KIND["data subject"]
        assert [event["position"] for event in collected] == _log_positions(ops, topics)

    def test_kind_spellings(self, memory_ops: LibOps) -> None:
        _plan(memory_ops, 1)
        assert memory_ops.feed(kinds="Campaign").events
        assert not memory_ops.feed(kinds=["data_subject", "reading-session"]).events
        assert memory_ops.feed(kinds="post, campaign").events == memory_ops.feed().events

    def test_every_kind_knows_its_event_classes(self) -> None:
        """Each aggregate in the feed shows every event class it records (the golden
        inventory's); only idempotency records, bookkeeping, are left out."""
        left_out = {cls.__qualname__ for cls in aggregate_classes()} - {
            cls.__qualname__ for cls in FEED_KINDS
        }
        assert left_out == {"IdempotencyRecord"}
        for aggregate, kind in FEED_KINDS.items():
            expected = sorted(str(cls.TOPIC) for cls in recorded_event_classes(aggregate))  # type: ignore[attr-defined]
            assert list(TOPICS_BY_KIND[kind]) == expected, kind
            for topic in expected:
                assert KIND_OF_TOPIC[topic] == kind


class TestParameters:
    @pytest.mark.parametrize(
        ("options", "field"),
        [
            ({"after": -1}, "after"),
            ({"after": "3"}, "after"),
            ({"after": True}, "after"),
            ({"limit": 0}, "limit"),
            ({"limit": MAX_FEED_LIMIT + 1}, "limit"),
            ({"limit": 2.5}, "limit"),
            ({"kinds": ["post", "poster"]}, "kinds"),
            ({"kinds": []}, "kinds"),
            ({"kinds": [3]}, "kinds"),
            ({"kinds": ["idempotency record"]}, "kinds"),
        ],
    )
    def test_bad_parameters_are_refused_by_name(
        self, memory_ops: LibOps, options: dict[str, Any], field: str
    ) -> None:
        _plan(memory_ops, 1)
        with pytest.raises(FeedParameterError) as refused:
            memory_ops.feed(**options)
        assert refused.value.field == field
        assert field in str(refused.value)
        assert count_events(memory_ops) == 1

    def test_the_limit_bounds_are_accepted(self, memory_ops: LibOps) -> None:
        _plan(memory_ops, 2)
        assert len(memory_ops.feed(limit=1).events) == 1
        assert len(memory_ops.feed(limit=MAX_FEED_LIMIT).events) == 2


class TestNoSecrets:
    def test_no_secret_or_clear_personal_data_in_a_flow(self, ops: LibOps) -> None:
        """On every store: a user's password and token, readers' personal data and a sealed
        draft recorded; the feed shows none of their clear values, hashes or ciphertexts,
        and sealed personal data only as the subject's pseudonymous id."""
        never = _flow(ops)["clear"]
        stored_secrets = _secrets_in_store(ops)
        assert len(stored_secrets) > 5
        user: User = ops.app.repository.get(User.create_id("li.na"))
        assert isinstance(user, User)
        assert user.password_hash
        stored_secrets.append(user.password_hash)
        stored_secrets.extend(token.secret_hash for token in user.tokens.values())
        text = json.dumps(_follow(ops, limit=50), ensure_ascii=False)
        for value in [*never, *stored_secrets]:
            assert value not in text
        subject = ops.privacy.subject_id_for("wechat", "@zhangwei_reads")
        assert f'"subject_id": "{subject}"' in text

    def test_a_sealed_draft_shows_no_text(self, memory_ops: LibOps) -> None:
        sealed_post_scenario(memory_ops)
        drafted = memory_ops.feed(kinds="post").events[0]
        assert drafted["type"] == "Post.Drafted"
        assert "sealed" not in drafted["data"]
        assert drafted["data"]["title"] == drafted["data"]["body"] == "[sealed]"
        stored = memory_ops.app.mapper.to_domain_event(
            memory_ops.app.recorder.select_notifications(1, 1)[0]
        )
        assert isinstance(stored, Post.Drafted)
        assert stored.sealed
        text = json.dumps(drafted)
        for ciphertext in stored.sealed.values():
            assert ciphertext not in text

    def test_public_value_drops_secrets_at_any_depth(self) -> None:
        value = {
            "a": [{"secret_hash": "x", "keep": 1}],
            "sealed": {"title": "ciphertext"},
            "b": b"raw",
            "c": frozenset({"z", "y"}),
        }
        assert public_value(value) == {"a": [{"keep": 1}], "c": ["y", "z"]}

    @pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN_DIR.glob("*.json")))
    def test_golden_events_show_nothing_sealed(self, name: str) -> None:
        """Every event class of the golden files, through the feed's public form: no
        sealed value, no bytes, no hash or secret key, no ciphertext of the stored form."""
        with LibOps.open("memory://") as ops:
            ops.app.recorder.insert_events(stored_events(load(name)))
            events = _follow(ops, limit=MAX_FEED_LIMIT)
            assert [e["position"] for e in events] == _log_positions(ops)
            stored_secrets = _secrets_in_store(ops)
        for event in events:
            assert resolve_topic(event["topic"]).__qualname__ == event["type"]
            _assert_public(event)
        text = json.dumps(events, ensure_ascii=False)
        for value in stored_secrets:
            assert value not in text


def _assert_public(value: Any) -> None:
    assert not isinstance(value, bytes | bytearray | SealedPersonalData)
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            assert not secret_name(key), key
            if key == "personal_data":
                assert set(value) == {"personal_data", "subject_id"}
            _assert_public(item)
    elif isinstance(value, list):
        for item in value:
            _assert_public(item)
    else:
        assert value is None or isinstance(value, str | int | float | bool)
