"""The bulk import path: a large CSV of metric snapshots, streamed, recorded in batches.

:meth:`libops.application.imports.ImportService.run_bulk` (``libops import --bulk``,
docs/import.md) reads the file twice, row by row, never holding it, its rows or its events
in memory:

1. **Check.** Every row is read, matched to a published post (by URL, external id, or title
   and publish time, as the ordinary path matches) and compared with what is recorded for
   that post: its own latest snapshot and the latest one recorded by any bulk import before
   (read from the ``MetricImport.BatchRecorded`` events, an index of one snapshot per post).
   A row that matches no post, matches two, repeats a post's observation time, is older than
   what is recorded, or holds a bad cell, refuses the file: the error names the file, the
   rows and the reason, and nothing is recorded. The file's SHA-256 digest is taken too.
2. **Record.** The rows are read again and those with new counts are recorded, in row order,
   as ``MetricImport.BatchRecorded`` events of up to :data:`~libops.domain.bulk.BATCH_ROWS`
   snapshots, one command (one atomic write) per batch, on the file's
   :class:`~libops.domain.bulk.MetricImport` (its id follows from the digest and options).
   ``MetricImport.Finished`` closes it.

The unit of atomicity is the batch. A run cut short (a crash, the store gone) leaves the
batches it acknowledged, and ``next_row`` on the import says where they end: running the
same import again checks the rows after it and records them, so nothing acknowledged is lost
and nothing is recorded twice. A finished import of the same file records nothing.

Memory holds one batch, the published posts (for matching) and one snapshot per post (for
comparing): it grows with the number of posts, not with the file.

This module holds the commands and the importer that runs them; the parts it builds on live
beside it: :mod:`~libops.application.bulk_rows` (the streamed rows, matching them to posts),
:mod:`~libops.application.bulk_check` (the check, its batches and refusals) and
:mod:`~libops.application.bulk_history` (the latest snapshot of each post, whichever path
recorded it). Their public names stay importable from here.
"""

from __future__ import annotations

import pickle
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import attrs

from libops.application.app import LibOpsApplication
from libops.application.bulk_check import (
    REFUSALS_SHOWN,
    _Batch,
    _Columns,
    _Planner,
    _spill,
    row_error,
)
from libops.application.bulk_history import (
    BulkSnapshots,
    _own_history,
    batch_latest,
    bulk_snapshots,
    later_snapshot,
    latest_snapshot,
    stale_from_bulk,
)
from libops.application.bulk_rows import (
    PostIndex,
    PublishedPost,
    StreamedExport,
    Streamer,
    _Latest,
    _latest,
    published_post,
)
from libops.application.commands import Command, CommandBus, Context, command, handles
from libops.application.drafts import get_post
from libops.domain.bulk import BATCH_ROWS, MetricImport, batch_posts, check_batch_order
from libops.domain.errors import (
    BulkImportError,
    ImportFileError,
    UnknownIdError,
)
from libops.domain.imports import authorize_import
from libops.domain.post import PlatformStatus, Post
from libops.domain.values import (
    Actor,
    Platform,
)

# --- commands ------------------------------------------------------------------------------


@command("import.bulk.start", requires=("import.apply",), calls=MetricImport.start)
@attrs.frozen
class StartBulkImport(Command[UUID]):
    """Begin the bulk import of a file (its name, SHA-256 digest, platform and rows)."""

    file: str
    digest: str
    platform: str
    rows: int
    options: str = ""


@command("import.bulk.batch", requires=("import.apply",))
@attrs.frozen
class RecordImportBatch(Command[None]):
    """Record one batch of a bulk import's snapshots, in columns (see
    ``MetricImport.BatchRecorded``). Each of ``posts`` must be a post published on the
    import's platform, with its own campaign in ``campaign_ids``."""

    import_id: UUID
    rows: tuple[int, ...]
    posts: tuple[str, ...]
    campaign_ids: tuple[str | None, ...]
    post_index: tuple[int, ...]
    times: tuple[str, ...]
    time_index: tuple[int, ...]
    counts: dict[str, tuple[int | None, ...]]
    extra: dict[str, tuple[int | str | None, ...]]
    lowered: tuple[str, ...]


_PUBLISHED: Final[
    weakref.WeakKeyDictionary[LibOpsApplication, set[tuple[str, str, str | None]]]
] = weakref.WeakKeyDictionary()
_PUBLISHED_LOCK: Final = threading.Lock()


