"""``libops publish retract``, ``libops publish take-downs`` and ``libops publish
confirm-take-down``: a post published on the sandbox (which cannot take posts down) and on a
Mastodon fake (which can) is retracted on the command line; Mastodon's copy comes down at
once, the sandbox's is listed as a task for staff until it is confirmed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner, Result

from libops import Actor, LibOps, cli
from libops.adapters.clock import ManualClock, SystemClock
from libops.adapters.credentials import CREDENTIALS_ENV, FileCredentialStore
from libops.domain.post import PostStatus
from libops.domain.values import Platform, PostVariant
from libops.testing.fakes import FakeMastodon
from libops.tick import GATEWAYS_ENV
from tests.integration.test_publishing import CHECKED

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TOKEN = "mastodon-token-for-take-downs"


@pytest.fixture(autouse=True)
def _no_gateways_or_credentials_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GATEWAYS_ENV, raising=False)
    monkeypatch.delenv(CREDENTIALS_ENV, raising=False)


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    fake = FakeMastodon(SystemClock(), token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated store the command line opens afresh each time (not memory://, which
    lives only as long as one command)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/libops.db"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    with LibOps.open(url, migrate=True):
        pass
    return url


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args))


def _approved(store: str, planner: Actor, reviewer: Actor, title: str, *platforms: str) -> UUID:
    with LibOps.open(store) as ops:
        post = ops.posts.draft(
            planner,
            title=title,
            body=f"{title}: what is on this week",
            content_type="news",
            format="image_text",
            variants=[PostVariant(p, f"{title} at the library") for p in platforms],
        )
        ops.posts.submit_for_review(planner, post)
        ops.posts.review(reviewer, post, CHECKED, approve=True)
    return post


def _published(
    store: str, gateways: list[str], people: tuple[Actor, Actor, Actor], title: str, *platforms: str
) -> UUID:
    """A post approved and published on ``platforms`` through ``gateways``."""
    planner, reviewer, admin = people
    post = _approved(store, planner, reviewer, title, *platforms)
    with LibOps.open(store, clock=ManualClock(START)) as ops:  # long due by now
        for platform in platforms:
            ops.posts.schedule(admin, post, platform, START + timedelta(hours=1))
    due = _cli("publish", "due", "--store", store, *gateways, "--json")
    assert due.exit_code == 0, due.output
    return post


def _take_downs(store: str) -> list[dict[str, object]]:
    listed = _cli("publish", "take-downs", "--store", store, "--json")
    assert listed.exit_code == 0, listed.output
    rows: list[dict[str, object]] = json.loads(listed.stdout)["take_downs"]
    return rows


def test_retract_list_and_confirm_a_take_down(
    store: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mastodon: FakeMastodon,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
) -> None:
    # The token in a credentials file of this test's own (for a PostgreSQL store the file
    # would otherwise be the working directory's libops.credentials.json).
    credentials = tmp_path / "credentials.json"
    monkeypatch.setenv(CREDENTIALS_ENV, str(credentials))
    FileCredentialStore(credentials).set("mastodon", "access_token", TOKEN)
    gateways = [
        "--gateway",
        f"weibo=sandbox://{tmp_path}/state.json",
        "--gateway",
        f"mastodon={mastodon.base_url}",
    ]
    post = _published(
        store, gateways, (planner, reviewer, admin), "Holiday hours", "weibo", "mastodon"
    )
    assert len(mastodon.statuses()) == 1
    assert _take_downs(store) == []
    empty = _cli("publish", "take-downs", "--store", store)
    assert empty.exit_code == 0, empty.output
    assert "no open take-downs" in empty.stdout

    retract = ("publish", "retract", str(post), "--reason", "the hours were wrong")
    retracted = _cli(*retract, "--by", "a", "--store", store, *gateways, "--json")
    assert retracted.exit_code == 0, retracted.output
    answer = json.loads(retracted.stdout)
    assert answer["status"] == "retracting"
    states = {row["platform"]: row for row in answer["take_downs"]}
    assert states["mastodon"]["done_at"] is not None
    assert states["weibo"]["done_at"] is None
    assert states["weibo"]["by_hand"] is True
    assert mastodon.statuses() == []  # taken down through the gateway

    [task] = _take_downs(store)
    with LibOps.open(store) as ops:
        receipt = ops.posts.get(post).receipt(Platform.WEIBO)
    assert receipt is not None
    assert task["post_id"] == str(post)
    assert task["title"] == "Holiday hours"
    assert task["platform"] == "weibo"
    assert task["external_id"] == receipt.external_id
    assert task["url"] == receipt.url
    assert task["by_hand"] is True
    assert "no weibo gateway that can take posts down" in str(task["reason"])
    assert task["requested_at"] is not None
    text = _cli("publish", "take-downs", "--store", store)
    assert text.exit_code == 0, text.output
    assert "1 open take-down(s)" in text.stdout
    assert "Holiday hours" in text.stdout
    assert "libops publish confirm-take-down" in text.stdout

    confirm = ("publish", "confirm-take-down", str(post), "weibo", "--by", "a", "--store", store)
    done = _cli(*confirm, "--note", "deleted in the Weibo app", "--url", "https://weibo.com/1/x")
    assert done.exit_code == 0, done.output
    assert "the post is retracted" in done.stdout
    assert _take_downs(store) == []
    with LibOps.open(store) as ops:
        read = ops.posts.get(post)
        assert read.status is PostStatus.RETRACTED
        weibo = read.take_down("weibo")
        assert weibo is not None
        assert (weibo.confirmed_by, weibo.note, weibo.url) == (
            "a",
            "deleted in the Weibo app",
            "https://weibo.com/1/x",
        )
        assert ops.posts.list().items[0]["status"] == "retracted"

    again = _cli(*confirm, "--note", "once more")
    assert again.exit_code == 1
    assert "error:" in again.stderr


def _event_count(store: str) -> int:
    with LibOps.open(store) as ops:
        return ops.event_log().max_notification_id()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--note", "deleted", "--url", "weibo.com/1/x"), "http or https address"),
        (("--note", "   "), "note"),
        (("--platform-of", "wechat", "--note", "deleted"), "wechat"),
        (("--post-of", "unknown", "--note", "deleted"), "no post with id"),
    ],
)
def test_confirming_is_refused_and_records_nothing(
    store: str,
    tmp_path: Path,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
    args: tuple[str, ...],
    says: str,
) -> None:
    """A bad URL, a blank note, a platform with no open take-down, an unknown post: the
    domain's message on standard error, exit code 1 (as every refused command), nothing
    recorded, the task still open."""
    gateways = ["--gateway", f"weibo=sandbox://{tmp_path}/state.json"]
    post = _published(store, gateways, (planner, reviewer, admin), "Book Day", "weibo")
    retracted = _cli(
        "publish", "retract", str(post), "--reason", "wrong day", "--by", "a", "--store", store
    )
    assert retracted.exit_code == 0, retracted.output
    assert "still live: take it down by hand" in retracted.stdout
    target, platform, rest = str(post), "weibo", list(args)
    if rest[0] == "--platform-of":
        platform, rest = rest[1], rest[2:]
    if rest[0] == "--post-of":
        target, rest = "0b4a3f59-5c1d-4f52-9d35-1d9b4ec1c0aa", rest[2:]
    before = _event_count(store)
    refused = _cli(
        "publish", "confirm-take-down", target, platform, *rest, "--by", "a", "--store", store
    )
    assert refused.exit_code == 1, refused.output
    assert says in refused.stderr
    assert _event_count(store) == before
    assert [row["platform"] for row in _take_downs(store)] == ["weibo"]


def test_confirming_on_a_post_not_retracted_is_refused(
    store: str, planner: Actor, reviewer: Actor
) -> None:
    post = _approved(store, planner, reviewer, "Story time", "weibo")
    before = _event_count(store)
    refused = _cli(
        "publish", "confirm-take-down", str(post), "weibo", "--note", "deleted",
        "--by", "a", "--store", store,
    )  # fmt: skip
    assert refused.exit_code == 1, refused.output
    assert "error:" in refused.stderr
    assert _event_count(store) == before


def test_usage_errors_exit_2(store: str) -> None:
    missing = _cli("publish", "confirm-take-down", "x", "weibo", "--by", "a", "--store", store)
    assert missing.exit_code == 2
    assert "--note" in missing.output
    no_reason = _cli("publish", "retract", "x", "--by", "a", "--store", store)
    assert no_reason.exit_code == 2


def test_take_downs_newest_first_and_tick_points_to_the_command(
    store: str, tmp_path: Path, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    """Two posts retracted one after the other: the later one's task is listed first; each
    run of `libops tick` warns about both, naming the command that confirms them."""
    gateways = ["--gateway", f"weibo=sandbox://{tmp_path}/state.json"]
    people = (planner, reviewer, admin)
    first = _published(store, gateways, people, "Book Day", "weibo")
    second = _published(store, gateways, people, "Story time", "weibo")
    for post in (first, second):
        retracted = _cli(
            "publish", "retract", str(post), "--reason", "wrong", "--by", "a", "--store", store
        )
        assert retracted.exit_code == 0, retracted.output
    rows = _take_downs(store)
    assert [row["title"] for row in rows] == ["Story time", "Book Day"]
    assert str(rows[0]["requested_at"]) >= str(rows[1]["requested_at"])
    ticked = _cli("tick", "--store", store, "--step", "takedowns", "--json")
    assert ticked.exit_code == 0, ticked.output
    [step] = [s for s in json.loads(ticked.stdout)["steps"] if s["step"] == "takedowns"]
    assert len(step["warnings"]) == 2
    assert f"libops publish confirm-take-down {first} weibo" in " ".join(step["warnings"])


def test_a_take_down_the_platform_refuses_is_listed_with_its_failure(
    store: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mastodon: FakeMastodon,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
) -> None:
    """Mastodon refusing the take-down for good (the token revoked) leaves a task for staff,
    listed with the platform's failure; the post stays on Mastodon until someone acts."""
    credentials = tmp_path / "credentials.json"
    monkeypatch.setenv(CREDENTIALS_ENV, str(credentials))
    FileCredentialStore(credentials).set("mastodon", "access_token", TOKEN)
    gateways = ["--gateway", f"mastodon={mastodon.base_url}"]
    post = _published(store, gateways, (planner, reviewer, admin), "Quiet hours", "mastodon")
    mastodon.revoke_tokens()
    retracted = _cli(
        "publish", "retract", str(post), "--reason", "wrong", "--by", "a", "--store", store,
        *gateways,
    )  # fmt: skip
    assert retracted.exit_code == 0, retracted.output
    [task] = _take_downs(store)
    assert (task["platform"], task["by_hand"]) == ("mastodon", True)
    assert task["error"]
    assert len(mastodon.statuses()) == 1  # still live
    text = _cli("publish", "take-downs", "--store", store)
    assert f"last failure: {task['error']}" in text.stdout
    assert TOKEN not in retracted.output + text.output
