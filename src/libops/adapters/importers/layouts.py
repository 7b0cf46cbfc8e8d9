"""What the importers read: the layouts of the platforms' exports (the column dictionaries of each
kind of export) and the mapping files that describe any other CSV.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

import attrs

from libops.domain.errors import ImportFileError
from libops.domain.values import COMMON_COUNTS, Format, Platform, to_platform

Table = list[tuple[int, list[str]]]
"""A table's rows as (row number in the file, text cells)."""

NO_DATA: Final = frozenset({"", "-", "--", "—", "N/A", "n/a"})
"""Cells that mean "no data" (not zero)."""


@attrs.frozen
class Layout:
    """How one kind of export names its columns.

    ``title``, ``url``, ``external_id`` and ``published_at`` name a column each (or are None);
    ``counts`` maps a common count to the column(s) that may hold it (the first present
    wins: Meta's ``Views`` was ``Impressions`` before 2025); ``extra`` the platform's own
    metrics to theirs, with how to read them (``count``, ``ratio`` or ``seconds``).
    """

    name: str
    platform: Platform = attrs.field(converter=to_platform)
    title: str | None
    published_at: str | None
    counts: Mapping[str, tuple[str, ...]]
    url: str | None = None
    external_id: str | None = None
    extra: Mapping[str, tuple[str, str]] = attrs.field(factory=dict)
    format: Format = Format.IMAGE_TEXT
    recognise: tuple[str, ...] = ()
    """Header cells that must all be present for the layout to be recognised (besides the
    columns it reads)."""
    account_level: bool = False
    observed_at: str | None = None
    """The column of the time the counts were observed (a mapping's ``observed_at``: a file
    of daily snapshots); None: the counts are observed when imported."""

    def required(self) -> tuple[str, ...]:
        """The columns a header must have to be this layout."""
        named = [
            c
            for c in (self.title, self.published_at, self.url, self.external_id, self.observed_at)
            if c
        ]
        return tuple(dict.fromkeys((*self.recognise, *named)))


LAYOUTS: Final[tuple[Layout, ...]] = (
    Layout(
        "wechat_articles",
        "wechat",
        title="内容标题",
        published_at="发表时间",
        url="内容url",
        counts={
            "reads": ("总阅读人数",),
            "shares": ("总分享人数",),
            "followers_gained": ("阅读后关注人数",),
        },
        extra={"read_completion": ("阅读完成率", "ratio")},
        recognise=("总阅读人数",),
    ),
    Layout(
        "douyin_works",
        "douyin",
        title="作品名称",
        published_at="发布时间",
        counts={
            "views": ("播放量",),
            "likes": ("点赞量",),
            "shares": ("分享量",),
            "comments": ("评论量",),
            "favourites": ("收藏量",),
            "followers_gained": ("粉丝增量",),
        },
        extra={
            "completion_rate": ("完播率", "ratio"),
            "avg_watch_seconds": ("平均播放时长", "seconds"),
        },
        format=Format.VIDEO,
        recognise=("播放量",),
    ),
    Layout(
        "facebook_posts",
        "facebook",
        title="Description",
        published_at="Publish time",
        url="Permalink",
        external_id="Post ID",
        counts={
            "views": ("Views", "Impressions"),
            "likes": ("Reactions",),
            "comments": ("Comments",),
            "shares": ("Shares",),
        },
        recognise=("Page ID",),
    ),
    Layout(
        "instagram_posts",
        "instagram",
        title="Description",
        published_at="Publish time",
        url="Permalink",
        external_id="Post ID",
        counts={
            "views": ("Views",),
            "likes": ("Likes",),
            "comments": ("Comments",),
            "shares": ("Shares",),
            "favourites": ("Saves",),
        },
        recognise=("Account ID",),
    ),
)

ACCOUNT_GROWTH: Final = ("时间", "新关注人数", "取消关注人数", "净增关注人数", "累积关注人数")
"""The header of WeChat's user-growth export (account-level figures, not posts): the day,
followers gained, lost, the net change and the total (the back office writes 累积)."""