def published_posts(app: LibOpsApplication) -> set[tuple[str, str, str | None]]:
    """The (post id, platform, campaign id) of the posts of ``app``'s store known, in this
    process, to be published on that platform in that campaign. Once true these facts stay
    true (a post's campaign is fixed when it is drafted, and a publication is never undone:
    a retracted post keeps its counts), so a batch's posts are loaded only once."""
    with _PUBLISHED_LOCK:
        known = _PUBLISHED.get(app)
        if known is None:
            known = _PUBLISHED[app] = set()
        return known


@handles(RecordImportBatch)
def record_import_batch(ctx: Context, actor: Actor, command: RecordImportBatch) -> None:
    """The batch's values checked as ``Post.record_metrics`` checks a snapshot (against
    libops's clock and its margin) and recorded on the import, then its posts checked
    against the store (the command may come as data, over HTTP, not only from
    :meth:`ImportService.run_bulk`): any refusal records nothing."""
    authorize_import(actor)
    metric_import = ctx.load(MetricImport, command.import_id)
    platform = metric_import.platform
    metric_import.record_batch(
        actor,
        **command.arguments("import_id"),
        now=ctx.now(),
        margin=ctx.deps.metrics_future_margin,
    )
    known = published_posts(ctx.app)
    history = _own_history(ctx.app)
    mark = history.mark(ctx.app)
    loaded: list[Post] = []
    for post_id, campaign_id in batch_posts(command.posts, command.campaign_ids):
        if (post_id, platform.value, campaign_id) in known and history.is_seeded(UUID(post_id)):
            continue
        try:
            post = ctx.load(Post, post_id)
        except (UnknownIdError, ValueError) as unknown:
            raise BulkImportError(f"a batch names {post_id!r}, which is not a post") from unknown
        if (
            platform not in post.platforms
            or post.platform_status(platform) is not PlatformStatus.PUBLISHED
        ):
            raise BulkImportError(
                f"a batch names post {post_id}, which is not published on {platform.value}"
            )
        own = None if post.campaign_id is None else str(post.campaign_id)
        if campaign_id != own:
            raise BulkImportError(
                f"a batch gives post {post_id} the campaign {campaign_id}, not its own ({own})"
            )
        loaded.append(post)
        known.add((post_id, platform.value, campaign_id))
    history.seed(ctx.app, loaded, mark)
    check_batch_order(
        rows=command.rows,
        posts=command.posts,
        post_index=command.post_index,
        times=command.times,
        time_index=command.time_index,
        counts=command.counts,
        lowered=command.lowered,
        latest=batch_latest(ctx.app, platform, command.posts),
    )


@command("import.bulk.finish", requires=("import.apply",), calls=MetricImport.finish)
@attrs.frozen
class FinishBulkImport(Command[None]):
    """Close a bulk import whose rows are all recorded."""

    import_id: UUID
    unchanged: int


# --- the report ----------------------------------------------------------------------------


