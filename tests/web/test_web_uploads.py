"""Import uploads across server processes (issue 16): the upload is kept in the store's view
tables, so a preview made by one web app (one worker) is confirmed by another over the same
store; it is still used once, tied to its uploader, and expires."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from libops import LibOps, Role
from libops.adapters.clock import ManualClock
from libops.web import create_web_app
from libops.web.imports import KEPT, UPLOADS
from tests.web.support import ADMIN, PASSWORD, Browser, add_team, events

EXPORT = Path(__file__).parents[1] / "fixtures" / "exports" / "facebook_posts_export.csv"


@pytest.fixture
def two_workers(store_url: str, april: ManualClock) -> Iterator[tuple[LibOps, object, object]]:
    """Two web apps over one store, as two server processes (on memory, which one process
    holds, two apps over the same opened store)."""
    with LibOps.open(store_url, clock=april, migrate=True) as ops:
        add_team(ops)
        ops.users.add(ADMIN, login="he.yu", name="He Yu", roles=[Role.OPERATIONS_ADMIN])
        ops.users.set_password(ADMIN, login="he.yu", password=PASSWORD)
        first = create_web_app(ops)
        if store_url.startswith("memory:"):
            second = create_web_app(ops)
            yield ops, first, second
            second.state.web.close()
        else:
            with LibOps.open(store_url, clock=april) as other:
                second = create_web_app(other)
                yield ops, first, second
                second.state.web.close()
        first.state.web.close()


def signed_in(app: object, login: str) -> Browser:
    who = Browser(app)  # type: ignore[arg-type]
    who.sign_in(login)
    return who


def preview(who: Browser) -> str:
    form = {"csrf": who.csrf("/imports")}
    answer: httpx.Response = who.request(
        "POST",
        "/imports/preview",
        data=form,
        files={"file": (EXPORT.name, EXPORT.read_bytes(), "text/csv")},
        headers={"Origin": who.origin},
    )
    assert answer.status_code == 200, answer.text
    key = re.search(r'name="upload" value="([^"]+)"', answer.text)
    assert key is not None
    return key[1]


def moved(who: Browser, app: object) -> Browser:
    """The same browser (its cookies: session, CSRF) talking to another worker."""
    other = Browser(app)  # type: ignore[arg-type]
    other.cookies = who.cookies
    return other


class TestAcrossWorkers:
    def test_previewed_on_one_worker_confirmed_on_the_other(
        self, two_workers: tuple[LibOps, object, object]
    ) -> None:
        ops, first, second = two_workers
        on_first = signed_in(first, "chen.jie")
        key = preview(on_first)
        before = events(ops)
        on_second = moved(on_first, second)
        done = on_second.submit("/imports/run", {"upload": key}, "/imports")
        assert done.status_code == 200, done.text
        assert f"Imported {EXPORT.name}: 5 rows recorded." in done.text
        assert events(ops) > before
        # Used: refused on either worker, recording nothing; the record and file are gone.
        after = events(ops)
        for worker in (on_first, on_second):
            again = worker.submit("/imports/run", {"upload": key}, "/imports")
            assert again.status_code == 422
            assert "expired or was imported already" in again.text
        assert events(ops) == after
        views = ops.open_view_store()
        try:
            assert views.rows(UPLOADS) == []
        finally:
            views.close()

    def test_another_persons_upload_is_refused_on_the_other_worker(
        self, two_workers: tuple[LibOps, object, object]
    ) -> None:
        ops, first, second = two_workers
        key = preview(signed_in(first, "chen.jie"))
        before = events(ops)
        intruder = signed_in(second, "he.yu")
        refused = intruder.submit("/imports/run", {"upload": key}, "/imports")
        assert refused.status_code == 422
        assert "expired or was imported already" in refused.text
        assert events(ops) == before
        # Still the uploader's to confirm.
        owner = signed_in(second, "chen.jie")
        assert owner.submit("/imports/run", {"upload": key}, "/imports").status_code == 200

    def test_an_upload_expires_after_thirty_minutes(
        self, two_workers: tuple[LibOps, object, object], april: ManualClock
    ) -> None:
        ops, first, second = two_workers
        on_first = signed_in(first, "chen.jie")
        key = preview(on_first)
        april.advance(KEPT + timedelta(seconds=1))
        on_second = moved(on_first, second)
        before = events(ops)
        late = on_second.submit("/imports/run", {"upload": key}, "/imports")
        assert late.status_code == 422
        assert "expired or was imported already" in late.text
        assert events(ops) == before
        # The next upload deletes the expired one's record and file.
        fresh = preview(on_second)
        web = second.state.web  # type: ignore[attr-defined]
        assert len(web.uploads.waiting()) == 1
        assert on_second.submit("/imports/run", {"upload": fresh}, "/imports").status_code == 200
        assert web.uploads.waiting() == []
