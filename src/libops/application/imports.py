"""Importing the platforms' analytics exports: match each row to a post, then record.

:meth:`ImportService.preview` reads a file (through the reader it was given: libops's own,
:func:`libops.adapters.importers.read_export`), matches every row to a published post and
says what recording it would do, recording nothing. :meth:`ImportService.run` does the same
and then records it all through one command (``import.apply``), in one atomic write: every
row is read and checked before anything is recorded, so a bad file records nothing.

Matching (docs/import.md): a row matches the post published on its platform with the same
URL or external id; else, the post with the same title published within
:data:`TIME_TOLERANCE` of the row's publish time (the whole day when the file gives a day
only). Two candidates make the row ambiguous: it is refused, naming the row and the posts.
A row that matches no post is recorded as a post published outside libops
(:meth:`libops.domain.post.Post.record_external`), unless ``matched_only``.

The counts become a metric snapshot observed now: the same counts again record nothing (the
post's own rule), so importing the same file twice records nothing the second time; lower
counts are recorded as a correction (``Post.MetricsCorrected``).

Account-level days (WeChat's user growth) go to the account's
:class:`~libops.domain.followers.AccountFollowers` in the same write: a day's same figures
record nothing, other figures replace them. Matching reads every published post once per
import (posts are found from the ``Post.Published`` events), which suits the back offices'
monthly files. A large CSV of snapshots goes through the bulk path instead
(:meth:`ImportService.run_bulk`, :mod:`libops.application.bulk_imports`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import attrs

from libops.application.bulk_imports import (
    BulkImporter,
    BulkImportReport,
    BulkSnapshots,
    PostIndex,
    PublishedPost,
    Streamer,
    options_key,
    published_post,
    row_error,
    stale_from_bulk,
)
from libops.application.commands import (
    Command,
    CommandBus,
    Context,
    Executes,
    command,
    handles,
)
from libops.application.drafts import draft_seals, get_post
from libops.domain.bulk import BATCH_ROWS
from libops.domain.errors import (
    AmbiguousImportMatchError,
    FutureMetricsError,
    ImportFileError,
    LibopsError,
    StaleMetricsError,
    UnmatchedImportRowError,
)
from libops.domain.followers import AccountFollowers, FollowerDay, FollowerPeriod
from libops.domain.imports import ExportContents, ExportRow, FollowerRow, authorize_import
from libops.domain.post import Post
from libops.domain.values import Actor, MetricSnapshot, Platform, PublishReceipt, Role

TIME_TOLERANCE: Final = timedelta(minutes=10)
"""How far a row's publish time may be from a post's to match it by title."""

NEW: Final = "new"
MATCHED: Final = "matched"
REFUSED: Final = "refused"
SKIPPED: Final = "skipped"
ACCOUNT: Final = "account"

Reader = Callable[..., ExportContents]
"""Reads an export file into rows: ``reader(path, platform=, mapping=, timezone=)``."""

SYSTEM_READER: Final = Actor("libops.imports", [Role.OPERATIONS_ADMIN])
"""Makes an empty account's figures to answer a query (nothing is saved)."""


@attrs.frozen
class ImportLine:
    """What an import does (or would do) with one row of the file.

    ``action``: ``new`` (a post published outside libops, recorded with its counts),
    ``matched`` (the counts go to ``post_id``), ``refused`` (``reason`` says why),
    ``skipped`` (no match, and only matched rows were wanted) or ``account`` (a day of the
    account's follower figures; ``title`` is the day). ``metrics``: ``recorded``,
    ``corrected`` (a count went down), ``replaced`` (a day's follower figures changed) or
    ``unchanged`` (nothing to record).
    """

    row: int
    platform: str
    title: str | None
    action: str
    post_id: UUID | None = None
    metrics: str | None = None
    reason: str | None = None


