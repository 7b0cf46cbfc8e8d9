"""Data analysis over the read models: clean, group, describe, correlate, compare, trend.

The method of the operations plan: **clean** the metric snapshots (remove duplicates, resolve
corrections, fill gaps), **group** the posts (by platform, which stands for its audience, by
content type, format, campaign, posting hour, weekday, ISO week), and **analyse** them
(descriptive statistics, correlation, trend over weeks). The functions are pure: only
:func:`observations` reads a view, from a :class:`~libops.projections.ProjectionEngine` that
has run the engagement projection, or from its documents.

Numbers are exact: counts are ``int``; rates and statistics are :class:`~decimal.Decimal`,
computed from exact fractions and rounded once, to 28 significant digits (half-even), whatever
the caller's decimal context. Round them for display yourself (``rate.quantize(Decimal(
"0.0001"))``). A rate whose denominator is 0 is ``None``, never 0 and never an error.

**Engagement rate** = engagements / reach, where engagements = likes + comments + shares +
favourites and reach is the count the platform reports as its reach (``reads`` on WeChat and
Weibo, ``views`` on Douyin and the others: :data:`libops.projections.engagement.REACH`), the
same denominator as the engagement projection. A group's rate is pooled: the sum of its
engagements over the sum of its reach (not the mean of its posts' rates).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any, Final, TypeAlias

import attrs

from libops.domain.errors import InvalidValueError
from libops.domain.values import MetricSnapshot, Platform
from libops.projections.engagement import ENGAGEMENT_COUNTS, ZONE, local_week
from libops.projections.engine import ProjectionEngine

__all__ = [
    "COUNTS",
    "DIMENSIONS",
    "MINIMUM_PAIRS",
    "NUMERIC_FIELDS",
    "PRECISION",
    "TREND_METRICS",
    "CleanReport",
    "Cleaned",
    "Correlation",
    "Description",
    "Group",
    "Observation",
    "Ranked",
    "Ranking",
    "Rejection",
    "SnapshotRecord",
    "Trend",
    "WeekPoint",
    "clean",
    "compare",
    "correlate",
    "describe",
    "group",
    "observations",
    "pearson",
    "quantile",
    "spearman",
    "total",
    "trend",
]

PRECISION: Final = 28
"""Significant digits of every computed Decimal (rates, means, deviations, coefficients)."""

_CONTEXT: Final = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN)

COUNTS: Final = ("reads", "views", "likes", "comments", "shares", "favourites", "followers_gained")
"""The cumulative counts of a snapshot (``followers_gained`` is ``None`` where not reported)."""

Number: TypeAlias = Decimal | int | float
"""What the statistics accept: Decimal, int, or a finite float (read as its shortest text)."""


# --- exact arithmetic -------------------------------------------------------------------


def _decimal(value: Fraction) -> Decimal:
    """``value`` rounded once to :data:`PRECISION` significant digits."""
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _sqrt(value: Fraction) -> Decimal:
    """The square root of a non-negative fraction, to :data:`PRECISION` digits."""
    # Scale up so the one rounding of the division loses nothing the root would show.
    return _CONTEXT.sqrt(
        Context(prec=PRECISION + 10).divide(Decimal(value.numerator), Decimal(value.denominator))
    )


def _rate(numerator: int, denominator: int) -> Decimal | None:
    return None if denominator == 0 else _decimal(Fraction(numerator, denominator))


def _exact(value: object, what: str) -> Fraction:
    """``value`` as an exact fraction, or :class:`InvalidValueError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        hint = " (convert text with Decimal(text))" if isinstance(value, str) else ""
        raise InvalidValueError(f"{what} must be a number, not {value!r}{hint}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValueError(f"{what} must be a finite number, not {value!r}")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidValueError(f"{what} must be a finite number, not {value!r}")
    return Fraction(value)


def _numbers(values: Iterable[Number | None], what: str) -> tuple[list[Fraction], int]:
    """The numbers of ``values`` as fractions (in order) and how many were ``None``."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidValueError(f"{what} must be a sequence of numbers, not {values!r}")
    found: list[Fraction] = []
    missing = 0
    for index, value in enumerate(values):
        if value is None:
            missing += 1
        else:
            found.append(_exact(value, f"{what}[{index}]"))
    return found, missing


def _whole(value: object, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValueError(f"{what} must be a whole number >= {minimum}, not {value!r}")
    return value


# --- observations -----------------------------------------------------------------------


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


# --- cleaning ---------------------------------------------------------------------------


def _count_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Negative counts are allowed here: clean() rejects them with a reason.
    if value is None and attribute.name == "followers_gained":
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"{attribute.name} must be a whole number, not {value!r}")


def _platform_name(value: object) -> str:
    try:
        return Platform(value.value if isinstance(value, Platform) else value).value
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise InvalidValueError(f"unknown platform {value!r} (known: {known})") from None


def _post_id(value: object) -> str:
    text = str(value) if value is not None and not isinstance(value, bool) else ""
    if not text.strip():
        raise InvalidValueError(f"a snapshot record needs a post id, not {value!r}")
    return text.strip()


def _observed_at(value: object) -> datetime:
    return _moment(value, "observed_at of a snapshot record")


def _correction_flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidValueError(f"{attribute.name} must be true or false, not {value!r}")


@attrs.frozen
class SnapshotRecord:
    """Raw cumulative counts of one post on one platform at one moment, as exported or recorded.

    Unlike :class:`~libops.domain.values.MetricSnapshot` a record may hold impossible values
    (a negative count): :func:`clean` rejects them with a reason. ``correction`` says the
    source marks the record as a correction of earlier counts (``Post.MetricsCorrected``);
    ``filled`` marks a record :func:`clean` added to fill a gap in a daily series.
    """

    post_id: str = attrs.field(converter=_post_id)
    platform: str = attrs.field(converter=_platform_name)
    observed_at: datetime = attrs.field(converter=_observed_at)
    reads: int = attrs.field(default=0, validator=_count_field)
    views: int = attrs.field(default=0, validator=_count_field)
    likes: int = attrs.field(default=0, validator=_count_field)
    comments: int = attrs.field(default=0, validator=_count_field)
    shares: int = attrs.field(default=0, validator=_count_field)
    favourites: int = attrs.field(default=0, validator=_count_field)
    followers_gained: int | None = attrs.field(default=None, validator=_count_field)
    correction: bool = attrs.field(default=False, validator=_correction_flag)
    filled: bool = attrs.field(default=False, validator=_correction_flag)

    @classmethod
    def of(
        cls, post_id: object, snapshot: MetricSnapshot, *, correction: bool = False
    ) -> SnapshotRecord:
        """The record of a recorded ``snapshot`` of ``post_id`` (a correction if said so)."""
        if not isinstance(snapshot, MetricSnapshot):
            raise InvalidValueError(f"expected a MetricSnapshot, not {snapshot!r}")
        return cls(
            post_id,
            snapshot.platform,
            snapshot.observed_at,
            reads=snapshot.reads,
            views=snapshot.views,
            likes=snapshot.likes,
            comments=snapshot.comments,
            shares=snapshot.shares,
            favourites=snapshot.favourites,
            followers_gained=snapshot.followers_gained,
            correction=correction,
        )

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> SnapshotRecord:
        """A record from a mapping (a row of an export): ``post_id``, ``platform``,
        ``observed_at`` (aware datetime or ISO text), counts (missing: 0; followers gained:
        ``None``) and optionally ``correction``. Unknown fields are refused (a typo)."""
        if not isinstance(row, Mapping):
            raise InvalidValueError(f"a snapshot record must be a mapping, not {row!r}")
        allowed = {"post_id", "platform", "observed_at", *COUNTS, "correction", "filled"}
        unknown = sorted(str(k) for k in row if k not in allowed)
        if unknown:
            raise InvalidValueError(
                f"unknown field(s) {', '.join(unknown)} in a snapshot record "
                f"(known: {', '.join(sorted(allowed))})"
            )
        for needed in ("post_id", "platform", "observed_at"):
            if needed not in row:
                raise InvalidValueError(f"a snapshot record needs {needed}: {dict(row)!r}")
        return cls(**row)

    def counts(self) -> dict[str, int | None]:
        """The cumulative counts by name."""
        return {name: getattr(self, name) for name in COUNTS}

    @property
    def series(self) -> tuple[str, str]:
        """The series the record belongs to: (post id, platform)."""
        return (self.post_id, self.platform)

    @property
    def local_day(self) -> date:
        """The day of ``observed_at`` in Asia/Shanghai."""
        return self.observed_at.astimezone(ZONE).date()


@attrs.frozen
class Rejection:
    """A record :func:`clean` left out, with its position in the input and the reason."""

    index: int
    record: SnapshotRecord
    reason: str


@attrs.frozen
class CleanReport:
    """What :func:`clean` did: counts of each repair and every rejected record with its reason.

    ``corrections_applied`` counts records that replaced earlier counts: a later record of
    the same post, platform and moment (the earlier one dropped), and records marked as
    corrections whose counts fall.
    """

    input_rows: int
    output_rows: int
    duplicates_removed: int
    corrections_applied: int
    gaps_filled: int
    rejected: tuple[Rejection, ...]


@attrs.frozen
class Cleaned:
    """The cleaned records (by post, platform, then time) and the report."""

    rows: tuple[SnapshotRecord, ...]
    report: CleanReport


def clean(records: Iterable[SnapshotRecord | Mapping[str, Any]]) -> Cleaned:
    """Clean raw metric snapshot records; deterministic for a given input order.

    In this order:

    1. **Exact duplicates** (every field equal) are removed, the first kept.
    2. **Negative counts** are rejected.
    3. **Several records of one post, platform and moment**: the last in input order wins,
       preferring one marked as a correction; the others are dropped (counted as
       corrections applied).
    4. **Falling counts**: walking each series in time, a record with any count lower than the
       last accepted one is rejected unless it is marked as a correction (then it is applied).
    5. **Gaps**: in each series's daily sequence (days in Asia/Shanghai, from its first to its
       last observed day), a day without a record gets one carrying the last cumulative counts
       forward, at the same time of day as that record, marked ``filled``.
    """
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
        raise InvalidValueError(f"clean needs a sequence of snapshot records, not {records!r}")
    rows: list[SnapshotRecord] = []
    for index, record in enumerate(records):
        if isinstance(record, SnapshotRecord):
            rows.append(record)
        elif isinstance(record, Mapping):
            try:
                rows.append(SnapshotRecord.from_mapping(record))
            except InvalidValueError as error:
                raise InvalidValueError(f"snapshot record {index}: {error}") from None
        else:
            raise InvalidValueError(
                f"snapshot record {index} must be a SnapshotRecord or a mapping, "
                f"not {type(record).__name__}"
            )

    rejected: list[Rejection] = []
    seen: set[SnapshotRecord] = set()
    unique: list[tuple[int, SnapshotRecord]] = []
    for index, record in enumerate(rows):
        if record in seen:
            continue
        seen.add(record)
        unique.append((index, record))
    duplicates = len(rows) - len(unique)

    valid: list[tuple[int, SnapshotRecord]] = []
    for index, record in unique:
        negative = [f"{n} {v}" for n, v in record.counts().items() if v is not None and v < 0]
        if negative:
            rejected.append(Rejection(index, record, f"negative count: {', '.join(negative)}"))
        else:
            valid.append((index, record))

    # One record per series and moment: the last, preferring a marked correction.
    corrections = 0
    moments: dict[tuple[str, str, datetime], tuple[int, SnapshotRecord]] = {}
    for index, record in valid:
        slot = (*record.series, record.observed_at)
        if slot in moments:
            corrections += 1
            if moments[slot][1].correction and not record.correction:
                continue
        moments[slot] = (index, record)

    series: dict[tuple[str, str], list[tuple[int, SnapshotRecord]]] = defaultdict(list)
    for slot in sorted(moments):
        index, record = moments[slot]
        series[record.series].append((index, record))

    cleaned: list[SnapshotRecord] = []
    filled = 0
    for key in sorted(series):
        accepted: list[SnapshotRecord] = []
        for index, record in series[key]:
            if accepted:
                fallen = _fallen(accepted[-1], record)
                if fallen and not record.correction:
                    rejected.append(
                        Rejection(index, record, f"counts fell without a correction: {fallen}")
                    )
                    continue
                if fallen:
                    corrections += 1
            accepted.append(record)
        gaps = _fill_gaps(accepted)
        filled += len(gaps)
        cleaned += sorted([*accepted, *gaps], key=lambda r: r.observed_at)

    report = CleanReport(
        input_rows=len(rows),
        output_rows=len(cleaned),
        duplicates_removed=duplicates,
        corrections_applied=corrections,
        gaps_filled=filled,
        rejected=tuple(sorted(rejected, key=lambda r: r.index)),
    )
    return Cleaned(tuple(cleaned), report)


def _fallen(before: SnapshotRecord, after: SnapshotRecord) -> str:
    """The counts lower in ``after`` than in ``before``, as text ('' if none)."""
    fallen = []
    for name in COUNTS:
        old, new = getattr(before, name), getattr(after, name)
        if old is not None and new is not None and new < old:
            fallen.append(f"{name} {old} -> {new}")
    return ", ".join(fallen)


def _fill_gaps(accepted: Sequence[SnapshotRecord]) -> list[SnapshotRecord]:
    """A record for each day without one between a series's first and last observed day."""
    gaps: list[SnapshotRecord] = []
    # The records are in time order, so the days strictly between two of them have none.
    for record, following in itertools.pairwise(accepted):
        for step in range(1, (following.local_day - record.local_day).days):
            gaps.append(
                attrs.evolve(
                    record,
                    observed_at=record.observed_at + timedelta(days=step),
                    correction=False,
                    filled=True,
                )
            )
    return gaps


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


# --- descriptive statistics -------------------------------------------------------------


@attrs.frozen
class Description:
    """Descriptive statistics of a list of numbers, as Decimal.

    ``stdev`` is the sample standard deviation (divisor n - 1; ``None`` for one value).
    Quartiles and median use linear interpolation between order statistics (Hyndman and
    Fan type 7, as ``statistics.quantiles(method="inclusive")``, numpy's default and
    Excel's QUARTILE.INC). ``missing`` counts the ``None`` values left out.
    """

    count: int
    missing: int
    mean: Decimal
    median: Decimal
    stdev: Decimal | None
    minimum: Decimal
    q1: Decimal
    q3: Decimal
    maximum: Decimal


def _quantile(ordered: Sequence[Fraction], p: Fraction) -> Fraction:
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def _probability(p: object) -> Fraction:
    value = _exact(p, "the quantile's probability")
    if not 0 <= value <= 1:
        raise InvalidValueError(f"the quantile's probability must be in [0, 1], not {p!r}")
    return value


def quantile(values: Iterable[Number | None], p: Number) -> Decimal:
    """The ``p``-quantile (0 to 1) of the numbers by linear interpolation (type 7);
    ``None`` values are ignored."""
    probability = _probability(p)
    found, missing = _numbers(values, "values")
    if not found:
        raise InvalidValueError(f"no numbers to take a quantile of ({missing} missing)")
    return _decimal(_quantile(sorted(found), probability))


def describe(values: Iterable[Number | None]) -> Description:
    """Count, mean, median, sample standard deviation, minimum, quartiles and maximum.

    ``None`` values are ignored and counted as missing; anything else that is not a
    Decimal, int or finite float is refused.
    """
    found, missing = _numbers(values, "values")
    if not found:
        raise InvalidValueError(f"no numbers to describe ({missing} missing)")
    ordered = sorted(found)
    n = len(ordered)
    mean = sum(ordered, Fraction(0)) / n
    stdev = None
    if n > 1:
        stdev = _sqrt(sum(((x - mean) ** 2 for x in ordered), Fraction(0)) / (n - 1))
    return Description(
        count=n,
        missing=missing,
        mean=_decimal(mean),
        median=_decimal(_quantile(ordered, Fraction(1, 2))),
        stdev=stdev,
        minimum=_decimal(ordered[0]),
        q1=_decimal(_quantile(ordered, Fraction(1, 4))),
        q3=_decimal(_quantile(ordered, Fraction(3, 4))),
        maximum=_decimal(ordered[-1]),
    )


# --- correlation ------------------------------------------------------------------------

MINIMUM_PAIRS: Final = 3
"""Fewer pairs than this give no correlation coefficient (two points always line up)."""


@attrs.frozen
class Correlation:
    """A correlation coefficient with the number of pairs it rests on.

    ``coefficient`` is ``None`` when it cannot be computed (fewer than 3 pairs, or a
    variable that does not vary), with ``reason`` saying why. ``missing`` counts the pairs
    left out because either value was ``None``.
    """

    method: str
    labels: tuple[str, str]
    n: int
    missing: int
    coefficient: Decimal | None
    reason: str | None = None

    @property
    def strength(self) -> str | None:
        """Cohen's (1988) bands of |r|: negligible (< 0.1), weak (< 0.3), moderate
        (< 0.5), strong (0.5 and over)."""
        if self.coefficient is None:
            return None
        size = abs(self.coefficient)
        if size < Decimal("0.1"):
            return "negligible"
        if size < Decimal("0.3"):
            return "weak"
        return "moderate" if size < Decimal("0.5") else "strong"

    @property
    def verdict(self) -> str:
        """One sentence: the direction and strength, or why there is no coefficient."""
        x, y = self.labels
        if self.coefficient is None:
            return f"no {self.method} correlation of {x} and {y}: {self.reason}"
        direction = (
            "positive" if self.coefficient > 0 else "negative" if self.coefficient < 0 else "no"
        )
        rounded = self.coefficient.quantize(Decimal("0.001"), ROUND_HALF_EVEN)
        return (
            f"{self.strength} {direction} {self.method} correlation of {x} and {y} "
            f"(r = {rounded}, n = {self.n})"
        )


def _pairs(
    xs: Iterable[Number | None], ys: Iterable[Number | None], labels: tuple[str, str]
) -> tuple[list[tuple[Fraction, Fraction]], int]:
    if (
        not isinstance(labels, tuple)
        or len(labels) != 2
        or not all(isinstance(label, str) and label for label in labels)
    ):
        raise InvalidValueError(f"labels must be two names, not {labels!r}")
    for values, label in ((xs, labels[0]), (ys, labels[1])):
        if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
            raise InvalidValueError(f"{label} must be a sequence of numbers, not {values!r}")
    left, right = list(xs), list(ys)
    if len(left) != len(right):
        raise InvalidValueError(
            f"{labels[0]} has {len(left)} values but {labels[1]} has {len(right)}: "
            f"a correlation pairs them one to one"
        )
    pairs: list[tuple[Fraction, Fraction]] = []
    missing = 0
    for index, (x, y) in enumerate(zip(left, right, strict=True)):
        exact_x = None if x is None else _exact(x, f"{labels[0]}[{index}]")
        exact_y = None if y is None else _exact(y, f"{labels[1]}[{index}]")
        if exact_x is None or exact_y is None:
            missing += 1
        else:
            pairs.append((exact_x, exact_y))
    return pairs, missing


def _undefined(
    method: str, pairs: list[tuple[Fraction, Fraction]], missing: int, labels: tuple[str, str]
) -> Correlation | None:
    """The answer without a coefficient (too few pairs, a constant variable), if so."""
    n = len(pairs)
    if n < MINIMUM_PAIRS:
        return Correlation(
            method,
            labels,
            n,
            missing,
            None,
            f"{n} complete pair(s); at least {MINIMUM_PAIRS} are needed",
        )
    for side, label in enumerate(labels):
        first = pairs[0][side]
        if all(pair[side] == first for pair in pairs):
            return Correlation(
                method,
                labels,
                n,
                missing,
                None,
                f"{label} is constant (every value is {_decimal(first)}): it cannot correlate",
            )
    return None


def _coefficient(
    method: str, pairs: list[tuple[Fraction, Fraction]], missing: int, labels: tuple[str, str]
) -> Correlation:
    """Pearson's r of ``pairs`` (at least 3, neither side constant), exact until one rounding."""
    n = len(pairs)
    mean_x = sum((x for x, _ in pairs), Fraction(0)) / n
    mean_y = sum((y for _, y in pairs), Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x, _ in pairs), Fraction(0))
    syy = sum(((y - mean_y) ** 2 for _, y in pairs), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in pairs), Fraction(0))
    # r² is exact, and |r| <= 1 survives the one rounding of its square root.
    size = _sqrt(sxy * sxy / (sxx * syy))
    return Correlation(method, labels, n, missing, size if sxy >= 0 else -size)


def pearson(
    xs: Iterable[Number | None],
    ys: Iterable[Number | None],
    *,
    labels: tuple[str, str] = ("x", "y"),
) -> Correlation:
    """Pearson's product-moment correlation of paired values (pairs with a ``None`` left out)."""
    pairs, missing = _pairs(xs, ys, labels)
    return _undefined("pearson", pairs, missing, labels) or _coefficient(
        "pearson", pairs, missing, labels
    )


def _ranks(values: Sequence[Fraction]) -> list[Fraction]:
    """Ranks from 1, ties given the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [Fraction(0)] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = Fraction(start + end + 2, 2)  # ranks start+1 .. end+1
        for i in order[start : end + 1]:
            ranks[i] = average
        start = end + 1
    return ranks


def spearman(
    xs: Iterable[Number | None],
    ys: Iterable[Number | None],
    *,
    labels: tuple[str, str] = ("x", "y"),
) -> Correlation:
    """Spearman's rank correlation: Pearson's on the ranks, ties ranked by their average."""
    pairs, missing = _pairs(xs, ys, labels)
    undefined = _undefined("spearman", pairs, missing, labels)
    if undefined is not None:
        return undefined
    ranked = zip(_ranks([x for x, _ in pairs]), _ranks([y for _, y in pairs]), strict=True)
    return _coefficient("spearman", list(ranked), missing, labels)


def _field(name: object) -> str:
    if name not in NUMERIC_FIELDS:
        raise InvalidValueError(
            f"cannot correlate {name!r}: choose from {', '.join(NUMERIC_FIELDS)}"
        )
    return str(name)


def correlate(
    rows: Iterable[Observation],
    x: str = "hour",
    y: str = "engagement_rate",
    *,
    method: str = "spearman",
) -> Correlation:
    """The correlation of two numeric fields of the observations (:data:`NUMERIC_FIELDS`),
    by ``"spearman"`` (default: robust to outliers and to non-linear but monotone links)
    or ``"pearson"``. For a category such as content type, use :func:`compare`."""
    chosen = {"pearson": pearson, "spearman": spearman}.get(method)
    if chosen is None:
        raise InvalidValueError(f"method must be 'pearson' or 'spearman', not {method!r}")
    fx, fy = _field(x), _field(y)
    found = _rows(rows)
    return chosen([getattr(r, fx) for r in found], [getattr(r, fy) for r in found], labels=(fx, fy))


# --- comparison of categories -----------------------------------------------------------


@attrs.frozen
class Ranked:
    """A group in a ranking: ``rank`` 1 is the highest pooled engagement rate (equal rates
    share a rank); ``None`` when the group has no reach or fewer posts than required."""

    rank: int | None
    group: Group
    post_rates: Description | None
    note: str | None = None


@attrs.frozen
class Ranking:
    """Groups ranked by pooled engagement rate, highest first; unranked ones last."""

    by: tuple[str, ...]
    entries: tuple[Ranked, ...]

    @property
    def best(self) -> Ranked | None:
        """The first ranked entry (``None`` if nothing could be ranked)."""
        return next((e for e in self.entries if e.rank is not None), None)

    def summary(self) -> str:
        """The ranking as lines of text with the figures behind each rate."""
        lines = []
        for entry in self.entries:
            g = entry.group
            place = f"{entry.rank}." if entry.rank is not None else "-"
            rate = "n/a" if g.engagement_rate is None else f"{g.engagement_rate:.4f}"
            line = (
                f"{place} {g.label}: engagement rate {rate} "
                f"({g.engagements} engagements / {g.reach} reach, "
                f"{g.posts} post{'' if g.posts == 1 else 's'})"
            )
            lines.append(line + (f" [{entry.note}]" if entry.note else ""))
        return "\n".join(lines)


def compare(
    rows: Iterable[Observation], by: str | Sequence[str] = "content_type", *, min_posts: int = 1
) -> Ranking:
    """Rank the groups of ``by`` (e.g. content type, or content type and hour) by pooled
    engagement rate, highest first, each with its n and the spread of its posts' own rates.

    A group with fewer than ``min_posts`` posts, or no reach, is listed unranked with a note.
    """
    least = _whole(min_posts, "min_posts", minimum=1)
    groups = group(rows, by)
    rankable = [g for g in groups if g.engagement_rate is not None and g.posts >= least]
    rankable.sort(key=lambda g: (-(g.engagement_rate or 0), g.key))
    entries: list[Ranked] = []
    previous: tuple[Decimal | None, int] = (None, 0)
    for place, g in enumerate(rankable, start=1):
        rank = previous[1] if g.engagement_rate == previous[0] else place
        previous = (g.engagement_rate, rank)
        entries.append(Ranked(rank, g, _post_rates(g)))
    ranked = {id(g) for g in rankable}
    for g in groups:
        if id(g) in ranked:
            continue
        note = "no reach" if g.engagement_rate is None else f"fewer than {least} posts"
        entries.append(Ranked(None, g, _post_rates(g), note))
    return Ranking(_dimensions(by), tuple(entries))


def _post_rates(g: Group) -> Description | None:
    rates = g.post_rates()
    return describe(rates) if any(r is not None for r in rates) else None


# --- trend over weeks -------------------------------------------------------------------

TREND_METRICS: Final = ("engagement_rate", "engagements", "reach", "posts", "followers_gained")


@attrs.frozen
class WeekPoint:
    """One ISO week of publication: its posts' totals and the change from the week before.

    Weeks without posts inside the span are included (0 posts, rate ``None``), so changes
    are truly week over week. ``engagements_change_ratio`` is the relative change
    (``None`` when the week before had none).
    """

    week: str
    monday: date
    posts: int
    engagements: int
    reach: int
    followers_gained: int
    engagement_rate: Decimal | None
    engagements_change: int | None
    engagements_change_ratio: Decimal | None
    engagement_rate_change: Decimal | None


@attrs.frozen
class Trend:
    """Weekly points and the least-squares slope of ``metric`` per week.

    ``direction`` is ``"rising"``, ``"falling"`` or ``"flat"`` by the slope's sign; slope
    and direction are ``None`` (with ``reason``) when fewer than two weeks have a value.
    """

    metric: str
    weeks: tuple[WeekPoint, ...]
    n: int
    slope: Decimal | None
    direction: str | None
    reason: str | None = None

    @property
    def verdict(self) -> str:
        """One sentence stating the slope and its sign, or why there is none."""
        if self.slope is None:
            return f"no trend of {self.metric}: {self.reason}"
        return (
            f"{self.metric} is {self.direction} by {self.slope:.6g} a week "
            f"(least squares over {self.n} weeks)"
        )


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def trend(rows: Iterable[Observation], metric: str = "engagement_rate") -> Trend:
    """Totals per ISO week of publication (Asia/Shanghai), week-over-week change, and the
    least-squares slope of ``metric`` (one of :data:`TREND_METRICS`) over the weeks.

    A week's figures are the latest counts of the posts published in it (as the engagement
    projection's ``week:`` roll-ups), not the engagement that happened during that week.
    """
    if metric not in TREND_METRICS:
        raise InvalidValueError(f"cannot trend {metric!r}: choose from {', '.join(TREND_METRICS)}")
    by_week = {g.key[0]: g for g in group(rows, "week")}
    if not by_week:
        return Trend(metric, (), 0, None, None, "no observations")
    mondays = sorted(_monday(str(w)) for w in by_week)
    first, last = mondays[0], mondays[-1]
    points: list[WeekPoint] = []
    before: WeekPoint | None = None
    for step in range((last - first).days // 7 + 1):
        monday = first + timedelta(weeks=step)
        year, number, _ = monday.isocalendar()
        name = f"{year}-W{number:02d}"
        g = by_week.get(name)
        engagements = g.engagements if g else 0
        rate = g.engagement_rate if g else None
        point = WeekPoint(
            week=name,
            monday=monday,
            posts=g.posts if g else 0,
            engagements=engagements,
            reach=g.reach if g else 0,
            followers_gained=g.followers_gained if g else 0,
            engagement_rate=rate,
            engagements_change=None if before is None else engagements - before.engagements,
            engagements_change_ratio=None
            if before is None
            else _rate(engagements - before.engagements, before.engagements),
            engagement_rate_change=None
            if before is None or before.engagement_rate is None or rate is None
            else _CONTEXT.subtract(rate, before.engagement_rate),
        )
        points.append(point)
        before = point
    values = [
        (Fraction(i), _exact(v, metric))
        for i, p in enumerate(points)
        if (v := getattr(p, metric)) is not None
    ]
    if len(values) < 2:
        return Trend(
            metric,
            tuple(points),
            len(values),
            None,
            None,
            f"{len(values)} week(s) with a value; a slope needs at least 2",
        )
    mean_x = sum((x for x, _ in values), Fraction(0)) / len(values)
    mean_y = sum((y for _, y in values), Fraction(0)) / len(values)
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in values), Fraction(0))
    sxx = sum(((x - mean_x) ** 2 for x, _ in values), Fraction(0))
    slope = sxy / sxx
    direction = "rising" if slope > 0 else "falling" if slope < 0 else "flat"
    return Trend(metric, tuple(points), len(values), _decimal(slope), direction)
