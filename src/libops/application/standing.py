"""Commands on the account's standing: peer rankings, honours, typical cases, service uses.

The store has one :class:`~libops.domain.standing.Standing`; the first standing command
starts it, in the same save as its own record. See docs/standing.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Final
from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
    items,
)
from libops.application.drafts import load_post
from libops.domain.campaign import Campaign
from libops.domain.errors import (
    InvalidValueError,
    RankingFileError,
    RankingTableError,
    TypicalCaseError,
)
from libops.domain.post import PlatformStatus
from libops.domain.standing import (
    OVERALL,
    RANKING_ROWS_MAX,
    STANDING_ID,
    RankingRow,
    ServiceCount,
    Standing,
    ranking_value,
)
from libops.domain.values import Actor, Period, require_uuid


def _standing(ctx: Context, actor: Actor) -> Standing:
    """The store's standing, started (and saved with the command) if it is not yet."""
    found = ctx.find(Standing, STANDING_ID)
    return found if found is not None else ctx.add(Standing.start(actor))


@command("standing.record_ranking")
@attrs.frozen(kw_only=True)
class RecordRanking(Command[str]):
    """Record a peer ranking table for a period, with this library's row; returns its id.

    Recording the same table again (source, index, platform, period) replaces its rows.
    """

    source: str
    period: Period
    index: str
    rows: tuple[RankingRow, ...] = attrs.field(converter=items)
    us: str
    platform: str = OVERALL


@handles(RecordRanking)
def record_ranking(ctx: Context, actor: Actor, command: RecordRanking) -> str:
    return _standing(ctx, actor).record_ranking(actor, **command.arguments())


@command("standing.record_honour")
@attrs.frozen(kw_only=True)
class RecordHonour(Command[str]):
    """Record an honour the library received; returns its id."""

    title: str
    awarded_by: str
    awarded_on: date
    note: str = ""


@handles(RecordHonour)
def record_honour(ctx: Context, actor: Actor, command: RecordHonour) -> str:
    return _standing(ctx, actor).record_honour(actor, **command.arguments())


@command("standing.withdraw_honour")
@attrs.frozen
class WithdrawHonour(Command[None]):
    """Withdraw a recorded honour (recorded in error, or revoked), saying why."""

    honour_id: str
    reason: str


@handles(WithdrawHonour)
def withdraw_honour(ctx: Context, actor: Actor, command: WithdrawHonour) -> None:
    _standing(ctx, actor).withdraw_honour(actor, command.honour_id, command.reason)


@command("standing.mark_typical_case")
@attrs.frozen(kw_only=True)
class MarkTypicalCase(Command[None]):
    """Choose a published post or a campaign as a typical case (典型案例), with its theme
    and why; ``subject_kind`` is ``post`` or ``campaign``."""

    subject_id: UUID | str = attrs.field(kw_only=False)
    theme: str
    why: str
    subject_kind: str = "post"


@handles(MarkTypicalCase)
def mark_typical_case(ctx: Context, actor: Actor, command: MarkTypicalCase) -> None:
    standing = _standing(ctx, actor)
    kind = command.subject_kind
    if kind == "campaign":
        campaign = ctx.load(Campaign, command.subject_id)
        subject_id, title = campaign.id, campaign.name
    elif kind == "post":
        post = load_post(ctx, command.subject_id)
        published = any(post.platform_status(p) is PlatformStatus.PUBLISHED for p in post.platforms)
        if post.withdrawn or not published:
            raise TypicalCaseError(
                f"post {post.id} is not published: only a published post is a typical case"
            )
        subject_id, title = post.id, post.title
    else:
        raise InvalidValueError(
            f"a typical case is a post or a campaign, not {kind!r} (subject_kind)"
        )
    standing.mark_typical_case(
        actor,
        subject_kind=kind,
        subject_id=subject_id,
        title=title,
        theme=command.theme,
        why=command.why,
    )


@command("standing.unmark_typical_case")
@attrs.frozen
class UnmarkTypicalCase(Command[None]):
    """Unmark a typical case, saying why."""

    subject_id: UUID | str
    reason: str


@handles(UnmarkTypicalCase)
def unmark_typical_case(ctx: Context, actor: Actor, command: UnmarkTypicalCase) -> None:
    subject_id = require_uuid("a typical case's id", command.subject_id)
    _standing(ctx, actor).unmark_typical_case(actor, subject_id, command.reason)


@command("standing.record_service_uses")
@attrs.frozen(kw_only=True)
class RecordServiceUses(Command[bool]):
    """Record how many times readers used a service through the accounts in a period, by
    platform or channel; returns whether an earlier record of that period and kind was
    replaced. Kinds: ``reservation`` (入馆预约), ``renewal`` (续借), ``card_binding``
    (证绑定), ``payment`` (缴费), or any other named in words."""

    period: Period
    kind: str
    counts: tuple[ServiceCount, ...] = attrs.field(converter=items)


