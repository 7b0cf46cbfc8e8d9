"""How fast a list of the latest posts is answered on a store of 100,000 posts.

The store is a SQLite file built the way the application writes posts, in bulk: each post is
drafted with the domain's own ``Post.draft`` (its texts sealed under a key of its own in the
store's key store, as ``ops.posts.draft`` does), handed to review, approved by a reviewer and
published on one platform (a receipt with its URL) with the aggregate's own methods; 1,000
posts at a time are saved in one ``ops.app.save`` (one transaction), spread over four
campaigns' ids and two platforms, published a minute apart. The posts listing is then caught
up through the projection engine (``ops.queries.catch_up``), as any list would do first. At
100,000 posts the build took 5 to 10 minutes on the shared 2-core machine (mostly waiting
for the key store, which syncs each new key to disk, and storing 400,000 events; about 2
minutes of CPU time) and the listing's catch-up 2 to 3 minutes; with ``--quick`` (3,000
posts) the whole run is well under a minute (10,000 posts took 110 s there, 16 s of it CPU
time).

Then, many times each (after a few untimed warm-up calls), it times:

* ``ops.posts.list(limit=10)``: the latest 10 posts (the listing caught up first, the index
  range read, the rows loaded and their titles opened);
* ``GET /v1/posts?limit=10`` over HTTP: the ASGI app in this process through httpx's ASGI
  transport (request parsing, authentication, the same list, JSON);
* the baseline: a primary-key read of one view document (``load`` of one post's row of the
  listing on the same view store), the cheapest read a view store does.

It prints p50/p99 of each and, last, a JSON line: ``posts``, ``p50_ms``, ``p99_ms``,
``http_p50_ms``, ``http_p99_ms``, ``baseline_p50_ms``, ``baseline_p99_ms``, ``build_s``,
``catch_up_s`` and ``target_met`` (p99 of ``ops.posts.list(limit=10)`` under 20 ms).

    python benchmarks/queries.py            # 100,000 posts
    python benchmarks/queries.py --quick    # 3,000 posts, under a minute
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on the path, and its http.py would hide the
# standard library's http package (which httpx and starlette import): leave it out.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx

from libops import Actor, LibOps, Platform, PostVariant, PublishReceipt, Role
from libops.application.drafts import draft_seals
from libops.application.posts import limits_of
from libops.domain.post import Post
from libops.domain.values import ReviewChecklist
from libops.http import create_app
from libops.projections.listings import POSTS, ROW

DEFAULT_POSTS = 100_000
QUICK_POSTS = 3_000
CHUNK = 1_000
TARGET_P99_MS = 20.0

PLANNER = Actor("bench-planner", [Role.CONTENT_PLANNER])
REVIEWER = Actor("bench-reviewer", [Role.REVIEWER])
TECH = Actor("bench-tech", [Role.TECHNICAL_SUPPORT])
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
TOKEN = "bench-token"


def build(ops: LibOps, count: int, say: Callable[[str], None]) -> None:
    """Write ``count`` published posts, ``CHUNK`` per transaction."""
    seals = draft_seals(ops.deps)
    campaigns = [uuid4() for _ in range(4)]
    platforms = (Platform.WEIBO, Platform.MASTODON)
    limits = limits_of(ops.deps, [PostVariant(p, "x", media=("m.jpg",)) for p in platforms])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    made = 0
    while made < count:
        posts = []
        for n in range(made, min(made + CHUNK, count)):
            platform = platforms[n % 2]
            post = Post.draft(
                PLANNER,
                title=f"Reading list no. {n}",
                body="Ten books our librarians loved this year.",
                content_type="knowledge",
                format="image_text",
                variants=[PostVariant(platform, f"Books {n}", media=("m.jpg",))],
                limits=limits,
                campaign_id=campaigns[n % 4],
                sealer=seals,
            )
            post.submit_for_review(PLANNER)
            post.review(REVIEWER, PASSED, approve=True)
            external = f"{platform.value}-{n}"
            post.record_published(
                TECH,
                PublishReceipt(
                    platform,
                    external,
                    f"https://social.example.org/{external}",
                    start + timedelta(minutes=n),
                ),
            )
            posts.append(post)
        ops.app.save(*posts)
        made += len(posts)
        if made % (10 * CHUNK) == 0 or made == count:
            say(f"  {made:,} posts written")


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 of ``samples`` (seconds), in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(call: Callable[[], Any], times: int, warm_up: int = 20) -> list[float]:
    for _ in range(warm_up):
        call()
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


def _authenticate(headers: Mapping[str, str]) -> Actor:
    from libops.domain.errors import AuthenticationError

    if headers.get("authorization") != f"Bearer {TOKEN}":
        raise AuthenticationError("not the benchmark's token")
    return REVIEWER


def http_samples(ops: LibOps, times: int, warm_up: int = 20) -> list[float]:
    """Time ``GET /v1/posts?limit=10`` through the ASGI app, in this process."""
    app = create_app(ops, authenticate=_authenticate)

    async def run() -> list[float]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        samples = []
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for n in range(warm_up + times):
                began = time.perf_counter()
                response = await client.get("/v1/posts?limit=10", headers=headers)
                took = time.perf_counter() - began
                if response.status_code != 200 or len(response.json()["items"]) != 10:
                    raise SystemExit(f"GET /v1/posts answered {response.status_code}")
                if n >= warm_up:
                    samples.append(took)
        return samples

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_POSTS:,} posts")
    parser.add_argument("--posts", type=int, default=None, help="how many posts")
    parser.add_argument("--times", type=int, default=None, help="timed calls of each kind")
    args = parser.parse_args(argv)
    count = args.posts or (QUICK_POSTS if args.quick else DEFAULT_POSTS)
    times = args.times or (300 if args.quick else 2_000)

    def say(text: str) -> None:
        print(text, flush=True)

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'libops.db'}"
        with LibOps.open(url, migrate=True) as ops:
            say(f"building a SQLite store of {count:,} posts ...")
            began = time.perf_counter()
            build(ops, count, say)
            built = time.perf_counter() - began
            began = time.perf_counter()
            ops.queries.catch_up(POSTS)
            caught_up = time.perf_counter() - began
            say(f"built in {built:.1f} s; the posts listing caught up in {caught_up:.1f} s")
            latest = ops.posts.list(limit=10)
            if len(latest.items) != 10:
                raise SystemExit("the list of the latest posts is not 10 posts long")
            say(f"latest: {latest.items[0]['title']!r} at {latest.items[0]['published_at']}")

            listed = timed(lambda: ops.posts.list(limit=10), times)
            over_http = http_samples(ops, times)
            views = ops.open_view_store()
            try:
                row_key = ROW + latest.items[0]["id"]
                baseline = timed(lambda: views.load(POSTS, row_key), times)
            finally:
                views.close()

    p50, p99 = percentiles(listed)
    http_p50, http_p99 = percentiles(over_http)
    base_p50, base_p99 = percentiles(baseline)
    say(f"ops.posts.list(limit=10)     p50 {p50:7.3f} ms   p99 {p99:7.3f} ms")
    say(f"GET /v1/posts?limit=10       p50 {http_p50:7.3f} ms   p99 {http_p99:7.3f} ms")
    say(f"baseline: one document load  p50 {base_p50:7.3f} ms   p99 {base_p99:7.3f} ms")
    met = p99 < TARGET_P99_MS
    say(f"target: p99 under {TARGET_P99_MS:g} ms at {count:,} posts: {'met' if met else 'NOT met'}")
    summary = {
        "posts": count,
        "times": times,
        "p50_ms": round(p50, 3),
        "p99_ms": round(p99, 3),
        "http_p50_ms": round(http_p50, 3),
        "http_p99_ms": round(http_p99, 3),
        "baseline_p50_ms": round(base_p50, 3),
        "baseline_p99_ms": round(base_p99, 3),
        "build_s": round(built, 1),
        "catch_up_s": round(caught_up, 1),
        "target_met": met,
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
