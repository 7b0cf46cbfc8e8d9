"""The contests screen (issue 16, item 1), in this process: the list, announcing a contest,
one contest's page and each of its actions, who may act, bad input refused recording
nothing, and the link to the public verification of the draw."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.domain.interaction import ContestRules, Prize
from libops.domain.interaction.contest import ContestStatus
from libops.domain.personal import Consent, PersonalInfo
from tests.web.support import (
    ADMIN,
    PLANNER,
    approved_post,
    browser,
    events,
    web_store,
)


def topics(ops: LibOps, after: int) -> list[str]:
    """The topics of the events recorded after position ``after`` (less the idempotency
    records a keyed form leaves beside them)."""
    found = ops.app.recorder.select_notifications(after + 1, 100)
    return [n.topic for n in found if not n.topic.startswith("libops:IdempotencyRecord")]


@pytest.fixture
def stored(store_url: str, april: ManualClock) -> Iterator[LibOps]:
    """libops on a fresh store of each kind (memory, SQLite, PostgreSQL), with the team."""
    yield from web_store(store_url, april)


@pytest.fixture
def site(april: ManualClock) -> Iterator[LibOps]:
    """The same on a memory store only."""
    yield from web_store("memory://", april)


RULES_FORM = {
    "eligibility": "Readers with a City Library card.",
    "opens_at": "2026-04-20T10:00",
    "closes_at": "2026-04-27T10:00",
    "entry_method": "repost",
    "platform_weibo": "on",
    "entries_per_person": "1",
    "prize_1": "Book token",
    "quantity_1": "2",
}
"""The rules form for a repost draw on Weibo, from 10:00 on 20 April for a week (Shanghai)."""


def announced(ops: LibOps, title: str = "World Book Day draw") -> UUID:
    """A repost draw announced by Li Na with :data:`RULES_FORM`'s rules (its id)."""
    rules = ContestRules(
        eligibility="Readers with a City Library card.",
        opens_at=datetime(2026, 4, 20, 2, 0, tzinfo=UTC),
        closes_at=datetime(2026, 4, 27, 2, 0, tzinfo=UTC),
        entry_method="repost",
        platforms=["weibo"],
        prizes=[Prize("Book token", 2)],
    )
    return ops.contests.announce(PLANNER, kind="repost_draw", title=title, rules=rules)


def with_entries(ops: LibOps, clock: ManualClock, n: int = 3) -> UUID:
    """A contest opened, with ``n`` entries (``weibo:0001``, ...) recorded at 12:00."""
    contest = announced(ops)
    ops.contests.open(ADMIN, contest)
    clock.set(datetime(2026, 4, 20, 4, 0, tzinfo=UTC))
    consent = Consent("the book draw", clock.now())
    for k in range(1, n + 1):
        ops.contests.enter(
            PLANNER,
            contest,
            participant=PersonalInfo(name=f"Reader Secret {k}", handle=f"@reader_{k}"),
            consent=consent,
            platform="weibo",
            method="repost",
            entry_id=f"weibo:{k:04d}",
        )
    return contest


def closed(ops: LibOps, clock: ManualClock) -> UUID:
    contest = with_entries(ops, clock)
    clock.set(datetime(2026, 4, 28, 2, 0, tzinfo=UTC))
    ops.contests.close(ADMIN, contest)
    return contest


def form_error(text: str) -> str:
    """The refusal the page shows in its form's error element."""
    found = re.search(r'<p class="error" role="alert" id="form-error">(.*?)</p>', text, re.S)
    assert found is not None, "no form error on the page"
    return found[1]


def consent_of(text: str) -> str:
    """The moment the entry form on the page was drawn (its hidden ``consent_at``)."""
    found = re.search(r'name="consent_at" value="([^"]+)"', text)
    assert found is not None, "no consent time on the page"
    return found[1]


def seal_of(text: str) -> str:
    """The seal of the entry form's consent time (its hidden ``consent_seal``)."""
    found = re.search(r'name="consent_seal" value="([^"]+)"', text)
    assert found is not None, "no consent seal on the page"
    return found[1]


def entry_key_of(text: str) -> str:
    found = re.search(r'name="key" value="(web:contest\.record_entry:[^"]+)"', text)
    assert found is not None, "no entry form on the page"
    return found[1]


def key_of(text: str) -> str:
    found = re.search(r'name="key" value="([^"]+)"', text)
    assert found is not None, "no idempotency key on the page"
    return found[1]


