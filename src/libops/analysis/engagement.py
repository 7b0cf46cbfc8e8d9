"""Engagement observations (one per post and platform, read from the view) and their groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from libops.analysis.exact import COUNTS, _rate, _whole
from libops.domain.errors import InvalidValueError
from libops.projections.engagement import ENGAGEMENT_COUNTS, ZONE, local_week
from libops.projections.engine import ProjectionEngine


@attrs.frozen
class Observation:
    """One published post variant (a post on one platform) with its latest counts.

    ``hour`` (0 to 23), ``weekday`` (ISO: 1 is Monday, 7 is Sunday), ``day`` and ``week``
    (``2026-W10``) are those of ``published_at`` in Asia/Shanghai, as in the engagement
    projection's roll-ups. ``reach`` is the count named by ``reach_name`` and
    ``engagement_rate`` = ``engagements / reach`` (``None`` when the reach is 0).
    """

    post_id: str
    platform: str
    campaign_id: str | None
    content_type: str
    format: str
    published_at: datetime
    observed_at: datetime | None
    reads: int
    views: int
    likes: int
    comments: int
    shares: int
    favourites: int
    followers_gained: int | None
    reach_name: str

    @property
    def local_time(self) -> datetime:
        """The publish time in Asia/Shanghai."""
        return self.published_at.astimezone(ZONE)

    @property
    def hour(self) -> int:
        """The posting hour (0 to 23) in Asia/Shanghai."""
        return self.local_time.hour

    @property
    def weekday(self) -> int:
        """The posting weekday in Asia/Shanghai, ISO numbered: 1 Monday to 7 Sunday."""
        return self.local_time.isoweekday()

    @property
    def day(self) -> date:
        """The posting day in Asia/Shanghai."""
        return self.local_time.date()

    @property
    def week(self) -> str:
        """The ISO week of the posting day in Asia/Shanghai (``2026-W10``)."""
        return local_week(self.published_at)

    @property
    def engagements(self) -> int:
        """Likes + comments + shares + favourites."""
        return sum(getattr(self, name) for name in ENGAGEMENT_COUNTS)

    @property
    def reach(self) -> int:
        """The platform's reach count: reads (WeChat, Weibo) or views (the others)."""
        value: int = getattr(self, self.reach_name)
        return value

    @property
    def engagement_rate(self) -> Decimal | None:
        """Engagements / reach (exact to 28 digits), ``None`` when the reach is 0."""
        return _rate(self.engagements, self.reach)


NUMERIC_FIELDS: Final = (
    "hour",
    "weekday",
    *COUNTS,
    "engagements",
    "reach",
    "engagement_rate",
)
"""The numeric fields of an :class:`Observation` that :func:`correlate` can pair."""


def observations(
    source: ProjectionEngine | Mapping[str, Any],
    *,
    name: str = "engagement",
    include_unmeasured: bool = False,
) -> list[Observation]:
    """The observations of an engagement view: one per published post variant.

    ``source`` is a :class:`~libops.projections.ProjectionEngine` running the engagement
    projection (its view ``name`` is read as it stands: run the engine first) or that view's
    documents by key. Variants with no metric snapshot yet are left out unless
    ``include_unmeasured`` (their counts are zeros nobody observed). Sorted by publish time,
    then post id and platform.
    """
    if isinstance(source, ProjectionEngine):
        docs: Mapping[str, Any] = source.view(name)
    elif isinstance(source, Mapping):
        docs = source
    else:
        raise InvalidValueError(
            f"observations need a ProjectionEngine or an engagement view's documents, "
            f"not {type(source).__name__}"
        )
    found = [
        _observation(key, doc)
        for key, doc in docs.items()
        if isinstance(key, str) and key.startswith("post:")
    ]
    if not include_unmeasured:
        found = [o for o in found if o.observed_at is not None]
    return sorted(found, key=lambda o: (o.published_at, o.post_id, o.platform))


def _observation(key: str, doc: object) -> Observation:
    if not isinstance(doc, Mapping):
        raise InvalidValueError(f"engagement document {key!r} is not a dict: {doc!r}")
    try:
        counts = {name: doc[name] for name in COUNTS}
        fields = {name: doc[name] for name in ("post_id", "platform", "content_type", "format")}
        denominator = doc["denominator"]
        published, observed = doc["published_at"], doc["observed_at"]
        campaign = doc["campaign_id"]
    except KeyError as missing:
        raise InvalidValueError(
            f"engagement document {key!r} has no field {missing}: is it an engagement view?"
        ) from None
    for name, value in counts.items():
        if value is None and name == "followers_gained":
            continue
        _whole(value, f"{name} of engagement document {key!r}")
    if denominator not in ("reads", "views"):
        raise InvalidValueError(
            f"engagement document {key!r} has denominator {denominator!r}, not reads or views"
        )
    for name, value in fields.items():
        if not isinstance(value, str) or not value:
            raise InvalidValueError(f"{name} of engagement document {key!r} must be text")
    return Observation(
        post_id=fields["post_id"],
        platform=fields["platform"],
        campaign_id=None if campaign in (None, "none") else str(campaign),
        content_type=fields["content_type"],
        format=fields["format"],
        published_at=_moment(published, f"published_at of engagement document {key!r}"),
        observed_at=None
        if observed is None
        else _moment(observed, f"observed_at of engagement document {key!r}"),
        reach_name=denominator,
        **counts,
    )


