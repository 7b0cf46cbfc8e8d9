"""The account's standing: what a Chinese library's report shows beyond the platforms' counts.

One :class:`Standing` per store keeps four kinds of record (issue 14, item 5):

- **peer rankings**: a ranking table imported for a period (the monthly culture-and-tourism
  new-media lists, Qingbo's library lists): its source, period, platform (or ``overall``),
  index, every row (library, value, rank) and which row is this library's. A table is known
  by its source, index, platform and period: recording it again replaces the earlier rows
  (the event says so, ``replaced``);
- **honours**: a title, the body that awarded it and the day, with a note; an honour may be
  withdrawn, with a reason (it then leaves the report, its history stays);
- **typical cases** (典型案例): a published post or a campaign chosen as a case, with its
  theme and why; a case may be unmarked, with a reason;
- **service uses** (线上服务人次): how many times readers used a library service through
  the accounts in a period (入馆预约 ``reservation``, 续借 ``renewal``, 证绑定
  ``card_binding``, 缴费 ``payment``, or any other kind named in words), counted per
  platform or channel. A later record for the same period and kind replaces the earlier
  (``replaced`` says so).

The records change no post, campaign or budget, and nothing else reads them but the
standing projection and the report. Events carry plain values (text, numbers, ``Decimal``,
days as ISO text, the :class:`~libops.domain.values.Period`), so no new stored type name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    DuplicateHonourError,
    HonourWithdrawnError,
    InvalidValueError,
    RankingTableError,
    TypicalCaseError,
    UnknownHonourError,
)
from libops.domain.permissions import authorize
from libops.domain.validation import reason_text, require_instance
from libops.domain.values import (
    COUNT_MAX,
    ITEMS_MAX,
    Actor,
    Period,
    Platform,
    at_most,
    require_count,
    require_day,
    require_line,
    require_text,
    storable_text,
)

STANDING_NAMESPACE: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/standing")

STANDING_ID: Final = uuid5(STANDING_NAMESPACE, "standing")
"""The id of the one :class:`Standing` of a store (the same in every store)."""

OVERALL: Final = "overall"
"""The platform of a ranking across every platform (a combined index)."""

SERVICE_KINDS: Final = ("reservation", "renewal", "card_binding", "payment")
"""The service kinds the report names in both languages (入馆预约, 续借, 证绑定, 缴费);
any other kind is kept as it was written."""

SUBJECT_KINDS: Final = ("post", "campaign")
"""What a typical case may be."""

RANKING_ROWS_MAX: Final = 10_000
"""The most rows a ranking table holds (the national public-library lists hold about 3,300)."""

NOTE_MAX: Final = 4_000
"""The longest note on an honour, or explanation of why a case is typical."""

SOURCE_MAX: Final = 500
"""The longest name of a ranking's source."""


def ranking_value(value: object) -> Decimal:
    """``value`` as a finite Decimal (text may hold thousands separators), or
    :class:`RankingTableError`."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise RankingTableError(
            f"a ranking value is a number (Decimal, int or text), not {type(value).__name__}"
        )
    try:
        number = Decimal(value.strip().replace(",", "") if isinstance(value, str) else value)
    except InvalidOperation:
        raise RankingTableError(f"a ranking value must be a number, not {value!r}") from None
    if not number.is_finite():
        raise RankingTableError(f"a ranking value must be a finite number, not {value!r}")
    if abs(number) > COUNT_MAX:
        raise RankingTableError(f"a ranking value must be at most {COUNT_MAX:,} in size")
    return number


def _library_name(value: object) -> str:
    return require_line("a ranked library's name", value)


def _channel(value: object) -> str:
    return require_line("a service channel", value)


def _use_count(value: object) -> int:
    return require_count("a service use count", value)


@attrs.frozen
class RankingRow:
    """One row of a ranking table: a library, its index value and its rank (1 is first;
    libraries tied share a rank)."""

    name: str = attrs.field(converter=_library_name)
    value: Decimal = attrs.field(converter=ranking_value)
    rank: int

    def __attrs_post_init__(self) -> None:
        if isinstance(self.rank, bool) or not isinstance(self.rank, int):
            raise RankingTableError(
                f"a rank is a whole number, not {type(self.rank).__name__} ({self.name})"
            )
        if not 1 <= self.rank <= RANKING_ROWS_MAX:
            raise RankingTableError(
                f"{self.name}'s rank is {self.rank}: a rank is from 1 to {RANKING_ROWS_MAX:,}"
            )


@attrs.frozen
class ServiceCount:
    """How many times a service was used through one platform or channel (``wechat``,
    ``mini-program``, ...)."""

    channel: str = attrs.field(converter=_channel)
    count: int = attrs.field(converter=_use_count)


@attrs.frozen
class Ranking:
    """A ranking table as recorded, with this library's row."""

    ranking_id: str
    source: str
    period: Period
    platform: str
    index: str
    rows: tuple[RankingRow, ...]
    us: str

    @property
    def ours(self) -> RankingRow:
        """This library's row."""
        return next(row for row in self.rows if row.name == self.us)

    @property
    def leader(self) -> RankingRow:
        """The first row (the best rank; the first listed of those tied)."""
        return min(self.rows, key=lambda row: row.rank)


