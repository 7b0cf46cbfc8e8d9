"""Cleaning metric snapshots: duplicates removed, corrections resolved, gaps filled."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from libops.analysis.engagement import _moment
from libops.analysis.exact import COUNTS
from libops.domain.errors import InvalidValueError
from libops.domain.values import MetricSnapshot, Platform
from libops.projections.engagement import ZONE

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
