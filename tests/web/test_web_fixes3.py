"""The last review of the web app (issue 16, webfix3): uploads no longer left in the store,
a ``?done=`` message only when the contest bears it out, and the entry form's consent time
sealed by the server (it cannot be edited, lies after the contest opened, allows a little
clock skew). The metrics-run fix is tested beside the other metrics tests
(tests/web/test_web_publishing.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.domain.errors import MalformedRequestError
from libops.domain.interaction.contest import ContestRules, Prize
from libops.web.imports import KEPT, UPLOADS
from tests.web.support import ADMIN, PLANNER, Browser, browser, events, web_of, web_store

EXPORT = Path(__file__).parents[1] / "fixtures" / "exports" / "facebook_posts_export.csv"


@pytest.fixture
def stored(store_url: str, april: ManualClock) -> Iterator[LibOps]:
    """libops on a fresh store of each kind (memory, SQLite, PostgreSQL), with the team."""
    yield from web_store(store_url, april)


@pytest.fixture
def site(april: ManualClock) -> Iterator[LibOps]:
    """The same on a memory store only."""
    yield from web_store("memory://", april)


def stored_uploads(ops: LibOps) -> list[tuple[str, str]]:
    """Every document of the uploads' view (records and files)."""
    views = ops.open_view_store()
    try:
        return list(views.rows(UPLOADS))
    finally:
        views.close()


def upload(who: Browser, name: str, data: bytes) -> httpx.Response:
    return who.request(
        "POST",
        "/imports/preview",
        data={"csrf": who.csrf("/imports")},
        files={"file": (name, data, "text/csv")},
        headers={"Origin": who.origin},
    )