@attrs.frozen
class Honour:
    """An honour the library received; ``withdrawn`` holds the reason once withdrawn."""

    honour_id: str
    title: str
    awarded_by: str
    awarded_on: date
    note: str
    withdrawn: str | None = None


@attrs.frozen
class TypicalCase:
    """A post or campaign chosen as a typical case (典型案例), with its theme and why."""

    subject_kind: str
    subject_id: UUID
    title: str
    theme: str
    why: str


@attrs.frozen
class ServiceUses:
    """The service uses of one kind in one period, by channel."""

    period: Period
    kind: str
    counts: tuple[ServiceCount, ...]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)


def ranking_key(source: str, index: str, platform: str, period: Period) -> str:
    """The id of a ranking table: its source, index, platform and period."""
    key = f"{source}\n{index}\n{platform}\n{period.start.isoformat()}\n{period.end.isoformat()}"
    return str(uuid5(STANDING_NAMESPACE, f"ranking:{key}"))


def honour_key(title: str, awarded_by: str, awarded_on: date) -> str:
    """The id of an honour: its title, awarding body and day."""
    return str(uuid5(STANDING_NAMESPACE, f"honour:{title}\n{awarded_by}\n{awarded_on}"))


def services_key(period: Period, kind: str) -> str:
    """Where the service uses of ``kind`` in ``period`` are kept."""
    return f"{period.start.isoformat()}:{period.end.isoformat()}:{kind}"


def ranking_platform(value: object) -> str:
    """``overall`` or a platform's name."""
    if isinstance(value, Platform):
        return value.value
    value = require_instance(str, value, "a ranking's platform is text")
    text = value.strip().lower()
    if text != OVERALL and text not in {p.value for p in Platform}:
        choices = ", ".join([OVERALL, *(p.value for p in Platform)])
        raise InvalidValueError(
            f"{value!r} is not a ranking's platform; expected one of: {choices}"
        )
    return text


def _rows(values: Iterable[object]) -> tuple[RankingRow, ...]:
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise RankingTableError(f"a ranking's rows are a list, not {type(values).__name__}")
    rows = at_most("a ranking's rows", values, RANKING_ROWS_MAX)
    if not rows:
        raise RankingTableError("a ranking table has at least one row")
    seen: set[str] = set()
    checked: list[RankingRow] = []
    for row in rows:
        if not isinstance(row, RankingRow):
            raise RankingTableError(f"a ranking's rows are RankingRow values, not {row!r}")
        if row.name in seen:
            raise RankingTableError(f"{row.name} is listed twice in the ranking")
        seen.add(row.name)
        checked.append(row)
    return tuple(checked)


def _period(value: object) -> Period:
    return require_instance(Period, value, "a period is a Period")


def _day(field: str, value: object) -> date:
    # A datetime is taken here (its day is checked): a date is what is asked for.
    return require_day(field, require_instance(date, value, f"{field} is a date"))


