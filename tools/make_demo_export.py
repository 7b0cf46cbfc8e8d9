"""Make the demo library's WeChat back-office exports, shipped in ``src/libops/demo/exports/``.

    python tools/make_demo_export.py            # write the two files
    python tools/make_demo_export.py --check    # exit 1 if the shipped files differ

Deterministic: it runs the default demo (``libops demo``: seed 2026, 240 posts, the whole of
2026 Q2) without its imports on a temporary SQLite store, reads the WeChat posts it published
(title, day, URL, last counts), and writes, in the layouts of the back office (the shared
samples' layouts, ``docs/import.md``):

- ``wechat_article_total_2026H1.xls`` (内容分析, a BIFF8 ``.xls``: 内容标题, 发表时间
  YYYYMMDD, 总阅读人数, 总分享人数, 阅读后关注人数, 送达人数, 送达阅读率, 阅读完成率, 内容url):
  the demo's WeChat posts with their totals read a little later than libops's last
  collection (never lower, so importing them records no correction), three articles the
  staff published by hand during the quarter, and twenty articles of 2026 Q1, before libops;
- ``wechat_user_growth_2026H1.xls`` (用户增长, an HTML table named ``.xls``: 时间, 新关注人数,
  取消关注人数, 净增关注人数, 累积关注人数): a day per row from 2026-01-01 to 2026-06-30, each
  day's new followers at least those the day's articles drew.

Writing BIFF8 needs ``xlwt`` (a development dependency; libops itself only reads ``.xls``).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from libops import LibOps
from libops.demo import run_demo
from libops.demo.exports import ARTICLE_TOTALS, USER_GROWTH
from libops.demo.setting import BEIJING
from libops.domain.values import Platform

OUT = Path(__file__).resolve().parents[1] / "src" / "libops" / "demo" / "exports"
FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)
START_TOTAL = 18_420
"""The account's followers on 31 December 2025."""

HEADER = (
    "内容标题",
    "发表时间",
    "总阅读人数",
    "总分享人数",
    "阅读后关注人数",
    "送达人数",
    "送达阅读率",
    "阅读完成率",
    "内容url",
)

BEFORE_LIBOPS = (
    ("新年开馆时间安排", date(2026, 1, 2)),
    ("寒假阅读计划启动", date(2026, 1, 7)),
    ("古籍修复工作坊回顾", date(2026, 1, 12)),
    ("一月新书推荐", date(2026, 1, 16)),
    ("数据库远程访问说明", date(2026, 1, 21)),
    ("少儿寒假绘本课报名", date(2026, 1, 26)),
    ("春节期间开放安排", date(2026, 2, 3)),
    ("新春书香年货", date(2026, 2, 10)),
    ("元宵节灯谜会", date(2026, 2, 27)),
    ("开学季借阅指南", date(2026, 3, 2)),
    ("三月读书会报名开启", date(2026, 3, 4)),
    ("古籍里的春天", date(2026, 3, 6)),
    ("学雷锋志愿服务招募", date(2026, 3, 9)),
    ("新书速递｜三月第一期", date(2026, 3, 11)),
    ("数字资源使用指南", date(2026, 3, 16)),
    ("植树节：读懂一棵树", date(2026, 3, 12)),
    ("讲座预告：宋词里的城市", date(2026, 3, 18)),
    ("读者满意度调查", date(2026, 3, 23)),
    ("新书速递｜三月第二期", date(2026, 3, 25)),
    ("世界读书日征稿启事", date(2026, 3, 30)),
)
"""Articles of 2026 Q1, published before the library used libops."""

BY_HAND = (
    ("图书馆志愿者招募", date(2026, 5, 8)),
    ("毕业季还书提醒", date(2026, 6, 10)),
    ("端午节开放时间", date(2026, 6, 17)),
)
"""Articles the staff published by hand during the quarter (outside libops)."""