def doubled_export() -> bytes:
    """The Facebook export with its first post twice: the second row is refused."""
    rows = list(csv.reader(io.StringIO(EXPORT.read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out).writerows([rows[0], rows[1], rows[1]])
    return out.getvalue().encode("utf-8")


def upload_key(text: str) -> str:
    found = re.search(r'name="upload" value="([^"]+)"', text)
    assert found is not None, "no Import it form"
    return found[1]


class TestUploadsLeftBehind:
    def test_a_preview_with_refused_rows_keeps_no_upload(self, stored: LibOps) -> None:
        """No "Import it" form is shown for it, so nothing may stay behind."""
        admin = browser(stored, "chen.jie")
        before = events(stored)
        page = upload(admin, "doubled.csv", doubled_export())
        assert page.status_code == 200, page.text
        assert 'id="import-refused"' in page.text
        assert 'name="upload"' not in page.text
        assert stored_uploads(stored) == []
        assert events(stored) == before

    def test_a_refused_run_drops_its_upload(
        self, stored: LibOps, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The refused page offers no form to confirm again, so the upload is dropped: the
        file is uploaded again (and previewed afresh) to try once more."""
        admin = browser(stored, "chen.jie")
        key = upload_key(upload(admin, EXPORT.name, EXPORT.read_bytes()).text)
        assert stored_uploads(stored) != []

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise MalformedRequestError("file", "the store changed since the preview")

        monkeypatch.setattr(stored.imports, "run", refuse)
        before = events(stored)
        refused = admin.submit("/imports/run", {"upload": key}, "/imports")
        assert refused.status_code == 422
        assert "the store changed since the preview" in refused.text
        assert 'name="upload"' not in refused.text
        assert stored_uploads(stored) == []
        assert events(stored) == before
        monkeypatch.undo()
        again = admin.submit("/imports/run", {"upload": key}, "/imports")
        assert again.status_code == 422
        assert "expired or was imported already" in again.text
        assert events(stored) == before

    def test_an_upload_walked_away_from_is_purged_when_the_screen_is_opened(
        self, stored: LibOps, april: ManualClock
    ) -> None:
        admin = browser(stored, "chen.jie")
        upload_key(upload(admin, EXPORT.name, EXPORT.read_bytes()).text)
        assert admin.get("/imports").status_code == 200
        assert len(web_of(stored).uploads.waiting()) == 1  # not expired yet: kept
        april.advance(KEPT + timedelta(seconds=1))
        assert admin.get("/imports").status_code == 200
        assert stored_uploads(stored) == []

    def test_an_upload_walked_away_from_is_purged_at_sign_in(
        self, stored: LibOps, april: ManualClock
    ) -> None:
        upload_key(upload(browser(stored, "chen.jie"), EXPORT.name, EXPORT.read_bytes()).text)
        april.advance(KEPT + timedelta(seconds=1))
        assert stored_uploads(stored) != []
        signed = browser(stored).sign_in("li.na")
        assert signed.status_code == 303
        assert stored_uploads(stored) == []


def announced(ops: LibOps) -> UUID:
    """A repost draw on Weibo from 10:00 on 20 April (Shanghai) for a week."""
    rules = ContestRules(
        eligibility="Readers with a City Library card.",
        opens_at=datetime(2026, 4, 20, 2, 0, tzinfo=UTC),
        closes_at=datetime(2026, 4, 27, 2, 0, tzinfo=UTC),
        entry_method="repost",
        platforms=["weibo"],
        prizes=[Prize("Book token", 2)],
    )
    return ops.contests.announce(PLANNER, kind="repost_draw", title="Book draw", rules=rules)


class TestDoneMessages:
    def test_done_open_on_a_cancelled_contest_says_nothing(self, site: LibOps) -> None:
        contest = announced(site)
        site.contests.cancel(ADMIN, contest, "the prizes did not arrive")
        page = browser(site, "chen.jie").get(f"/contests/{contest}?done=open")
        assert page.status_code == 200
        assert "The contest is open." not in page.text
        assert 'id="form-message"' not in page.text

    def test_done_rules_on_an_open_contest_says_nothing(self, site: LibOps) -> None:
        contest = announced(site)
        site.contests.open(ADMIN, contest)
        admin = browser(site, "chen.jie")
        assert "Rules stated." not in admin.get(f"/contests/{contest}?done=rules").text
        assert "The contest is open." in admin.get(f"/contests/{contest}?done=open").text

    def test_done_rules_on_an_announced_contest_is_shown(self, site: LibOps) -> None:
        contest = announced(site)
        page = browser(site, "chen.jie").get(f"/contests/{contest}?done=rules")
        assert "Rules stated." in page.text
        assert (
            "The contest is open."
            not in browser(site, "chen.jie").get(f"/contests/{contest}?done=open").text
        )


def hidden(text: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', text)
    assert found is not None, f"no {name} on the page"
    return found[1]


def entry_form(text: str, handle: str = "@reader") -> dict[str, str]:
    """The entry form on the page, filled in for ``handle``, as the browser would send it."""
    return {
        "action": "entry",
        "key": _entry_key(text),
        "consent_at": hidden(text, "consent_at"),
        "consent_seal": hidden(text, "consent_seal"),
        "handle": handle,
        "platform": "weibo",
        "method": "repost",
        "purpose": "the book draw",
    }


def _entry_key(text: str) -> str:
    found = re.search(r'name="key" value="(web:contest\.record_entry:[^"]+)"', text)
    assert found is not None, "no entry form key on the page"
    return found[1]


def ahead(
    ops: LibOps, contest: UUID, form: dict[str, str], clock: ManualClock, *, seconds: int
) -> dict[str, str]:
    """The entry form as drawn by a server of the store whose clock runs ``seconds`` ahead."""
    at = (clock.now() + timedelta(seconds=seconds)).isoformat()
    seal = web_of(ops).consent_seal(contest, form["key"], at)
    return {**form, "consent_at": at, "consent_seal": seal}


@pytest.fixture
def opened(stored: LibOps, april: ManualClock) -> UUID:
    """The contest, opened at 10:30 in Shanghai; the clock at 11:00."""
    contest = announced(stored)
    april.set(datetime(2026, 4, 20, 2, 30, tzinfo=UTC))
    stored.contests.open(ADMIN, contest)
    april.set(datetime(2026, 4, 20, 3, 0, tzinfo=UTC))
    return contest


class TestConsentTime:
    @pytest.mark.parametrize(
        "edit",
        [
            {"consent_at": "2026-04-01T00:00:00+00:00"},  # long before the contest
            {"consent_at": "2026-04-20T02:59:00+00:00"},  # a minute earlier
            {"consent_seal": "0" * 64},
            {"consent_seal": ""},
            {"key": "web:contest.record_entry:another-form"},
        ],
    )
    def test_an_edited_consent_time_is_refused(
        self, stored: LibOps, opened: UUID, edit: dict[str, str]
    ) -> None:
        admin = browser(stored, "chen.jie")
        path = f"/contests/{opened}"
        form = {**entry_form(admin.get(path).text), **edit}
        before = events(stored)
        refused = admin.submit(path, form)
        assert refused.status_code == 422, refused.text
        assert "not the one this page drew" in refused.text
        assert events(stored) == before
        assert not stored.contests.get(opened).entries

    def test_the_form_sent_twice_records_once(
        self, stored: LibOps, opened: UUID, april: ManualClock
    ) -> None:
        admin = browser(stored, "chen.jie")
        path = f"/contests/{opened}"
        form = entry_form(admin.get(path).text)
        first = admin.submit(path, form)
        assert first.status_code == 200, first.text
        before = events(stored)
        april.advance(timedelta(seconds=20))
        again = admin.submit(path, form)
        assert again.status_code == 200, again.text
        assert events(stored) == before
        assert len(stored.contests.get(opened).entries) == 1

    def test_a_little_clock_skew_is_allowed(
        self, stored: LibOps, opened: UUID, april: ManualClock
    ) -> None:
        """A form drawn by another server whose clock runs 90 s ahead is taken by this one."""
        path = f"/contests/{opened}"
        admin = browser(stored, "chen.jie")
        form = ahead(stored, opened, entry_form(admin.get(path).text), april, seconds=90)
        assert admin.submit(path, form).status_code == 200
        assert len(stored.contests.get(opened).entries) == 1

    def test_a_time_well_ahead_is_refused(
        self, stored: LibOps, opened: UUID, april: ManualClock
    ) -> None:
        path = f"/contests/{opened}"
        admin = browser(stored, "chen.jie")
        form = ahead(stored, opened, entry_form(admin.get(path).text), april, seconds=180)
        before = events(stored)
        refused = admin.submit(path, form)
        assert refused.status_code == 422
        assert "lies in the future" in refused.text
        assert events(stored) == before

    def test_a_sealed_time_before_the_contest_opened_is_refused(
        self, stored: LibOps, opened: UUID
    ) -> None:
        """Sealed by this server (as a form drawn for another contest before this one
        opened might be), a time before the opening is still refused."""
        admin = browser(stored, "chen.jie")
        path = f"/contests/{opened}"
        form = entry_form(admin.get(path).text)
        early = "2026-04-20T02:00:00+00:00"  # half an hour before it opened
        seal = web_of(stored).consent_seal(opened, form["key"], early)
        before = events(stored)
        refused = admin.submit(path, {**form, "consent_at": early, "consent_seal": seal})
        assert refused.status_code == 422
        assert "before the contest opened" in refused.text
        assert events(stored) == before