class TestPagesRender:
    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_the_list_the_form_and_a_contest_in_both_languages(
        self, site: LibOps, april: ManualClock, lang: str
    ) -> None:
        """Each contests page renders in English and Chinese, with the list's columns."""
        contest = closed(site, april)
        web = browser(site, "chen.jie", lang)
        listed = web.get("/contests")
        assert listed.status_code == 200
        row = re.search(r"<tr><th scope=\"row\">.*?</tr>", listed.text, re.S)
        assert row is not None
        assert f'href="/contests/{contest}"' in row[0]
        assert "2026-04-20 10:00 – 2026-04-27 10:00" in row[0]
        assert "<td>3</td>" in row[0]
        words = {
            "en": ("Contests", "Entry window", "closed", "to draw: 2"),
            "zh": ("有奖活动", "参与时间", "已截止", "待抽取：2 名"),
        }[lang]
        for word in words:
            assert word in listed.text, word
        assert web.get("/contests/new").status_code == 200
        page = web.get(f"/contests/{contest}")
        assert page.status_code == 200
        assert ("Draw the winners" if lang == "en" else "抽取中奖者") in page.text
        assert f'href="/public/contests/{contest}"' in page.text

    def test_the_chinese_pages_show_no_english_of_their_own(
        self, site: LibOps, april: ManualClock
    ) -> None:
        """No English text of the catalogue shows on the Chinese contests pages."""
        from libops.web import strings_en

        contest = closed(site, april)
        web = browser(site, "chen.jie", "zh")
        for path in ("/contests", "/contests/new", f"/contests/{contest}"):
            text = web.get(path).text
            for key, english in strings_en.STRINGS.items():
                if key != "app" and "{" not in english and len(english) > 3:
                    assert f">{english}<" not in text, (path, key)

    def test_the_list_is_newest_first_and_reached_from_the_nav(self, site: LibOps) -> None:
        """Every role sees the Contests link; the latest contest comes first."""
        first = announced(site, "First contest")
        second = announced(site, "Second contest")
        for login in ("li.na", "wang.fang", "zhao.lei", "sun.li", "chen.jie"):
            assert '<a href="/contests">Contests</a>' in browser(site, login).get("/").text
        text = browser(site, "zhao.lei").get("/contests").text
        assert text.index(str(second)) < text.index(str(first))

    def test_the_page_shows_no_personal_data(self, site: LibOps, april: ManualClock) -> None:
        """Entries show by public id and pseudonymous subject id; sealed data stays sealed."""
        contest = with_entries(site, april)
        text = browser(site, "chen.jie").get(f"/contests/{contest}").text
        assert "weibo:0001" in text
        assert "Reader Secret" not in text
        assert "@reader_" not in text
        subject = site.contests.get(contest).entries[0].subject_id
        assert subject in text

    def test_a_long_contest_lists_its_latest_entries(
        self, site: LibOps, april: ManualClock
    ) -> None:
        """The table shows the latest 100 entries; the summary counts them all."""
        contest = with_entries(site, april, 102)
        text = browser(site, "zhao.lei").get(f"/contests/{contest}").text
        assert "Entries recorded: 102; taking part in the draw: 102" in text
        assert "The latest 100 entries, the latest first" in text
        assert text.count('<tr><th scope="row">weibo:') == 100
        assert "weibo:0102" in text
        assert "weibo:0002<" not in text
        assert text.index("weibo:0102") < text.index("weibo:0101")