class Standing(Aggregate):
    """The account's standing: peer rankings, honours, typical cases and service uses."""

    TOPIC = "libops:Standing"

    class Event(events.Event):
        TOPIC = "libops:Standing.Event"

    class Started(events.Created):
        """The store's first standing record was given (recorded with it)."""

        TOPIC = "libops:Standing.Started"
        actor_id: str

    class RankingRecorded(events.Event):
        """A peer ranking table was recorded; ``replaced``: it replaces an earlier record of
        the same table (source, index, platform, period). Each row is ``name``, ``value``
        (Decimal) and ``rank``; ``us`` names this library's row."""

        TOPIC = "libops:Standing.RankingRecorded"
        actor_id: str
        ranking_id: str
        source: str
        period: Period
        platform: str
        index: str
        rows: list[dict[str, Any]]
        us: str
        replaced: bool

    class HonourRecorded(events.Event):
        """An honour was recorded: title, awarding body, day (ISO text), note."""

        TOPIC = "libops:Standing.HonourRecorded"
        actor_id: str
        honour_id: str
        title: str
        awarded_by: str
        awarded_on: str
        note: str

    class HonourWithdrawn(events.Event):
        """An honour was withdrawn (recorded in error, or revoked), with the reason."""

        TOPIC = "libops:Standing.HonourWithdrawn"
        actor_id: str
        honour_id: str
        reason: str

    class TypicalCaseMarked(events.Event):
        """A published post or a campaign was chosen as a typical case; ``title`` is the
        post's published title or the campaign's name when marked."""

        TOPIC = "libops:Standing.TypicalCaseMarked"
        actor_id: str
        subject_kind: str
        subject_id: UUID
        title: str
        theme: str
        why: str

    class TypicalCaseUnmarked(events.Event):
        """A typical case was unmarked, with the reason."""

        TOPIC = "libops:Standing.TypicalCaseUnmarked"
        actor_id: str
        subject_id: UUID
        reason: str

    class ServiceUsesRecorded(events.Event):
        """Service uses of one kind in a period, by channel (``counts``: channel -> uses);
        ``replaced``: an earlier record of the same period and kind is replaced."""

        TOPIC = "libops:Standing.ServiceUsesRecorded"
        actor_id: str
        period: Period
        kind: str
        counts: dict[str, int]
        replaced: bool

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return STANDING_ID

    @classmethod
    def start(cls, actor: Actor) -> Standing:
        """The store's standing, started by ``actor``. It is saved only together with the
        first record, whose method checks ``actor``'s role against the role table (a
        literal command name each), so starting needs no check of its own."""
        return cls(actor_id=actor.id)

    @event(Started)
    def __init__(self, actor_id: str) -> None:
        self.started_by = actor_id
        self.rankings: dict[str, Ranking] = {}
        self.honours: dict[str, Honour] = {}
        self.cases: dict[UUID, TypicalCase] = {}
        self.services: dict[str, ServiceUses] = {}

    # --- peer rankings -------------------------------------------------------------------

    def record_ranking(
        self,
        actor: Actor,
        *,
        source: str,
        period: Period,
        index: str,
        rows: Iterable[RankingRow],
        us: str,
        platform: str = OVERALL,
    ) -> str:
        """Record a ranking table (replacing an earlier record of the same table); returns
        its id. ``us`` is this library's name as the table writes it."""
        authorize(actor, "standing.record_ranking")
        source = require_line("a ranking's source", source, max_length=SOURCE_MAX)
        period = _period(period)
        index = require_line("a ranking's index", index)
        platform = ranking_platform(platform)
        checked = _rows(rows)
        us = require_line("this library's name", us)
        if us not in {row.name for row in checked}:
            raise RankingTableError(f"this library, {us}, is not among the ranking's rows")
        ranking_id = ranking_key(source, index, platform, period)
        self._record_ranking(
            actor_id=actor.id,
            ranking_id=ranking_id,
            source=source,
            period=period,
            platform=platform,
            index=index,
            rows=[{"name": r.name, "value": r.value, "rank": r.rank} for r in checked],
            us=us,
            replaced=ranking_id in self.rankings,
        )
        return ranking_id

    @event(RankingRecorded)
    def _record_ranking(
        self,
        actor_id: str,
        ranking_id: str,
        source: str,
        period: Period,
        platform: str,
        index: str,
        rows: list[dict[str, Any]],
        us: str,
        replaced: bool,
    ) -> None:
        self.rankings[ranking_id] = Ranking(
            ranking_id,
            source,
            period,
            platform,
            index,
            tuple(RankingRow(r["name"], Decimal(r["value"]), int(r["rank"])) for r in rows),
            us,
        )

    # --- honours ---------------------------------------------------------------------------

    def record_honour(
        self, actor: Actor, *, title: str, awarded_by: str, awarded_on: date, note: str = ""
    ) -> str:
        """Record an honour; returns its id. :class:`DuplicateHonourError` if the same
        honour (title, awarding body, day) is recorded and not withdrawn."""
        authorize(actor, "standing.record_honour")
        title = require_line("an honour's title", title)
        awarded_by = require_line("the awarding body", awarded_by)
        awarded_on = _day("the day an honour was awarded", awarded_on)
        note = storable_text("an honour's note", note, max_length=NOTE_MAX).strip()
        honour_id = honour_key(title, awarded_by, awarded_on)
        known = self.honours.get(honour_id)
        if known is not None and known.withdrawn is None:
            raise DuplicateHonourError(
                f"the honour {title!r} from {awarded_by} on {awarded_on} is recorded already "
                f"(id {honour_id})"
            )
        self._record_honour(
            actor_id=actor.id,
            honour_id=honour_id,
            title=title,
            awarded_by=awarded_by,
            awarded_on=awarded_on.isoformat(),
            note=note,
        )
        return honour_id

    @event(HonourRecorded)
    def _record_honour(
        self, actor_id: str, honour_id: str, title: str, awarded_by: str, awarded_on: str, note: str
    ) -> None:
        self.honours[honour_id] = Honour(
            honour_id, title, awarded_by, date.fromisoformat(awarded_on), note
        )

    def withdraw_honour(self, actor: Actor, honour_id: str, reason: str) -> None:
        """Withdraw an honour (recorded in error, or revoked), saying why."""
        authorize(actor, "standing.withdraw_honour")
        honour_id = require_line("an honour's id", honour_id)
        reason = reason_text(reason, "the reason")
        known = self.honours.get(honour_id)
        if known is None:
            raise UnknownHonourError("honour", honour_id)
        if known.withdrawn is not None:
            raise HonourWithdrawnError("honour", "withdraw", "withdrawn")
        self._withdraw_honour(actor_id=actor.id, honour_id=honour_id, reason=reason)

    @event(HonourWithdrawn)
    def _withdraw_honour(self, actor_id: str, honour_id: str, reason: str) -> None:
        self.honours[honour_id] = attrs.evolve(self.honours[honour_id], withdrawn=reason)

    # --- typical cases ---------------------------------------------------------------------

    def mark_typical_case(
        self,
        actor: Actor,
        *,
        subject_kind: str,
        subject_id: UUID,
        title: str,
        theme: str,
        why: str,
    ) -> None:
        """Mark a post or campaign (checked to exist by the caller) as a typical case."""
        authorize(actor, "standing.mark_typical_case")
        if subject_kind not in SUBJECT_KINDS:
            raise InvalidValueError(
                f"a typical case is a {' or a '.join(SUBJECT_KINDS)}, not {subject_kind!r}"
            )
        if not isinstance(subject_id, UUID):
            raise InvalidValueError(f"a typical case's id is a UUID, not {subject_id!r}")
        if subject_id in self.cases:
            raise TypicalCaseError(f"the {subject_kind} {subject_id} is a typical case already")
        self._mark(
            actor_id=actor.id,
            subject_kind=subject_kind,
            subject_id=subject_id,
            title=require_line("the case's title", title),
            theme=require_line("the case's theme", theme),
            why=require_text("why it is a typical case", why, max_length=NOTE_MAX),
        )

    @event(TypicalCaseMarked)
    def _mark(
        self, actor_id: str, subject_kind: str, subject_id: UUID, title: str, theme: str, why: str
    ) -> None:
        self.cases[subject_id] = TypicalCase(subject_kind, subject_id, title, theme, why)

    def unmark_typical_case(self, actor: Actor, subject_id: UUID, reason: str) -> None:
        """Unmark a typical case, saying why."""
        authorize(actor, "standing.unmark_typical_case")
        reason = reason_text(reason, "the reason")
        if subject_id not in self.cases:
            raise TypicalCaseError(f"{subject_id} is not marked as a typical case")
        self._unmark(actor_id=actor.id, subject_id=subject_id, reason=reason)

    @event(TypicalCaseUnmarked)
    def _unmark(self, actor_id: str, subject_id: UUID, reason: str) -> None:
        del self.cases[subject_id]

    # --- service uses ----------------------------------------------------------------------

    def record_service_uses(
        self, actor: Actor, *, period: Period, kind: str, counts: Iterable[ServiceCount]
    ) -> bool:
        """Record the uses of a service in a period, by channel; returns whether an earlier
        record of the same period and kind was replaced."""
        authorize(actor, "standing.record_service_uses")
        period = _period(period)
        kind = require_line("a service's kind", kind)
        if isinstance(counts, str | bytes | Mapping) or not isinstance(counts, Iterable):
            raise InvalidValueError(
                f"service uses are a list of ServiceCount, not {type(counts).__name__}"
            )
        by_channel: dict[str, int] = {}
        for item in at_most("service uses by channel", counts, ITEMS_MAX):
            if not isinstance(item, ServiceCount):
                raise InvalidValueError(f"service uses are ServiceCount values, not {item!r}")
            if item.channel in by_channel:
                raise InvalidValueError(f"the channel {item.channel} is given twice")
            by_channel[item.channel] = item.count
        if not by_channel:
            raise InvalidValueError("service uses name at least one channel and its count")
        replaced = services_key(period, kind) in self.services
        self._record_services(
            actor_id=actor.id, period=period, kind=kind, counts=by_channel, replaced=replaced
        )
        return replaced

    @event(ServiceUsesRecorded)
    def _record_services(
        self, actor_id: str, period: Period, kind: str, counts: dict[str, int], replaced: bool
    ) -> None:
        self.services[services_key(period, kind)] = ServiceUses(
            period, kind, tuple(ServiceCount(c, n) for c, n in counts.items())
        )


__all__ = [
    "OVERALL",
    "RANKING_ROWS_MAX",
    "SERVICE_KINDS",
    "STANDING_ID",
    "SUBJECT_KINDS",
    "Honour",
    "Ranking",
    "RankingRow",
    "ServiceCount",
    "ServiceUses",
    "Standing",
    "TypicalCase",
]