def _moment(value: object, what: str) -> datetime:
    """An aware datetime (or ISO text with an offset) as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidValueError(f"{what} is not an ISO date and time: {value!r}") from None
    if not isinstance(value, datetime):
        raise InvalidValueError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(f"{what} must carry its time zone (an aware datetime): {value}")
    return value.astimezone(UTC)


# --- grouping ---------------------------------------------------------------------------


DIMENSIONS: Final[Mapping[str, Callable[[Observation], str | int]]] = {
    "platform": lambda o: o.platform,
    "content_type": lambda o: o.content_type,
    "format": lambda o: o.format,
    "campaign": lambda o: o.campaign_id or "none",
    "hour": lambda o: o.hour,
    "weekday": lambda o: o.weekday,
    "week": lambda o: o.week,
}
"""What :func:`group` can group by. A platform stands for its audience (Douyin's young
viewers, WeChat's subscribers); ``campaign`` is ``"none"`` for posts outside a campaign;
``hour`` (0 to 23), ``weekday`` (1 Monday to 7 Sunday) and ``week`` are of the publish time
in Asia/Shanghai."""


@attrs.frozen
class Group:
    """The posts of one group and their sums; ``engagement_rate`` = engagements / reach.

    ``key`` holds one value per dimension of ``by`` (empty for the total). ``posts`` counts
    post variants; ``followers_gained`` counts unreported as 0.
    """

    by: tuple[str, ...]
    key: tuple[str | int, ...]
    members: tuple[Observation, ...] = attrs.field(repr=False)
    posts: int
    reads: int
    views: int
    likes: int
    comments: int
    shares: int
    favourites: int
    followers_gained: int
    engagements: int
    reach: int
    engagement_rate: Decimal | None

    @property
    def label(self) -> str:
        """The key as text: ``content_type=news, hour=9`` (``all`` for the total)."""
        return ", ".join(f"{b}={k}" for b, k in zip(self.by, self.key, strict=True)) or "all"

    def post_rates(self) -> list[Decimal | None]:
        """Each member's own engagement rate (``None`` where its reach is 0)."""
        return [m.engagement_rate for m in self.members]


def _dimensions(by: str | Sequence[str]) -> tuple[str, ...]:
    chosen = (by,) if isinstance(by, str) else by
    if not isinstance(chosen, Sequence) or not all(isinstance(b, str) for b in chosen):
        raise InvalidValueError(f"group by a dimension name or a sequence of them, not {by!r}")
    chosen = tuple(chosen)
    if not chosen:
        raise InvalidValueError("group by at least one dimension (total() sums everything)")
    unknown = [b for b in chosen if b not in DIMENSIONS]
    if unknown:
        raise InvalidValueError(
            f"cannot group by {', '.join(map(repr, unknown))} (known: {', '.join(DIMENSIONS)})"
        )
    if len(set(chosen)) != len(chosen):
        raise InvalidValueError(f"a dimension is named twice in {chosen!r}")
    return chosen


def _rows(rows: Iterable[Observation]) -> list[Observation]:
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        raise InvalidValueError(f"expected a sequence of Observations, not {rows!r}")
    found = list(rows)
    for index, row in enumerate(found):
        if not isinstance(row, Observation):
            raise InvalidValueError(
                f"row {index} is a {type(row).__name__}, not an Observation "
                f"(build rows with observations(...))"
            )
    return found


def _summed(by: tuple[str, ...], key: tuple[str | int, ...], members: list[Observation]) -> Group:
    sums = {name: sum(getattr(m, name) or 0 for m in members) for name in COUNTS}
    engagements = sum(m.engagements for m in members)
    reach = sum(m.reach for m in members)
    return Group(
        by=by,
        key=key,
        members=tuple(members),
        posts=len(members),
        **sums,
        engagements=engagements,
        reach=reach,
        engagement_rate=_rate(engagements, reach),
    )


def group(rows: Iterable[Observation], by: str | Sequence[str]) -> list[Group]:
    """The observations grouped by one dimension or a combination (see :data:`DIMENSIONS`),
    with their sums and pooled engagement rate, sorted by key."""
    dimensions = _dimensions(by)
    members: dict[tuple[str | int, ...], list[Observation]] = defaultdict(list)
    for row in _rows(rows):
        members[tuple(DIMENSIONS[d](row) for d in dimensions)].append(row)
    return [_summed(dimensions, key, members[key]) for key in sorted(members)]


def total(rows: Iterable[Observation]) -> Group:
    """Every observation in one group (key ``()``): the totals and the overall rate."""
    return _summed((), (), _rows(rows))