_SLUG = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _ratio(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def demo_articles(store: Path) -> list[dict[str, object]]:
    """The default demo's WeChat posts: title, day, URL and last counts."""
    url = f"sqlite:///{store}"
    run_demo(url, imports=False)
    found = []
    with LibOps.open(url) as ops:
        ids, cursor = [], None
        while True:
            page = ops.posts.list(platform=Platform.WECHAT, limit=200, cursor=cursor)
            ids.extend(row["id"] for row in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        for post_id in ids:
            post = ops.posts.get(post_id)
            receipt = post.receipt(Platform.WECHAT)
            if receipt is None:
                continue
            latest = post.latest_metrics(Platform.WECHAT)
            found.append(
                {
                    "title": post.title,
                    "day": receipt.published_at.astimezone(BEIJING).date(),
                    "url": receipt.url,
                    "reads": 0 if latest is None else latest.reads,
                    "shares": 0 if latest is None else latest.shares,
                    "follows": 0 if latest is None else latest.followers_gained or 0,
                }
            )
    return found


def articles(demo: list[dict[str, object]]) -> list[dict[str, object]]:
    """Every article of the export: the demo's (totals read later), by hand, before libops."""
    rng = random.Random("libops-demo-wechat-export")
    rows = []
    for item in demo:
        reads = int(item["reads"])  # type: ignore[call-overload]
        rows.append(
            {
                **item,
                "reads": reads + rng.randrange(20, 60) + reads // rng.randrange(12, 25),
                "shares": int(item["shares"]) + rng.randrange(0, 8),  # type: ignore[call-overload]
                "follows": int(item["follows"]) + rng.randrange(0, 4),  # type: ignore[call-overload]
            }
        )
    for title, day in (*BEFORE_LIBOPS, *BY_HAND):
        rows.append(
            {
                "title": title,
                "day": day,
                "url": "https://mp.weixin.qq.com/s/"
                + "".join(rng.choice(_SLUG) for _ in range(22)),
                "reads": rng.randrange(900, 2_600),
                "shares": rng.randrange(15, 160),
                "follows": rng.randrange(0, 30),
            }
        )
    rows.sort(key=lambda r: (r["day"], r["title"]))  # type: ignore[arg-type, return-value]
    return rows


def follower_days(rows: list[dict[str, object]]) -> list[tuple[date, int, int, int, int]]:
    """(day, gained, lost, net, total) for each day of 2026 H1."""
    rng = random.Random("libops-demo-wechat-growth")
    drawn: Counter[date] = Counter()
    for row in rows:
        drawn[row["day"]] += int(row["follows"])  # type: ignore[index, call-overload]
    days, total, day = [], START_TOTAL, FIRST
    while day <= LAST:
        base = rng.randrange(8, 26) if day.month <= 3 else rng.randrange(14, 34)
        if date(2026, 4, 20) <= day <= date(2026, 4, 26):  # World Book Day week
            base *= 2
        gained = base + drawn[day]
        lost = rng.randrange(3, 15)
        total += gained - lost
        days.append((day, gained, lost, gained - lost, total))
        day += timedelta(days=1)
    return days


def write_article_totals(
    path: Path, rows: list[dict[str, object]], totals: dict[date, int]
) -> None:
    """The per-article totals as the back office writes them (BIFF8 .xls, one sheet)."""
    import xlwt

    rng = random.Random("libops-demo-wechat-completion")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for column, name in enumerate(HEADER):
        sheet.write(0, column, name)
    for number, row in enumerate(rows, start=1):
        day: date = row["day"]  # type: ignore[assignment]
        delivered = totals[day]
        reads = int(row["reads"])  # type: ignore[call-overload]
        values = (
            row["title"],
            day.strftime("%Y%m%d"),
            float(reads),
            float(row["shares"]),  # type: ignore[arg-type]
            float(row["follows"]),  # type: ignore[arg-type]
            float(delivered),
            _ratio(min(reads / delivered, 1.0)),
            _ratio(rng.uniform(0.35, 0.72)),
            row["url"],
        )
        for column, value in enumerate(values):
            sheet.write(number, column, value)
    book.save(str(path))


def write_user_growth(path: Path, days: list[tuple[date, int, int, int, int]]) -> None:
    """The user-growth table as the back office writes it (HTML in UTF-8, named .xls)."""
    cells = "".join(
        f"<th>{name}</th>"
        for name in ("时间", "新关注人数", "取消关注人数", "净增关注人数", "累积关注人数")
    )
    body = "".join(
        f"<tr><td>{day.isoformat()}</td><td>{gained}</td><td>{lost}</td><td>{net}</td>"
        f"<td>{total}</td></tr>"
        for day, gained, lost, net, total in days
    )
    text = (
        '<html><head><meta charset="utf-8"></head><body><table><tr><th>用户增长</th></tr>'
        f"<tr>{cells}</tr>{body}</table></body></html>\n"
    )
    path.write_bytes(text.encode("utf-8"))


def make(out: Path) -> None:
    """Write both files into ``out``."""
    with tempfile.TemporaryDirectory() as scratch:
        demo = demo_articles(Path(scratch) / "demo.db")
    rows = articles(demo)
    days = follower_days(rows)
    write_article_totals(out / ARTICLE_TOTALS, rows, {d[0]: d[4] for d in days})
    write_user_growth(out / USER_GROWTH, days)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files")
    args = parser.parse_args()
    if not args.check:
        OUT.mkdir(parents=True, exist_ok=True)
        make(OUT)
        print(f"wrote {OUT / ARTICLE_TOTALS} and {OUT / USER_GROWTH}")
        return 0
    with tempfile.TemporaryDirectory() as fresh:
        make(Path(fresh))
        differ = [
            name
            for name in (ARTICLE_TOTALS, USER_GROWTH)
            if (Path(fresh) / name).read_bytes() != (OUT / name).read_bytes()
        ]
    if differ:
        print(f"differ from what the demo makes now: {', '.join(differ)}", file=sys.stderr)
        return 1
    print("the shipped exports are what the demo makes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
