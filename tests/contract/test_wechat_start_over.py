"""The WeChat gateway's two "start over" answers, against its local fake over loopback.

1. ``freepublish/submit`` answers 40007 on the *first* submit of a draft: the draft is gone
   from the draft box (deleted in the back office, say). Nothing went out, so the gateway
   forgets the publish's progress in its ledger and raises a retryable error; the next
   publish makes a new draft and submits that one, never the old ``media_id`` again.
2. ``freepublish/get`` answers 40007 while the gateway polls a publish job: WeChat has
   forgotten the job. The gateway forgets the publish's progress the same way; the next
   publish makes a new draft and a new submit, and never asks about the old job again.

In both cases the ledger must be cleared: if it kept the old draft (or job), the next
publish would re-submit the dead draft (or poll the dead job) and fail again, for ever.

The fake's ``delete_draft`` and ``forget_job`` change its state just before the request
that meets the change reaches it; the fake then answers 40007 by its own rules. A :class:`Spy`
transport forwards every request to the fake (loopback only) and keeps each request's and
answer's JSON, so the tests can see which ``media_id`` and ``publish_id`` were sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from ipaddress import ip_address
from typing import Any

import httpx
import pytest

from libops.domain.errors import InvalidValueError, PlatformError
from tests.contract.test_wechat_adapter import SUBMIT, Rig, article

DRAFT_ADD = "/cgi-bin/draft/add"
GET = "/cgi-bin/freepublish/get"

Body = dict[str, Any]


class Spy(httpx.BaseTransport):
    """Forwards each request to the fake on loopback and keeps its path, its JSON body and
    the JSON answer. :meth:`before` runs an action on the next request to a path, with its
    body, just before that request reaches the fake."""

    def __init__(self) -> None:
        self._forward = httpx.HTTPTransport()
        self._before: dict[str, Callable[[Body], None]] = {}
        self.exchanges: list[tuple[str, Body, Body]] = []

    def before(self, path: str, action: Callable[[Body], None]) -> None:
        self._before[path] = action

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert ip_address(request.url.host).is_loopback, request.url  # never leave the machine
        sent: Body = json.loads(request.read() or b"{}")
        action = self._before.pop(request.url.path, None)
        if action is not None:
            action(sent)
        response = self._forward.handle_request(request)
        answer: Body = json.loads(response.read() or b"{}")
        self.exchanges.append((request.url.path, sent, answer))
        return response

    def close(self) -> None:
        self._forward.close()

    def sent(self, path: str, field: str) -> list[Any]:
        """``field`` of each request sent to ``path``, in order."""
        return [body.get(field) for p, body, _answer in self.exchanges if p == path]

    def answered(self, path: str, field: str) -> list[Any]:
        """``field`` of each answer from ``path``, in order."""
        return [answer.get(field) for p, _body, answer in self.exchanges if p == path]


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    yield made
    made.close()


def test_a_draft_gone_at_its_first_submit_makes_a_new_draft_next_time(rig: Rig) -> None:
    """40007 from the first submit of a draft: a retryable PlatformError at once (no waiting
    for an article, as after a lost submit answer), the ledger entry gone; the next publish
    adds a new draft and submits it, and the old media_id is submitted only that once."""
    key = "post-40:wechat"
    spy = Spy()
    ledger: dict[str, str] = {}
    gateway = rig.gateway(transport=spy, ledger=ledger)
    spy.before(SUBMIT, lambda body: rig.fake.delete_draft(str(body["media_id"])))

    with pytest.raises(PlatformError) as raised:
        gateway.publish(article(), key)

    [old] = spy.answered(DRAFT_ADD, "media_id")
    assert spy.sent(SUBMIT, "media_id") == [old]
    assert spy.answered(SUBMIT, "errcode") == [40007]  # the fake's own answer
    assert type(raised.value) is PlatformError
    assert raised.value.retryable is True
    assert str(raised.value) == (
        f"wechat: the draft {old!r} is no longer in the draft box (40007); publishing "
        "again makes a new draft"
    )
    assert key not in ledger
    assert rig.sleeps == []
    assert rig.fake.drafts() == []
    assert rig.fake.articles() == []

    receipt = gateway.publish(article(), key)

    first, new = spy.answered(DRAFT_ADD, "media_id")
    assert first == old
    assert new != old
    assert spy.sent(SUBMIT, "media_id") == [old, new]
    assert [a["article_id"] for a in rig.fake.live_articles()] == [receipt.external_id]
    assert rig.fake.drafts() == []  # the new draft went out and left the box
    assert gateway.find_published(key) == receipt


def test_a_publish_job_wechat_forgot_starts_over_next_time(rig: Rig) -> None:
    """40007 from freepublish/get while polling: a retryable PlatformError naming the job,
    the ledger entry gone; the next publish adds a new draft and submits it, polls only the
    new job, and the old draft and job are never sent again."""
    key = "post-41:wechat"
    spy = Spy()
    ledger: dict[str, str] = {}
    gateway = rig.gateway(transport=spy, ledger=ledger)
    spy.before(GET, lambda body: rig.fake.forget_job(str(body["publish_id"])))

    with pytest.raises(PlatformError) as raised:
        gateway.publish(article(), key)

    [old_draft] = spy.answered(DRAFT_ADD, "media_id")
    assert spy.sent(SUBMIT, "media_id") == [old_draft]
    [old_job] = spy.answered(SUBMIT, "publish_id")
    assert spy.sent(GET, "publish_id") == [old_job]
    assert spy.answered(GET, "errcode") == [40007]  # the fake's own answer
    assert type(raised.value) is PlatformError
    assert raised.value.retryable is True
    assert str(raised.value) == (
        f"wechat does not know the publish job {old_job!r} any more; publishing again starts over"
    )
    assert key not in ledger
    assert rig.fake.articles() == []

    receipt = gateway.publish(article(), key)

    first, new_draft = spy.answered(DRAFT_ADD, "media_id")
    assert first == old_draft
    assert new_draft != old_draft
    assert spy.sent(SUBMIT, "media_id") == [old_draft, new_draft]
    _old, new_job = spy.answered(SUBMIT, "publish_id")
    assert new_job != old_job
    polled = spy.sent(GET, "publish_id")
    assert polled[0] == old_job
    assert len(polled) >= 3  # the forgotten job once, then the new one: publishing, done
    assert set(polled[1:]) == {new_job}
    assert [a["article_id"] for a in rig.fake.live_articles()] == [receipt.external_id]
    assert gateway.find_published(key) == receipt


def test_the_fake_refuses_to_delete_a_draft_or_forget_a_job_it_does_not_have(rig: Rig) -> None:
    with pytest.raises(InvalidValueError, match="there is no draft 'nope' in the draft box"):
        rig.fake.delete_draft("nope")
    with pytest.raises(InvalidValueError, match="there is no publish job 'nope'"):
        rig.fake.forget_job("nope")