@handles(RecordServiceUses)
def record_service_uses(ctx: Context, actor: Actor, command: RecordServiceUses) -> bool:
    return _standing(ctx, actor).record_service_uses(actor, **command.arguments())


# --- ranking tables as the ranking sites export them (CSV) ---------------------------------

RANKING_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "rank": ("排名", "名次", "rank"),
    "name": ("名称", "图书馆", "馆名", "账号名称", "name", "library"),
    "value": ("指数", "传播力指数", "得分", "value", "index"),
}
"""The header names (any one per column, any case) of the three columns a ranking CSV
holds; other columns are ignored."""

RANKING_FILE_MAX: Final = 20_000_000
"""The largest ranking file read, in bytes."""


def _decoded(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a BOM), else GB18030 (which the Chinese
    ranking sites' exports and Excel's 'CSV' on a Chinese Windows write)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            line = data[: utf8.start].count(b"\n") + 1
            raise RankingFileError(
                line, None, "the file is neither UTF-8 nor GB18030 text"
            ) from None


def _columns(header: Sequence[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    for column, aliases in RANKING_COLUMNS.items():
        for position, name in enumerate(names):
            if name in aliases:
                found[column] = (position, header[position].strip())
                break
        else:
            raise RankingFileError(
                1, None, f"the header has no {'/'.join(aliases[:2])} column (of {aliases})"
            )
    return found


def ranking_rows_from_csv(data: bytes) -> tuple[RankingRow, ...]:
    """The rows of a ranking table exported as CSV: a header naming the columns 排名/rank,
    名称/name and 指数/value (:data:`RANKING_COLUMNS`), then one library a line. A
    malformed file raises :class:`RankingFileError` naming the line and column."""
    if not isinstance(data, bytes):
        raise InvalidValueError(f"a ranking file is read as bytes, not {type(data).__name__}")
    if len(data) > RANKING_FILE_MAX:
        raise RankingFileError(None, None, f"the file is larger than {RANKING_FILE_MAX:,} bytes")
    reader = csv.reader(io.StringIO(_decoded(data), newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise RankingFileError(1, None, "the file is empty: a header line comes first")
        columns = _columns(header)
        rows: list[RankingRow] = []
        names: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= RANKING_ROWS_MAX:
                raise RankingFileError(line, None, f"more than {RANKING_ROWS_MAX:,} rows")
            given: dict[str, str] = {}
            for column, (position, label) in columns.items():
                if position >= len(cells) or not cells[position].strip():
                    raise RankingFileError(line, label, "the cell is empty")
                given[column] = cells[position].strip()
            rank_text = given["rank"]
            if not rank_text.isdigit() or not 1 <= int(rank_text) <= RANKING_ROWS_MAX:
                raise RankingFileError(
                    line,
                    columns["rank"][1],
                    f"a rank is a whole number from 1 to {RANKING_ROWS_MAX:,}, not {rank_text!r}",
                )
            try:
                value = ranking_value(given["value"])
            except RankingTableError as error:
                raise RankingFileError(line, columns["value"][1], str(error)) from None
            try:
                row = RankingRow(given["name"], value, int(rank_text))
            except InvalidValueError as error:
                raise RankingFileError(line, columns["name"][1], str(error)) from None
            if row.name in names:
                raise RankingFileError(
                    line, columns["name"][1], f"{row.name} is listed on line {names[row.name]} too"
                )
            names[row.name] = line
            rows.append(row)
    except csv.Error as error:
        raise RankingFileError(reader.line_num, None, f"not CSV: {error}") from None
    if not rows:
        raise RankingFileError(None, None, "the file holds a header and no row")
    return tuple(rows)


class StandingService(Executes):
    """Record peer rankings, honours, typical cases and service uses (see docs/standing.md)."""

    record_ranking = command_method(RecordRanking)
    record_honour = command_method(RecordHonour)
    withdraw_honour = command_method(WithdrawHonour)
    mark_typical_case = command_method(MarkTypicalCase)
    unmark_typical_case = command_method(UnmarkTypicalCase)
    record_service_uses = command_method(RecordServiceUses)

    def get(self) -> Standing | None:
        """The store's standing as it is now (a fresh copy), or None if nothing is recorded."""
        return self._app.find(Standing, STANDING_ID)


__all__ = [
    "MarkTypicalCase",
    "RecordHonour",
    "RecordRanking",
    "RecordServiceUses",
    "StandingService",
    "UnmarkTypicalCase",
    "WithdrawHonour",
]