class TestActions:
    def test_announcing_records_the_contest_with_its_rules(self, stored: LibOps) -> None:
        """The form's fields become the contest's kind, title and rules (Shanghai times)."""
        web = browser(stored, "li.na")
        key = key_of(web.get("/contests/new").text)
        before = events(stored)
        form = {**RULES_FORM, "title": "读书日转发抽奖", "kind": "repost_draw", "key": key}
        posted = web.submit("/contests/new", form)
        assert posted.status_code == 303
        contest_id = posted.headers["location"].split("/")[2].split("?")[0]
        assert topics(stored, before) == ["libops:Contest.Announced"]
        contest = stored.contests.get(contest_id)
        assert contest.title == "读书日转发抽奖"
        assert contest.rules is not None
        assert contest.rules.opens_at == datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
        assert contest.rules.prizes == (Prize("Book token", 2),)
        assert web.get(posted.headers["location"]).text.count("Contest announced.") == 1
        # The same form sent twice (a double click) announces one contest.
        after_first = events(stored)
        again = web.submit("/contests/new", form, "/contests")
        assert again.headers["location"] == posted.headers["location"]
        assert events(stored) == after_first

    def test_a_contest_is_announced_on_a_post(self, site: LibOps) -> None:
        """The post announcing the contest is chosen by its title and recorded by its id."""
        post = approved_post(site, "Quiz <b>night</b>", {"weibo": "Join the quiz"})
        web = browser(site, "li.na")
        form_page = web.get("/contests/new").text
        assert f'<option value="{post}">Quiz &lt;b&gt;night&lt;/b&gt;</option>' in form_page
        form = {**RULES_FORM, "title": "Quiz", "kind": "prize_quiz", "post_id": str(post)}
        posted = web.submit("/contests/new", form)
        assert posted.status_code == 303
        contest_id = posted.headers["location"].split("/")[2].split("?")[0]
        assert site.contests.get(contest_id).post_id == post

    def test_a_contest_is_run_from_its_page(self, stored: LibOps, april: ManualClock) -> None:
        """Open, record entries, disqualify one, close and draw: each records its event."""
        contest = announced(stored)
        admin = browser(stored, "chen.jie")
        path = f"/contests/{contest}"

        def act(data: dict[str, str], topic: str) -> str:
            before = events(stored)
            page = admin.submit(path, data)
            if data["action"] in ("open", "disqualify", "close"):
                # Answered with a redirect, so reloading the page does not post again.
                assert page.status_code == 303, page.text
                assert page.headers["location"].startswith(f"{path}?done={data['action']}")
                page = admin.get(page.headers["location"])
            assert page.status_code == 200, page.text
            assert topics(stored, before) == [topic]
            return page.text

        assert "The contest is open." in act({"action": "open"}, "libops:Contest.Opened")
        april.set(datetime(2026, 4, 20, 2, 30, tzinfo=UTC))  # 10:30 in Shanghai
        for n in (1, 2, 3):
            form_page = admin.get(path).text
            entry = {
                "action": "entry",
                "key": key_of(form_page),
                "consent_at": consent_of(form_page),
                "consent_seal": seal_of(form_page),
                "handle": f"@reader_{n}",
                "platform": "weibo",
                "method": "repost",
                "entry_id": f"weibo:{n:04d}",
                "purpose": "the book draw",
            }
            text = act(entry, "libops:Contest.EntryRecorded")
            assert f"Entry weibo:{n:04d} recorded." in text
        # The entry form sent twice (a little later: a double click, a reload) records one
        # entry and answers as the first did (the consent's moment is the form's own).
        before = events(stored)
        april.set(datetime(2026, 4, 20, 2, 31, tzinfo=UTC))
        again = admin.submit(path, entry)
        assert again.status_code == 200, again.text
        assert "Entry weibo:0003 recorded." in again.text
        assert events(stored) == before
        text = act(
            {"action": "disqualify", "entry_id": "weibo:0002", "reason": "a second account"},
            "libops:Contest.EntryDisqualified",
        )
        assert "disqualified: a second account" in text
        assert "Entry weibo:0002 disqualified." in text
        # A message named in the address alone is not shown: the entry must be disqualified.
        assert (
            "Entry weibo:0001 disqualified."
            not in admin.get(f"{path}?done=disqualify&entry=weibo:0001").text
        )
        april.set(datetime(2026, 4, 27, 3, 0, tzinfo=UTC))
        admin.sign_in("chen.jie")  # (a week later: the session has expired)
        assert "Entries closed" in act({"action": "close"}, "libops:Contest.Closed")
        page = admin.get(path).text
        key = key_of(page)
        text = act({"action": "draw", "key": key}, "libops:Contest.Drawn")
        assert "Winners drawn: 2." in text
        drawn = stored.contests.get(contest)
        assert drawn.status is ContestStatus.DRAWN
        assert sorted(drawn.winners) == ["weibo:0001", "weibo:0003"]
        winners = re.search(r'<ol id="winners">(.*?)</ol>', text, re.S)
        assert winners is not None
        for entry_id in drawn.winners:
            assert f"{entry_id}: Book token" in winners[1]
        # The same draw form sent again returns the first draw and records nothing.
        before = events(stored)
        assert admin.submit(path, {"action": "draw", "key": key}).status_code == 200
        assert events(stored) == before
        assert stored.contests.get(contest).winners == drawn.winners
        # The link leads a visitor to the public check of the draw.
        public = browser(stored).get(f"/public/contests/{contest}")
        assert public.status_code == 200
        assert "The draw matches" in public.text

    def test_rules_are_restated_and_a_contest_cancelled(self, site: LibOps) -> None:
        """Restating the rules (before opening) and cancelling with a reason."""
        contest = announced(site)
        planner, admin = browser(site, "li.na"), browser(site, "chen.jie")
        path = f"/contests/{contest}"
        before = events(site)
        restated = planner.submit(
            path, {**RULES_FORM, "action": "rules", "entries_per_person": "3"}
        )
        assert restated.status_code == 303
        assert restated.headers["location"] == f"{path}?done=rules"
        assert topics(site, before) == ["libops:Contest.RulesStated"]
        assert "Rules stated." in planner.get(restated.headers["location"]).text
        assert "Rules stated." not in planner.get(path).text
        rules = site.contests.get(contest).rules
        assert rules is not None
        assert rules.entries_per_person == 3
        cancelled = admin.submit(path, {"action": "cancel", "reason": "the prizes did not come"})
        assert cancelled.status_code == 303
        assert cancelled.headers["location"] == f"{path}?done=cancel"
        cancelled = admin.get(cancelled.headers["location"])
        assert "The contest is cancelled." in cancelled.text
        assert "the prizes did not come" in cancelled.text
        assert site.contests.get(contest).status is ContestStatus.CANCELLED