@attrs.frozen
class BulkImportReport:
    """What a bulk import did (or, for a check, would do) with a file's rows."""

    file: str
    digest: str
    import_id: UUID
    platform: str
    rows: int
    """The file's post rows checked (after ``resumed_after``)."""
    recorded: int
    corrected: int
    unchanged: int
    skipped: int
    """Rows matching no post, left out (``matched_only``)."""
    batches: int
    """``MetricImport.BatchRecorded`` events written by this run."""
    resumed_after: int = 0
    """The last file row an earlier, unfinished run had recorded (0: a fresh start)."""
    done: bool = True
    """False for a check (:meth:`ImportService.preview_bulk`): nothing recorded."""

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``libops import --bulk --json``)."""
        return {
            "file": self.file,
            "digest": self.digest,
            "import_id": str(self.import_id),
            "platform": self.platform,
            "rows": self.rows,
            "recorded": self.recorded,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "batches": self.batches,
            "resumed_after": self.resumed_after,
            "done": self.done,
        }


# --- the bulk import -----------------------------------------------------------------------


class BulkImporter:
    """Checks and records a streamed CSV export (see the module's docstring)."""

    def __init__(self, bus: CommandBus, time_tolerance: Any) -> None:
        self.bus = bus
        self.tolerance = time_tolerance

    def run(
        self,
        actor: Actor | None,
        export: StreamedExport,
        *,
        file: str,
        options: str,
        matched_only: bool,
        batch_rows: int = BATCH_ROWS,
    ) -> BulkImportReport:
        """Check ``export`` then, with an ``actor``, record it (None: check only)."""
        if actor is not None:
            authorize_import(actor)
        if not 0 < batch_rows <= BATCH_ROWS:
            raise ImportFileError(f"a batch holds 1 to {BATCH_ROWS} rows, not {batch_rows}")
        app = self.bus.app
        digest = export.digest()
        import_id = MetricImport.id_for(digest, options)
        earlier = self._earlier(import_id)
        platform = export.platform
        after = 0 if earlier is None else max(earlier.next_row - 1, 0)
        if earlier is not None and earlier.finished:
            return BulkImportReport(
                file, digest, import_id, platform.value, 0, 0, 0, 0, 0, 0, after, actor is not None
            )
        index, latest = self._posts(platform)
        now = app.clock.now()
        margin = self.bus.deps.metrics_future_margin
        check = _Planner(platform, index, latest, now, margin, matched_only)
        with tempfile.TemporaryFile(prefix="libops-bulk-") as spill:
            planned = _spill(check.plan(export.values(after)), spill, batch_rows)
            refusal = check.refusal(file)
            if refusal is not None:
                raise refusal

            def report(batches: int, *, done: bool = True) -> BulkImportReport:
                return BulkImportReport(
                    file,
                    digest,
                    import_id,
                    platform.value,
                    check.checked,
                    planned.rows - planned.corrected,
                    planned.corrected,
                    check.unchanged,
                    check.skipped,
                    batches,
                    after,
                    done=done,
                )

            if actor is None or (planned.rows == 0 and earlier is None):  # nothing to record
                return report(0, done=actor is not None)
            if earlier is None:
                self.bus.execute(
                    actor, StartBulkImport(file, digest, platform.value, check.checked, options)
                )
            spill.seek(0)
            for _ in range(planned.batches):
                columns: _Columns = pickle.load(spill)
                self.bus.execute(actor, RecordImportBatch(import_id, *columns))
        self.bus.execute(actor, FinishBulkImport(import_id, check.unchanged))
        return report(planned.batches)

    def _earlier(self, import_id: UUID) -> MetricImport | None:
        return self.bus.app.find(MetricImport, import_id)

    def _posts(self, platform: Platform) -> tuple[PostIndex, dict[str, _Latest]]:
        """The platform's published posts, and the latest snapshot of each, its own or a
        bulk import's (:func:`latest_snapshot`)."""
        app, deps = self.bus.app, self.bus.deps
        bulk = BulkSnapshots(app, platform)
        own = _own_history(app)
        mark = own.mark(app)
        ids = app.originators(Post.Published.TOPIC)
        known = published_posts(app)
        posts = []
        latest: dict[str, _Latest] = {}
        loaded: list[Post] = []
        for post_id in ids:
            post = get_post(app, deps, post_id)
            published = published_post(post, platform)
            if published is None:
                continue
            loaded.append(post)
            known.add((published.key, platform.value, published.campaign))
            posts.append(published)
            snapshot = bulk.latest(post)
            if snapshot is not None:
                latest[str(post.id)] = _latest(snapshot)
        # Seeded now, so the batches' checks need not load these posts again.
        own.seed(app, loaded, mark)
        return PostIndex(posts, self.tolerance), latest


def options_key(
    platform: Platform | str | None, mapping: str | Path | None, timezone: str, matched_only: bool
) -> str:
    """What, besides the file, decides how its rows are read (part of the import's id)."""
    mapped = ""
    if mapping is not None:
        import hashlib

        try:
            mapped = hashlib.sha256(Path(mapping).read_bytes()).hexdigest()
        except OSError as error:
            raise ImportFileError(f"{mapping}: cannot be read ({error.strerror})") from None
    name = "" if platform is None else str(getattr(platform, "value", platform))
    return f"platform={name}\nmapping={mapped}\ntimezone={timezone}\nmatched_only={matched_only}"


__all__ = [
    "REFUSALS_SHOWN",
    "BulkImportReport",
    "BulkImporter",
    "BulkSnapshots",
    "FinishBulkImport",
    "PostIndex",
    "PublishedPost",
    "RecordImportBatch",
    "StartBulkImport",
    "StreamedExport",
    "Streamer",
    "_Batch",
    "_Planner",
    "_spill",
    "batch_latest",
    "bulk_snapshots",
    "later_snapshot",
    "latest_snapshot",
    "published_post",
    "published_posts",
    "row_error",
    "stale_from_bulk",
]
