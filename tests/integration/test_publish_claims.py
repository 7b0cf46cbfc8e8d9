"""Publishing claims: overlapping publish_due runs post each due slot once, on every store.

The central check runs two real processes (``multiprocessing``, spawned) publishing the same
due slots at once against a counting platform without idempotency keys, whose posts are
kept in a SQLite file both processes share; it is slow to answer, so that without claims
both processes would find nothing and both publish.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier
from uuid import UUID

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.platforms import DEFAULT_LIMITS
from libops.adapters.sandbox import SandboxPlatform
from libops.application.app import RetryPolicy
from libops.application.publishing import ClaimPublication, PublishState
from libops.domain.claim import PublishClaim
from libops.domain.errors import InvalidValueError, PlatformError, PublishClaimedError
from libops.domain.post import PlatformStatus
from libops.domain.values import Platform, PlatformLimits, PostVariant, PublishReceipt
from tests import actors
from tests.conftest import make_store_url
from tests.helpers import count_events
from tests.integration.test_publishing import approved_post

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DUE = START + timedelta(hours=3)
SLOTS = 4


class CountingPlatform:
    """A Weibo without idempotency keys whose posts live in a SQLite file processes share.

    Every publish is a new post (counted); ``find_published`` names the first post made
    with a key. Publishing takes ``delay`` seconds, as a real platform's call does.
    """

    def __init__(self, path: Path, *, delay: float = 0.2) -> None:
        self._path = path
        self._delay = delay
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS posts (n INTEGER PRIMARY KEY, key TEXT, text TEXT)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=30, isolation_level=None)

    @property
    def platform(self) -> Platform:
        return Platform.WEIBO

    @property
    def limits(self) -> PlatformLimits:
        return DEFAULT_LIMITS[Platform.WEIBO]

    @property
    def supports_idempotency_key(self) -> bool:
        return False

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        time.sleep(self._delay)
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO posts (key, text) VALUES (?, ?)", (idempotency_key, variant.text)
            )
            number = cursor.lastrowid
        return self._receipt(int(number or 0))

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT MIN(n) FROM posts WHERE key = ?", (idempotency_key,)
            ).fetchone()
        return None if row[0] is None else self._receipt(int(row[0]))

    def metrics(self, external_id: str) -> object:
        raise PlatformError("no metrics here", retryable=False)

    def comments(self, external_id: str, since: datetime | None = None) -> list[object]:
        raise PlatformError("no comments here", retryable=False)

    def posts_by_key(self) -> dict[str, int]:
        """How many posts went out under each key."""
        with self._connect() as conn:
            rows = conn.execute("SELECT key, COUNT(*) FROM posts GROUP BY key").fetchall()
        return {str(key): int(count) for key, count in rows}

    @staticmethod
    def _receipt(number: int) -> PublishReceipt:
        return PublishReceipt(
            platform=Platform.WEIBO,
            external_id=str(5000000000 + number),
            url=f"https://weibo.com/1234567890/{5000000000 + number}",
            published_at=DUE,
        )


def _publish_due_in_process(
    url: str, platform_path: str, start: Barrier
) -> list[tuple[str, str, str | None]]:
    """One process's publish_due run: ``(post id, state, error)`` of each outcome."""
    platform = CountingPlatform(Path(platform_path))
    with LibOps.open(url, clock=ManualClock(DUE), gateways=[platform]) as ops:  # type: ignore[list-item]  # the counting fake has the port's calls
        start.wait()
        outcomes = ops.publishing.publish_due(actors.ADMIN)
    return [(str(o.post_id), o.state.value, o.error) for o in outcomes]


def _run(args: tuple[str, str, Barrier]) -> list[tuple[str, str, str | None]]:
    return _publish_due_in_process(*args)