# --- a layout's columns in a header ------------------------------------------------------


def _header_index(table: Table, required: Sequence[str]) -> int | None:
    for index, (_number, cells) in enumerate(table):
        if all(name in cells for name in required):
            return index
    return None


def _column(header: list[str], names: Iterable[str]) -> tuple[str, int] | None:
    for name in names:
        if name in header:
            return name, header.index(name)
    return None


# --- mapping files -------------------------------------------------------------------------


def load_mapping(path: str | Path) -> tuple[Layout, str | None]:
    """A column mapping (TOML or JSON) as a layout, and its time format if it names one.

    Keys: ``platform``; ``title``, ``url``, ``external_id``, ``published_at`` (column names);
    ``time_format`` (strptime, optional); ``observed_at`` (the column of the time the
    counts were observed, optional: a file of daily snapshots); ``counts`` (count name to
    column) and ``extra`` (own metric id to ``{column, kind}``, kind ``count``, ``ratio`` or
    ``seconds``).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ImportFileError(f"{path.name}: not a readable mapping file ({error})") from None
    if not isinstance(data, dict):
        raise ImportFileError(f"{path.name}: a mapping file is a table of keys")
    known = {
        "platform",
        "title",
        "url",
        "external_id",
        "published_at",
        "time_format",
        "observed_at",
        "counts",
        "extra",
        "format",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ImportFileError(f"{path.name}: unknown key {', '.join(unknown)}")
    if "platform" not in data:
        raise ImportFileError(f"{path.name}: the mapping names no platform")
    counts = data.get("counts", {})
    if not isinstance(counts, dict) or not counts:
        raise ImportFileError(f"{path.name}: counts must map at least one count to a column")
    bad = sorted(set(counts) - set(COMMON_COUNTS))
    if bad:
        raise ImportFileError(
            f"{path.name}: {', '.join(bad)} is not a count ({', '.join(COMMON_COUNTS)})"
        )
    extra = {}
    for metric, spec in dict(data.get("extra", {})).items():
        if (
            not isinstance(spec, dict)
            or spec.get("kind", "count") not in ("count", "ratio", "seconds")
            or not isinstance(spec.get("column"), str)
        ):
            raise ImportFileError(
                f"{path.name}: extra.{metric} needs a column and a kind (count, ratio, seconds)"
            )
        extra[metric] = (spec["column"], spec.get("kind", "count"))
    for key in ("title", "url", "external_id", "published_at", "time_format", "observed_at"):
        if key in data and not isinstance(data[key], str):
            raise ImportFileError(f"{path.name}: {key} must be a column name")
    if not any(data.get(k) for k in ("url", "external_id")) and not (
        data.get("title") and data.get("published_at")
    ):
        raise ImportFileError(
            f"{path.name}: map a url or external_id column, or title and published_at"
        )
    try:
        layout = Layout(
            f"mapping {path.name}",
            data["platform"],
            title=data.get("title"),
            published_at=data.get("published_at"),
            url=data.get("url"),
            external_id=data.get("external_id"),
            counts={name: (str(column),) for name, column in counts.items()},
            extra=extra,
            format=Format(data.get("format", Format.IMAGE_TEXT.value)),
            observed_at=data.get("observed_at"),
        )
    except ValueError as error:
        raise ImportFileError(f"{path.name}: {error}") from None
    return layout, data.get("time_format")


def load_mapping_for(
    mapping: str | Path, platform: Platform | str | None
) -> tuple[Layout, str | None]:
    """:func:`load_mapping`, refused if ``platform`` is given and is not the one the mapping
    maps (the readers' ``--platform`` with ``--mapping``)."""
    layout, time_format = load_mapping(mapping)
    if platform is not None and to_platform(platform) is not layout.platform:
        given = to_platform(platform).value
        raise ImportFileError(f"{Path(mapping).name}: maps {layout.platform.value}, not {given}")
    return layout, time_format