@attrs.frozen
class ImportReport:
    """The rows of one file and what was (or would be) done with each."""

    file: str
    lines: tuple[ImportLine, ...]
    recorded: bool
    """False for a dry run (:meth:`ImportService.preview`)."""

    def count(self, action: str) -> int:
        """How many rows had ``action`` (new, matched, refused, skipped, account)."""
        return sum(1 for line in self.lines if line.action == action)

    @property
    def changes(self) -> int:
        """How many rows record something (a new post, or counts recorded or corrected)."""
        return sum(
            1
            for line in self.lines
            if line.action in (NEW, MATCHED, ACCOUNT) and line.metrics != "unchanged"
        )

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``libops import --json``)."""
        return {
            "file": self.file,
            "recorded": self.recorded,
            "new": self.count(NEW),
            "matched": self.count(MATCHED),
            "refused": self.count(REFUSED),
            "skipped": self.count(SKIPPED),
            "account_days": self.count(ACCOUNT),
            "changes": self.changes,
            "rows": [
                {
                    "row": line.row,
                    "platform": line.platform,
                    "title": line.title,
                    "action": line.action,
                    "post_id": None if line.post_id is None else str(line.post_id),
                    "metrics": line.metrics,
                    "reason": line.reason,
                }
                for line in self.lines
            ],
        }


def snapshot_of(
    row: ExportRow, now: datetime, latest: MetricSnapshot | None = None
) -> MetricSnapshot:
    """The row's counts as a snapshot observed when the file says, else ``now`` (counts
    without data are left out).

    With ``latest`` (the matched post's latest snapshot), a count or own metric the file does
    not give (no such column, or ``-``) keeps its latest value: a WeChat article export has no
    likes column, and that is no reason to record the post's likes as 0.
    """
    counts: dict[str, int | None] = {} if latest is None else latest.counts()
    counts.update({name: value for name, value in row.counts.items() if value is not None})
    extra = {**(latest.extra if latest is not None else {}), **row.extra}
    given = {name: value for name, value in counts.items() if value is not None}
    observed = now if row.observed_at is None else row.observed_at
    return MetricSnapshot(row.platform, observed, **given, extra=extra or None)


def external_receipt(row: ExportRow) -> PublishReceipt:
    """The receipt of a post published outside libops, from its row: its URL and id, or (an
    export without ids, such as Douyin's) an id derived from its title and publish time."""
    assert row.published_at is not None
    external_id = row.external_id
    if external_id is None:
        seed = f"{row.platform.value}\n{row.url or ''}\n{row.title}\n{row.published_at.isoformat()}"
        external_id = "export-" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    return PublishReceipt(row.platform, external_id, row.url or "", row.published_at)


@command(
    "import.apply",
    requires=(
        "import.apply",
        "post.record_metrics",
        "post.record_external",
        "account.record_followers",
    ),
)
@attrs.frozen
class ApplyImport(Command[tuple[tuple[str, UUID], ...]]):
    """Record an export's rows in one atomic write: each row's counts on the post it matched
    (its id in ``post_ids``) or, where that is None, on a new post published outside libops.
    Returns each row's metric outcome (``recorded``, ``corrected`` or ``unchanged``) and
    post id, then each follower day's (``recorded``, ``replaced`` or ``unchanged``) with the
    account figures' id. ``followers`` are days of ``followers_platform``'s account."""

    rows: tuple[ExportRow, ...]
    post_ids: tuple[UUID | None, ...]
    followers: tuple[FollowerDay, ...] = ()
    followers_platform: Platform | None = None


@handles(ApplyImport)
def apply_import(ctx: Context, actor: Actor, command: ApplyImport) -> tuple[tuple[str, UUID], ...]:
    authorize_import(actor)
    now = ctx.now()
    margin = ctx.deps.metrics_future_margin
    seals = draft_seals(ctx.deps)
    outcomes = []
    bulk: dict[Platform, BulkSnapshots] = {}  # read once per file, not once per row
    for row, post_id in zip(command.rows, command.post_ids, strict=True):
        if post_id is None:
            post = Post.record_external(
                actor,
                title=row.title or row.url or row.external_id or "",
                body=row.title or "",
                receipt=external_receipt(row),
                limits=ctx.deps.limits_for(row.platform),
                format=row.format,
                sealer=seals,
            )
            ctx.add(post)
        else:
            post = ctx.load(Post, post_id)
        snapshots = bulk.get(row.platform)
        if snapshots is None:
            snapshots = bulk[row.platform] = BulkSnapshots(ctx.app, row.platform)
        latest = snapshots.latest(post)
        snapshot = snapshot_of(row, now, latest)
        try:
            outcome = post.record_metrics(actor, snapshot, now=now, margin=margin, latest=latest)
        except StaleMetricsError as stale:
            raise stale_from_bulk(ctx.app, post, snapshot, stale) from None
        outcomes.append((outcome.value, post.id))
    if command.followers and command.followers_platform is not None:
        platform = command.followers_platform
        account = ctx.find(AccountFollowers, AccountFollowers.id_for(platform))
        if account is None:
            account = ctx.add(AccountFollowers.open(actor, platform))
        for done in account.record(actor, command.followers):
            outcomes.append((done, account.id))
    return tuple(outcomes)


class ImportService(Executes):
    """``ops.imports``: preview and run imports of analytics exports (docs/import.md)."""

    def __init__(self, bus: CommandBus, reader: Reader, streamer: Streamer | None = None) -> None:
        super().__init__(bus)
        self.reader = reader
        """The file reader (libops's: :func:`libops.adapters.importers.read_export`)."""
        self.streamer = streamer
        """The CSV streamer of the bulk path (libops's:
        :func:`libops.adapters.importers.stream_csv_export`)."""

    def preview_bulk(
        self,
        path: str | Path,
        *,
        platform: Platform | str | None = None,
        mapping: str | Path | None = None,
        matched_only: bool = False,
        timezone: str | None = None,
    ) -> BulkImportReport:
        """What a bulk import of the CSV at ``path`` would record (a check: records
        nothing); a refused row raises as :meth:`run_bulk` does."""
        return self._bulk(None, path, platform, mapping, matched_only, timezone, BATCH_ROWS)

    def run_bulk(
        self,
        actor: Actor,
        path: str | Path,
        *,
        platform: Platform | str | None = None,
        mapping: str | Path | None = None,
        matched_only: bool = False,
        timezone: str | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> BulkImportReport:
        """Import a large CSV of metric snapshots through the bulk path (docs/import.md):
        streamed, checked whole before anything is recorded, then recorded in batches of
        ``batch_rows`` snapshots (``MetricImport.BatchRecorded``). Running it again after
        an interruption finishes it; after it finished, records nothing."""
        return self._bulk(actor, path, platform, mapping, matched_only, timezone, batch_rows)

    def _bulk(
        self,
        actor: Actor | None,
        path: str | Path,
        platform: Platform | str | None,
        mapping: str | Path | None,
        matched_only: bool,
        timezone: str | None,
        batch_rows: int,
    ) -> BulkImportReport:
        if self.streamer is None:
            raise ImportFileError("this application has no CSV streamer for bulk imports")
        zone = timezone or self._deps.cadence.timezone
        export = self.streamer(path, platform=platform, mapping=mapping, timezone=zone)
        return BulkImporter(self._bus, TIME_TOLERANCE).run(
            actor,
            export,
            file=Path(path).name,
            options=options_key(platform, mapping, zone, matched_only),
            matched_only=matched_only,
            batch_rows=batch_rows,
        )

    def preview(
        self,
        path: str | Path,
        *,
        platform: Platform | str | None = None,
        mapping: str | Path | None = None,
        matched_only: bool = False,
        timezone: str | None = None,
    ) -> ImportReport:
        """What importing ``path`` would record (a dry run: records nothing)."""
        contents = self._read(path, platform, mapping, timezone)
        return self._plan(Path(path).name, contents, matched_only)[0]

    def run(
        self,
        actor: Actor,
        path: str | Path,
        *,
        platform: Platform | str | None = None,
        mapping: str | Path | None = None,
        matched_only: bool = False,
        timezone: str | None = None,
    ) -> ImportReport:
        """Import ``path``: record what :meth:`preview` shows, in one atomic write.

        A refused row refuses the whole file with the first refused row's own error
        (:class:`~libops.domain.errors.AmbiguousImportMatchError` for an ambiguous match,
        ``LimitExceededError`` for a count over the limit, ``FutureMetricsError``,
        ``StaleMetricsError`` for a row older than the post's latest counts,
        ``ImportFileError`` for a repeated row, ``UnmatchedImportRowError`` for a new post
        without a publish time), its message naming every refused row; nothing is recorded.
        """
        contents = self._read(path, platform, mapping, timezone)
        report, planned, errors = self._plan(Path(path).name, contents, matched_only)
        refused = [line for line in report.lines if line.action == REFUSED]
        if refused:
            error, cause = errors[refused[0].row]
            raise row_error(
                error,
                "; ".join(f"{report.file}, row {line.row}: {line.reason}" for line in refused),
                cause,
            )
        todo = [(row, post_id) for row, post_id, line in planned if line.metrics != "unchanged"]
        day_lines = [line for line in report.lines if line.action == ACCOUNT]
        days = [
            (follower, line)
            for follower, line in zip(contents.followers, day_lines, strict=True)
            if line.metrics != "unchanged"
        ]
        outcomes: tuple[tuple[str, UUID], ...] = ()
        if todo or days:
            outcomes = self._bus.execute(
                actor,
                ApplyImport(
                    tuple(r for r, _ in todo),
                    tuple(p for _, p in todo),
                    followers=tuple(f.figures for f, _ in days),
                    followers_platform=days[0][0].platform if days else None,
                ),
            )
        done = iter(outcomes)
        lines = []
        for _row, _post_id, line in planned:
            if line.metrics != "unchanged":
                metrics, post_id = next(done)
                line = attrs.evolve(line, metrics=str(metrics), post_id=UUID(str(post_id)))
            lines.append(line)
        for line in day_lines:
            if line.metrics != "unchanged":
                line = attrs.evolve(line, metrics=str(next(done)[0]))
            lines.append(line)
        others = [line for line in report.lines if line.action in (REFUSED, SKIPPED)]
        return ImportReport(report.file, (*lines, *others), recorded=True)

    def follower_days(
        self, platform: Platform | str, first: date | None = None, last: date | None = None
    ) -> list[FollowerDay]:
        """The account's recorded daily follower figures from ``first`` to ``last``."""
        account = self._followers(platform)
        return [] if account is None else account.days(first, last)

    def followers(self, platform: Platform | str, first: date, last: date) -> FollowerPeriod:
        """The account's follower growth from ``first`` to ``last``: gained, lost, net, the
        totals before and after, and the growth rate (粉丝增长率)."""
        account = self._followers(platform)
        if account is None:
            account = AccountFollowers.open(SYSTEM_READER, platform)
        return account.period(first, last)

    def _followers(self, platform: Platform | str) -> AccountFollowers | None:
        return self._app.find(AccountFollowers, AccountFollowers.id_for(platform))

    # --- reading and matching -------------------------------------------------------------

    def _follower_lines(self, followers: Sequence[FollowerRow]) -> list[ImportLine]:
        if not followers:
            return []
        account = self._followers(followers[0].platform)
        return [
            ImportLine(
                row.row,
                row.platform.value,
                row.figures.day.isoformat(),
                ACCOUNT,
                metrics=_follower_outcome(account, row.figures),
            )
            for row in followers
        ]

    def _read(
        self,
        path: str | Path,
        platform: Platform | str | None,
        mapping: str | Path | None,
        timezone: str | None,
    ) -> ExportContents:
        zone = timezone or self._deps.cadence.timezone
        return self.reader(path, platform=platform, mapping=mapping, timezone=zone)

    def _published(self, platforms: Iterable[Platform]) -> dict[Platform, PostIndex]:
        """The posts published on each of ``platforms``, indexed for matching (the bulk
        path's index: one set of matching rules)."""
        wanted = set(platforms)
        found: dict[Platform, list[PublishedPost]] = {p: [] for p in wanted}
        ids = self._app.originators(Post.Published.TOPIC)
        for post_id in ids:
            post = get_post(self._app, self._deps, post_id)
            for platform in wanted & set(post.platforms):
                published = published_post(post, platform)
                if published is not None:
                    found[platform].append(published)
        return {platform: PostIndex(posts, TIME_TOLERANCE) for platform, posts in found.items()}

    def _plan(
        self, file: str, contents: ExportContents, matched_only: bool
    ) -> tuple[
        ImportReport,
        list[tuple[ExportRow, UUID | None, ImportLine]],
        dict[int, tuple[type[LibopsError], LibopsError | None]],
    ]:
        """What each row does; with each refused row's error (its class and, if the row
        raised it, the error itself), by row number."""
        rows = contents.rows
        known = self._published({row.platform for row in rows})
        bulk = {platform: BulkSnapshots(self._app, platform) for platform in known}
        now = self._app.clock.now()
        limit = now + self._deps.metrics_future_margin
        planned: list[tuple[ExportRow, UUID | None, ImportLine]] = []
        errors: dict[int, tuple[type[LibopsError], LibopsError | None]] = {}
        seen: dict[tuple[Any, ...], int] = {}

        def refuse(
            row: ExportRow,
            line: ImportLine,
            reason: str,
            error: type[LibopsError],
            cause: LibopsError | None = None,
        ) -> None:
            planned.append((row, None, attrs.evolve(line, action=REFUSED, reason=reason)))
            errors[row.row] = (error, cause)

        for row in rows:
            line = ImportLine(row.row, row.platform.value, row.title, REFUSED)
            identity = (
                row.platform,
                row.url,
                row.external_id,
                row.title,
                row.published_at,
                row.observed_at,
            )
            if identity in seen:
                refuse(row, line, f"the same post as row {seen[identity]}", ImportFileError)
                continue
            seen[identity] = row.row
            try:
                snapshot = snapshot_of(row, now)
            except LibopsError as error:
                refuse(row, line, str(error), type(error), error)
                continue
            if snapshot.observed_at > limit:
                refuse(
                    row,
                    line,
                    f"observed at {snapshot.observed_at.isoformat()}, after the clock "
                    f"({now.isoformat()}): check the date",
                    FutureMetricsError,
                )
                continue
            candidates = known[row.platform].find(row)
            if len(candidates) > 1:
                names = ", ".join(str(c.post_id) for c in candidates)
                reason = f"matches {len(candidates)} posts ({names}): give its URL or id"
                refuse(row, line, reason, AmbiguousImportMatchError)
                continue
            if candidates:
                post = get_post(self._app, self._deps, candidates[0].post_id)
                latest = bulk[row.platform].latest(post)
                snapshot = snapshot_of(row, now, latest)
                metrics = "recorded"
                if latest is not None and snapshot.same_counts(latest):
                    metrics = "unchanged"
                elif latest is not None and snapshot.observed_at < latest.observed_at:
                    reason = (
                        f"observed at {snapshot.observed_at.isoformat()}, before the post's "
                        f"latest counts ({latest.observed_at.isoformat()})"
                    )
                    refuse(row, line, reason, StaleMetricsError)
                    continue
                elif latest is not None and snapshot.lowered(latest):
                    metrics = "corrected"
                line = attrs.evolve(line, action=MATCHED, post_id=post.id, metrics=metrics)
                planned.append((row, post.id, line))
            elif matched_only:
                planned.append((row, None, attrs.evolve(line, action=SKIPPED)))
            elif row.published_at is None:
                reason = "matches no post, and has no publish time to record it as a new one"
                refuse(row, line, reason, UnmatchedImportRowError)
            else:
                planned.append((row, None, attrs.evolve(line, action=NEW, metrics="recorded")))
        report = ImportReport(
            file,
            (*(line for _, _, line in planned), *self._follower_lines(contents.followers)),
            recorded=False,
        )
        kept = [(r, p, line) for r, p, line in planned if line.action in (NEW, MATCHED)]
        return report, kept, errors


def _follower_outcome(account: AccountFollowers | None, figures: FollowerDay) -> str:
    before = None if account is None else account.day(figures.day)
    if before is None:
        return "recorded"
    return "unchanged" if before == figures else "replaced"


__all__ = [
    "ACCOUNT",
    "MATCHED",
    "NEW",
    "REFUSED",
    "SKIPPED",
    "TIME_TOLERANCE",
    "ApplyImport",
    "BulkImportReport",
    "ImportLine",
    "ImportReport",
    "ImportService",
]