@pytest.fixture(params=["sqlite", "postgresql"])
def file_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite file or PostgreSQL schema that several processes can open."""
    return make_store_url(str(request.param), tmp_path, request)


class TestTwoProcessesPublishingTheSameSlots:
    def test_each_slot_is_posted_once(self, file_store: str, tmp_path: Path) -> None:
        """Two publish_due runs at once post each due slot once; the other run says elsewhere."""
        platform_path = tmp_path / "platform.db"
        platform = CountingPlatform(platform_path)
        clock = ManualClock(START)
        with LibOps.open(file_store, clock=clock, migrate=True, gateways=[platform]) as ops:  # type: ignore[list-item]  # as above
            posts = []
            for n in range(SLOTS):
                post_id = approved_post(ops, actors.PLANNER, actors.REVIEWER, title=f"Slot {n}")
                ops.posts.schedule(
                    actors.ADMIN, post_id, "weibo", START + timedelta(hours=1, minutes=n)
                )
                posts.append(post_id)
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager:
            start = manager.Barrier(2)
            with context.Pool(2) as pool:
                runs = pool.map(_run, [(file_store, str(platform_path), start)] * 2)
        counts = platform.posts_by_key()
        assert counts == {f"{post_id}:weibo": 1 for post_id in posts}
        states: dict[str, list[str]] = {str(post_id): [] for post_id in posts}
        for run in runs:
            for run_post, state, error in run:
                states[run_post].append(state)
                assert state != PublishState.FAILED.value, error
        for run_post, seen in states.items():
            assert seen.count(PublishState.PUBLISHED.value) == 1, (run_post, runs)
            assert set(seen) <= {
                PublishState.PUBLISHED.value,
                PublishState.DONE_ELSEWHERE.value,
                PublishState.CLAIMED_ELSEWHERE.value,
            }
        with LibOps.open(file_store, clock=ManualClock(DUE), gateways=[platform]) as ops:  # type: ignore[list-item]  # as above
            for post_id in posts:
                post = ops.posts.get(post_id)
                assert post.platform_status(Platform.WEIBO) is PlatformStatus.PUBLISHED
                receipt = post.receipt(Platform.WEIBO)
                assert receipt is not None
                assert platform.find_published(f"{post_id}:weibo") == receipt
            assert ops.posts.calendar("weibo") == []
            assert ops.publishing.publish_due(actors.ADMIN) == []


class _ForgetfulKeys(SandboxPlatform):
    """Honours idempotency keys, but only for a while (Mastodon keeps them for an hour):
    this one has forgotten them all, so a repeat is a second post."""

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        return super().publish(variant, f"{idempotency_key}#{len(self.published())}")

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        return next(
            (
                r
                for r in self.published()
                if self._key_of(r.external_id).split("#")[0] == idempotency_key
            ),
            None,
        )

    def _key_of(self, external_id: str) -> str:
        return self._posts[external_id].key


@pytest.fixture
def forgetful(clock: ManualClock) -> _ForgetfulKeys:
    return _ForgetfulKeys("weibo", seed="claims", clock=clock, supports_idempotency_key=True)


@pytest.fixture
def claims_ops(store_url: str, clock: ManualClock, forgetful: _ForgetfulKeys) -> Iterator[LibOps]:
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[forgetful]) as opened:
        yield opened


def _due_post(ops: LibOps, clock: ManualClock) -> UUID:
    post_id = approved_post(ops, actors.PLANNER, actors.REVIEWER)
    ops.posts.schedule(actors.ADMIN, post_id, "weibo", clock.now() + timedelta(minutes=5))
    clock.advance(timedelta(minutes=10))
    return post_id


class TestExpiredClaims:
    def test_a_live_claim_keeps_others_off(
        self, claims_ops: LibOps, clock: ManualClock, forgetful: _ForgetfulKeys
    ) -> None:
        """While another process holds the claim, publish_due and publish leave the slot alone."""
        post_id = _due_post(claims_ops, clock)
        claims_ops.execute(actors.TECH, ClaimPublication(post_id, "weibo"))
        before = count_events(claims_ops)
        [outcome] = claims_ops.publishing.publish_due(actors.ADMIN)
        assert outcome.state is PublishState.CLAIMED_ELSEWHERE
        assert outcome.elsewhere
        assert not outcome.published
        assert "tech-1" in (outcome.error or "")
        with pytest.raises(PublishClaimedError, match="being published elsewhere"):
            claims_ops.publishing.publish(actors.ADMIN, post_id, "weibo")
        assert count_events(claims_ops) == before
        assert forgetful.published() == []

    def test_a_lapsed_claim_whose_post_went_out_is_found_not_reposted(
        self, claims_ops: LibOps, clock: ManualClock, forgetful: _ForgetfulKeys
    ) -> None:
        """A claimer that published and died: after expiry the platform is asked, not posted to."""
        post_id = _due_post(claims_ops, clock)
        claims_ops.execute(actors.TECH, ClaimPublication(post_id, "weibo"))
        post = claims_ops.posts.get(post_id)
        # The dead claimer's call went through; then it died before recording it.
        out_there = forgetful.publish(post.variant("weibo"), post.publish_key("weibo"))
        clock.advance(timedelta(minutes=16))
        [outcome] = claims_ops.publishing.publish_due(actors.ADMIN)
        assert outcome.state is PublishState.PUBLISHED
        assert outcome.receipt == out_there
        assert forgetful.published() == [out_there]
        assert claims_ops.posts.get(post_id).receipt("weibo") == out_there
        claim = claims_ops.app.load(PublishClaim, PublishClaim.id_for(post_id, "weibo"))
        assert claim.settled
        assert claim.outcome == "published"
        assert claim.holder_id == actors.ADMIN.id

    def test_a_lapsed_claim_whose_post_did_not_go_out_is_published_once(
        self, claims_ops: LibOps, clock: ManualClock, forgetful: _ForgetfulKeys
    ) -> None:
        """A claimer that died before calling the platform: the next run publishes, once."""
        post_id = _due_post(claims_ops, clock)
        claims_ops.execute(actors.TECH, ClaimPublication(post_id, "weibo"))
        clock.advance(timedelta(minutes=16))
        [outcome] = claims_ops.publishing.publish_due(actors.ADMIN)
        assert outcome.state is PublishState.PUBLISHED
        assert forgetful.published() == [outcome.receipt]
        assert claims_ops.publishing.publish_due(actors.ADMIN) == []

    def test_a_failure_settles_the_claim(
        self, claims_ops: LibOps, clock: ManualClock, forgetful: _ForgetfulKeys
    ) -> None:
        """A platform failure is recorded and settles the claim, so the next run retries."""
        post_id = _due_post(claims_ops, clock)
        forgetful.fail_next(message="rate limited")
        [failed] = claims_ops.publishing.publish_due(actors.ADMIN)
        assert failed.state is PublishState.FAILED
        assert failed.retryable
        assert "rate limited" in (failed.error or "")
        claim = claims_ops.app.load(PublishClaim, PublishClaim.id_for(post_id, "weibo"))
        assert claim.outcome == "failed"
        assert not claim.held(clock.now())
        [retried] = claims_ops.publishing.publish_due(actors.ADMIN)
        assert retried.state is PublishState.PUBLISHED
        assert len(forgetful.published()) == 1

    def test_published_elsewhere_is_done_elsewhere(
        self, claims_ops: LibOps, clock: ManualClock, forgetful: _ForgetfulKeys
    ) -> None:
        """A slot another process published after this run listed it is done elsewhere."""
        post_id = _due_post(claims_ops, clock)
        receipt = claims_ops.publishing.publish(actors.ADMIN, post_id, "weibo")
        outcome = claims_ops.publishing._publish_outcome(actors.ADMIN, post_id, Platform.WEIBO, 900)
        assert outcome.state is PublishState.DONE_ELSEWHERE
        assert outcome.receipt == receipt
        assert outcome.error is None
        assert len(forgetful.published()) == 1

    @pytest.mark.parametrize("claim_for", [timedelta(0), timedelta(days=2), 60])
    def test_bad_claim_time_refused(self, claims_ops: LibOps, claim_for: object) -> None:
        """The claim time is a timedelta from a second to a day."""
        before = count_events(claims_ops)
        with pytest.raises(InvalidValueError, match="claim_for"):
            claims_ops.publishing.publish_due(actors.ADMIN, claim_for=claim_for)  # type: ignore[arg-type]  # deliberately wrong
        assert count_events(claims_ops) == before


class TestBusyDatabase:
    def test_a_locked_store_gives_outcomes_not_an_exception(
        self, tmp_path: Path, clock: ManualClock
    ) -> None:
        """With SQLite locked, each slot's outcome is a storage error; later each goes out once."""
        path = tmp_path / "busy.db"
        weibo = SandboxPlatform("weibo", seed="busy", clock=clock, supports_idempotency_key=False)
        url = f"sqlite:///{path}?lock_timeout=1"
        with LibOps.open(url, clock=clock, migrate=True, gateways=[weibo]) as ops:
            posts = [
                approved_post(ops, actors.PLANNER, actors.REVIEWER, title=f"Busy {n}")
                for n in range(2)
            ]
            for n, post_id in enumerate(posts):
                ops.posts.schedule(
                    actors.ADMIN, post_id, "weibo", clock.now() + timedelta(minutes=n + 1)
                )
            clock.advance(timedelta(hours=1))
            ops.app.retry = RetryPolicy(deadline=1.5)
            held, release = threading.Event(), threading.Event()

            def hold() -> None:
                conn = sqlite3.connect(path, isolation_level=None)
                conn.execute("BEGIN EXCLUSIVE")
                held.set()
                release.wait(30)
                conn.execute("ROLLBACK")
                conn.close()

            holder = threading.Thread(target=hold)
            holder.start()
            held.wait()
            try:
                busy = ops.publishing.publish_due(actors.ADMIN)
            finally:
                release.set()
                holder.join()
            assert [o.post_id for o in busy] == posts
            for outcome in busy:
                assert outcome.state is PublishState.FAILED
                assert "locked" in (outcome.error or "")
            assert weibo.published() == []
            done = ops.publishing.publish_due(actors.ADMIN)
            assert [o.state for o in done] == [PublishState.PUBLISHED] * 2
            assert len(weibo.published()) == 2