class TestWhoMayAct:
    @pytest.mark.parametrize(
        ("login", "data"),
        [
            ("li.na", {"action": "open"}),
            ("li.na", {"action": "cancel", "reason": "no"}),
            ("wang.fang", {"action": "rules", **RULES_FORM}),
            ("zhao.lei", {"action": "open"}),
            ("sun.li", {"action": "cancel", "reason": "no"}),
        ],
    )
    def test_a_role_that_may_not_act_is_forbidden(
        self, site: LibOps, login: str, data: dict[str, str]
    ) -> None:
        """403 and nothing recorded for an action the role table does not give the role."""
        contest = announced(site)
        web = browser(site, login)
        before = events(site)
        page = web.submit(f"/contests/{contest}", data)
        assert page.status_code == 403
        assert events(site) == before

    @pytest.mark.parametrize("login", ["wang.fang", "zhao.lei", "sun.li"])
    def test_only_planners_and_admins_announce(self, site: LibOps, login: str) -> None:
        web = browser(site, login)
        assert web.get("/contests/new").status_code == 403
        before = events(site)
        form = {**RULES_FORM, "title": "x", "kind": "prize_quiz"}
        refused = web.submit("/contests/new", form, "/")
        assert refused.status_code == 403
        assert events(site) == before
        assert 'href="/contests/new"' not in web.get("/contests").text

    def test_the_page_offers_only_the_actions_a_role_may_take(
        self, site: LibOps, april: ManualClock
    ) -> None:
        """An auditor sees the contest and no forms; a planner may record entries only."""
        contest = with_entries(site, april)
        auditor = browser(site, "zhao.lei").get(f"/contests/{contest}").text
        assert 'name="action"' not in auditor
        planner = browser(site, "li.na").get(f"/contests/{contest}").text
        assert 'value="entry"' in planner
        assert 'value="close"' not in planner
        assert 'value="disqualify"' not in planner


