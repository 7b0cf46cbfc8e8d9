"""The WeChat gateway's look-ups read ``batchget`` lists page by page (20 an answer, 100 at
most): a publication past the first page is still found by its fingerprint, and a page is
asked for only when the one before it did not hold what was looked for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.test_wechat_adapter import Rig, article, calls

BATCHGET = "/cgi-bin/freepublish/batchget"


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    yield made
    made.close()


def test_a_publication_on_the_second_page_is_found_by_its_fingerprint(rig: Rig) -> None:
    gateway = rig.gateway()
    first = gateway.publish(article("最早的一篇\n第一页之外。"), "post-0:wechat")
    for n in range(1, 22):
        gateway.publish(article(f"第{n}篇\n正文{n}。"), f"post-{n}:wechat")
    before = calls(rig.fake, BATCHGET)
    other = rig.gateway()  # another process: no ledger, so it reads the publications
    found = other.find_published("post-0:wechat")
    assert found is not None
    assert (found.external_id, found.url) == (first.external_id, first.url)
    assert calls(rig.fake, BATCHGET) - before == 2


def test_a_publication_on_the_first_page_needs_one_page(rig: Rig) -> None:
    gateway = rig.gateway()
    for n in range(22):
        gateway.publish(article(f"第{n}篇\n正文{n}。"), f"post-{n}:wechat")
    before = calls(rig.fake, BATCHGET)
    found = rig.gateway().find_published("post-21:wechat")
    assert found is not None
    assert calls(rig.fake, BATCHGET) - before == 1
