"""How long the sameness check takes against a year of posts: 5,000 by default.

One run fills the sameness check's index (:class:`libops.application.sameness.
RecentPostTexts`) with N generated posts on Weibo, half in Chinese and half in English,
built deterministically (seed 17) from phrases a library's account uses: 60 to 160
characters each, as posts run. Each round then checks one draft, a rewording of one of the
posts (a near-duplicate, so the check finds and names it) or an unrelated text in turn,
timing ``index.similar(...)``: the window and platform filter, and the comparison of the
draft with every post (rapidfuzz, in C++). ``check_ms_p50`` and ``check_ms_p99`` are the
median and 99th percentile of the rounds.

The baseline, in the same run, is what the comparison stands on: ``baseline_ms`` is the time
to turn the N texts into their comparable form once (normalise, tokenise, sort: what the
index does when it first reads the posts), and ``exact_scan_ms`` the time of one scan of the
N prepared texts for an exact match (plain Python ``==``).

The last line is a JSON object with ``posts``, ``rounds``, ``check_ms_p50``,
``check_ms_p99``, ``baseline_ms``, ``exact_scan_ms`` and ``found`` (the near-duplicate
checks that named the post they reword, out of ``near_duplicates``).

    python benchmarks/sameness.py            # 5,000 posts, 200 checks
    python benchmarks/sameness.py --quick    # 1,000 posts, 40 checks
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Final

from libops.analysis.similarity import comparable
from libops.application.sameness import RecentPostTexts
from libops.domain.values import Platform

DEFAULT_POSTS: Final = 5_000
DEFAULT_ROUNDS: Final = 200
QUICK_POSTS: Final = 1_000
QUICK_ROUNDS: Final = 40
SEED: Final = 17

ZH_PHRASES: Final = (
    "世界读书日",
    "图书馆",
    "邀您共读经典",
    "全天开放",
    "借书数量翻倍",
    "新书推荐",
    "本周上架",
    "二楼借阅区",
    "古籍修复",
    "工作坊",
    "名额有限",
    "请在公众号报名",
    "暑期开放时间",
    "周一闭馆",
    "读书分享会",
    "少儿阅览室",
    "讲座预告",
    "馆藏珍品",
    "数字资源",
    "电子书",
    "有奖问答",
    "读者服务",
    "志愿者招募",
    "展览开幕",
    "地方文献",
    "阅读推广",
    "亲子阅读",
    "诗词大会",
)
EN_WORDS: Final = (
    "library",
    "reading",
    "books",
    "new",
    "arrivals",
    "open",
    "week",
    "event",
    "talk",
    "children",
    "archive",
    "exhibition",
    "quiz",
    "prize",
    "volunteers",
    "digital",
    "loans",
    "hours",
    "Monday",
    "closed",
    "floor",
    "shelves",
    "author",
    "poetry",
    "history",
    "local",
    "collection",
    "rare",
    "workshop",
    "register",
    "free",
    "join",
    "us",
    "this",
    "Saturday",
)


def _post(rng: random.Random, chinese: bool) -> str:
    if chinese:
        parts = [rng.choice(ZH_PHRASES) for _ in range(rng.randint(6, 14))]
        return "，".join(parts) + "。"
    words = [rng.choice(EN_WORDS) for _ in range(rng.randint(10, 24))]
    return " ".join(words).capitalize() + "."


def _reword(rng: random.Random, text: str) -> str:
    """A near-duplicate: the same phrases or words, a few swapped round and one dropped."""
    separator = "，" if "，" in text else " "
    parts = text.rstrip("。.").split(separator)
    for _ in range(2):
        i, j = rng.randrange(len(parts)), rng.randrange(len(parts))
        parts[i], parts[j] = parts[j], parts[i]
    del parts[rng.randrange(len(parts))]
    return separator.join(parts) + "！"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_POSTS:,} posts")
    args = parser.parse_args(argv)
    n = QUICK_POSTS if args.quick else args.posts
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)

    rng = random.Random(SEED)
    now = datetime(2026, 12, 31, tzinfo=UTC)
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(n)]
    texts = [_post(rng, chinese=i % 2 == 0) for i in range(n)]

    started = time.perf_counter()
    prepared = [comparable(text) for text in texts]
    baseline = time.perf_counter() - started

    index = RecentPostTexts()
    for i, (post_id, text) in enumerate(zip(ids, texts, strict=True)):
        at = now - timedelta(hours=i * 8760 // max(n, 1))  # spread over the year
        index.put(post_id, title=f"post {i}", text=text, platforms=[Platform.WEIBO], at=at)

    probe = comparable("图书馆 library 读书")
    started = time.perf_counter()
    exact = sum(1 for text in prepared if text == probe)
    exact_scan = time.perf_counter() - started

    times: list[float] = []
    found = near = 0
    draft_id = uuid.uuid4()
    for round_ in range(rounds):
        target = rng.randrange(n)
        if round_ % 2 == 0:
            draft, near = _reword(rng, texts[target]), near + 1
        else:
            draft = _post(rng, chinese=rng.random() < 0.5) + " 周末特别活动 special weekend"
        started = time.perf_counter()
        similar = index.similar(draft_id, draft, [Platform.WEIBO], now)
        times.append(time.perf_counter() - started)
        if round_ % 2 == 0 and ids[target] in [s.post_id for s in similar]:
            found += 1

    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    summary = {
        "posts": n,
        "rounds": rounds,
        "check_ms_p50": _ms(statistics.median(times)),
        "check_ms_p99": _ms(p99),
        "baseline_ms": _ms(baseline),
        "exact_scan_ms": _ms(exact_scan),
        "exact_matches": exact,
        "near_duplicates": near,
        "found": found,
    }
    print(
        f"{n:,} posts: check p50 {summary['check_ms_p50']} ms, p99 {summary['check_ms_p99']} ms;"
        f" preparing the texts {summary['baseline_ms']} ms, an exact scan "
        f"{summary['exact_scan_ms']} ms; {found} of {near} near-duplicates named"
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