class TestBadInput:
    def test_an_unknown_contest_is_not_found(self, site: LibOps) -> None:
        web = browser(site, "chen.jie")
        assert web.get("/contests/00000000-0000-4000-8000-000000000000").status_code == 404
        assert web.get("/contests/not-a-uuid").status_code == 404
        before = events(site)
        posted = web.submit(
            "/contests/00000000-0000-4000-8000-000000000000", {"action": "open"}, "/contests"
        )
        assert posted.status_code == 404
        assert events(site) == before

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"title": ""}, "title must not be empty"),
            ({"title": "   "}, "title must not be empty"),
            ({"opens_at": "20 April"}, "Entries open at: &#39;20 April&#39; is not a date"),
            ({"closes_at": "2026-02-30T10:00"}, "is not a date and time"),
            ({"closes_at": "2026-04-19T10:00"}, "must close after it opens"),
            ({"platform_weibo": ""}, "at least one platform"),
            ({"prize_1": ""}, "at least one prize"),
            ({"quantity_1": "0"}, "Winners of prize 1: &#39;0&#39; is not a whole number"),
            ({"entries_per_person": "many"}, "is not a whole number"),
            ({"kind": "lottery"}, "&#39;lottery&#39; is not a ContestKind"),
            ({"eligibility": ""}, "eligibility must not be empty"),
        ],
    )
    def test_a_bad_announcement_is_refused(
        self, site: LibOps, change: dict[str, str], message: str
    ) -> None:
        """Each bad field is refused with its reason, the form kept, nothing recorded."""
        web = browser(site, "li.na")
        before = events(site)
        form = {**RULES_FORM, "title": "Quiz", "kind": "prize_quiz", **change}
        page = web.submit("/contests/new", form)
        assert page.status_code == 422
        assert message in form_error(page.text)
        assert events(site) == before

    @pytest.mark.parametrize(
        ("field", "kind", "chosen"),
        [
            ("campaign_id", "campaign", "00000000-0000-4000-8000-000000000000"),
            ("post_id", "post", "00000000-0000-4000-8000-000000000000"),
            ("post_id", "post", "not-an-id"),
        ],
    )
    def test_an_unknown_campaign_or_post_chosen_is_a_form_error(
        self, site: LibOps, field: str, kind: str, chosen: str
    ) -> None:
        """A campaign or post the form names that does not exist (gone since the form was
        drawn, or a forged choice) is the form's error, kept on the form: not a missing page."""
        web = browser(site, "li.na")
        before = events(site)
        form = {**RULES_FORM, "title": "Quiz", "kind": "prize_quiz", field: chosen}
        page = web.submit("/contests/new", form)
        assert page.status_code == 422
        assert f"no {kind} with id {chosen}" in form_error(page.text)
        assert 'value="Quiz"' in page.text  # the form is kept
        assert events(site) == before

    def test_drawing_twice_is_refused(self, site: LibOps, april: ManualClock) -> None:
        """A second draw (a new form, so a new key) is refused; the first stands."""
        contest = closed(site, april)
        web = browser(site, "chen.jie")
        path = f"/contests/{contest}"
        first = web.submit(path, {"action": "draw", "key": key_of(web.get(path).text)})
        assert first.status_code == 200
        winners = site.contests.get(contest).winners
        before = events(site)
        again = web.submit(path, {"action": "draw", "key": "web:contest.draw:another"})
        assert again.status_code == 422
        assert "cannot draw" in again.text
        assert events(site) == before
        assert site.contests.get(contest).winners == winners

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"action": "close"}, "window is open until"),
            ({"action": "entry", "handle": "", "platform": "weibo"}, "Give the reader"),
            ({"action": "entry", "handle": "@x", "platform": "douyin"}, "not douyin"),
            ({"action": "entry", "handle": "@x", "entered_at": "yesterday"}, "not a date"),
            ({"action": "entry", "handle": "@x", "entry_id": "weibo:0001"}, "already recorded"),
            ({"action": "entry", "handle": "@reader_1"}, "already made 1 of the 1"),
            ({"action": "entry", "handle": "@x", "purpose": ""}, "purpose must not be empty"),
            ({"action": "entry", "handle": "@x", "consent_at": ""}, "cannot be read"),
            ({"action": "entry", "handle": "@x", "consent_at": "2026-04-20T12:00"}, "be read"),
            (
                {"action": "entry", "handle": "@x", "consent_at": "2026-04-20T04:01:00+00:00"},
                "not the one this page drew",
            ),
            ({"action": "disqualify", "entry_id": "weibo:0001", "reason": ""}, "reason must not"),
            ({"action": "disqualify", "entry_id": "nobody", "reason": "x"}, "no entry"),
            ({"action": "draw"}, "cannot draw"),
            (
                {"action": "rules", **RULES_FORM},
                "cannot change the rules of a contest that is open",
            ),
            ({"action": "launch"}, "action is one of"),
        ],
    )
    def test_a_bad_action_is_refused(
        self, site: LibOps, april: ManualClock, data: dict[str, str], message: str
    ) -> None:
        """On an open contest, a refused action says why and records nothing."""
        contest = with_entries(site, april)
        web = browser(site, "chen.jie")
        drawn = web.get(f"/contests/{contest}").text
        form: dict[str, Any] = {
            "platform": "weibo",
            "method": "repost",
            "purpose": "the draw",
            "key": entry_key_of(drawn),
            "consent_at": consent_of(drawn),
            "consent_seal": seal_of(drawn),
        }
        form.update(data)
        before = events(site)
        page = web.submit(f"/contests/{contest}", form)
        assert page.status_code == 422, page.text
        assert message in form_error(page.text)
        assert events(site) == before


class TestEscaping:
    def test_script_in_a_contest_name_and_reasons_is_shown_as_text(self, site: LibOps) -> None:
        """User text (name, rules, reasons) is escaped on the list and the contest page."""
        script = '<script>alert("x")</script>'
        contest = announced(site, f"Draw {script}")
        site.contests.cancel(ADMIN, contest, f"because {script}")
        web = browser(site, "zhao.lei")
        for path in ("/contests", f"/contests/{contest}"):
            text = web.get(path).text
            assert script not in text
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text
