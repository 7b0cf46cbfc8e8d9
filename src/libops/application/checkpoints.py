"""Tamper evidence on the store: signed checkpoints of the log's Merkle tree, and verifying them.

``RecordCheckpoint`` hashes the events recorded since the last checkpoint (see
:mod:`libops.verify` for the leaf encoding and the tree), signs the new root with the store's
Ed25519 key and records a :class:`~libops.domain.checkpoint.Checkpoint`. The signing key is a
secret of the key store (outside the event store, like the readers' keys), under
:data:`SIGNING_KEY_SUBJECT`; the public key travels with every checkpoint.

:func:`verify_log` reads the whole log once and checks it against every checkpoint: each
signature, each root (recomputed from the leaf hashes the checkpoints keep, which ties those
to the signatures), and each event against its leaf hash, so the first event that no longer
matches is named by its position: changed, missing, out of place or added.

Both read the log's rows as stored, nothing decoded, through :class:`LogRows`: on SQLite
straight from the events table (the adapter ``libops.adapters.logrows``, wired in by
``libops.bootstrap``), elsewhere as the recorder's notifications. Neither reads the whole log
but :func:`verify_log`: a checkpoint finds the last one from the end of the log and hashes
only the events since, so it costs what those cost however long the log has grown.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from libops.application.app import LibOpsApplication
from libops.application.commands import Command, Context, command, handles, stored_result
from libops.application.dependencies import Dependencies
from libops.domain.checkpoint import Checkpoint
from libops.domain.errors import InvalidValueError
from libops.domain.ports import LogRows, StoredRow
from libops.domain.values import Actor
from libops.verify import (
    Frontier,
    LogReport,
    Problem,
    StoredCheckpoint,
    check_log_pages,
    checkpoint_bytes,
    checkpoint_time,
    leaf_bytes,
    leaf_hash,
    sign_checkpoint,
)

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder

SIGNING_KEY_SUBJECT: Final = "libops:checkpoint-signing-key"
"""The key store's entry whose 32 bytes are the seed of the store's Ed25519 signing key."""

MAX_LEAVES: Final = 50_000
"""The most events one checkpoint covers; a longer stretch is covered by several in a row."""

PAGE: Final = 5_000
"""How many events one read of the log returns."""


class RecorderLogRows:
    """Any store's rows, read as the recorder's notifications (an id written as ``uuid.hex``)."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._recorder = recorder

    def rows(self, after: int, stop: int, limit: int) -> Sequence[StoredRow]:
        """Up to ``limit`` events after position ``after`` and up to ``stop``, in log order."""
        return [
            (
                notification.id,
                aggregate_hex(notification.originator_id).encode("utf-8"),
                notification.originator_version,
                notification.topic.encode("utf-8"),
                bytes(notification.state),
            )
            for notification in self._recorder.select_notifications(
                after, limit, stop=stop, inclusive_of_start=False
            )
        ]


def log_rows(app: LibOpsApplication, deps: Dependencies) -> LogRows:
    """How checkpoints read ``app``'s log: the store's own reader, or the recorder's."""
    return deps.log_rows or RecorderLogRows(app.recorder)


@stored_result("libops.CheckpointInfo")
@attrs.frozen
class CheckpointInfo:
    """A recorded checkpoint, as an auditor keeps it: size, root, time, signature, key."""

    id: UUID
    size: int
    last_position: int
    root: str
    signed_at: str
    signature: str
    public_key: str

    def text(self) -> str:
        """The signed statement, with its signature, key and last position (to keep outside)."""
        signed = checkpoint_bytes(self.size, bytes.fromhex(self.root), self.signed_at).decode()
        return (
            signed + f"signature {self.signature}\npublic-key {self.public_key}\n"
            f"last-position {self.last_position}\n"
        )

    @classmethod
    def from_text(cls, text: str) -> CheckpointInfo:
        """A checkpoint read back from its :meth:`text` (its signature is not checked here)."""
        lines = text.strip().splitlines()
        try:
            _header, size, root, signed_at, *rest = lines
            extra = dict(line.split(" ", 1) for line in rest)
            info = cls(
                id=Checkpoint.id_for(int(size)),
                size=int(size),
                last_position=int(extra["last-position"]),
                root=root,
                signed_at=signed_at,
                signature=extra["signature"],
                public_key=extra["public-key"],
            )
            if info.text() != "\n".join(lines) + "\n":
                raise ValueError("its lines are out of form")
        except (ValueError, KeyError) as error:
            raise InvalidValueError(f"this is not a kept libops checkpoint ({error})") from None
        return info


@command("audit.checkpoint")
@attrs.frozen
class RecordCheckpoint(Command[CheckpointInfo | None]):
    """Sign the log's Merkle root over the events since the last checkpoint.

    Covers at most :data:`MAX_LEAVES` events; give it again to cover more. Returns None when
    nothing was recorded since the last checkpoint but that checkpoint itself.
    """


def checkpoint_info(checkpoint: Checkpoint | Checkpoint.Recorded) -> CheckpointInfo:
    """What an auditor keeps of a checkpoint (from the aggregate or its event)."""
    return CheckpointInfo(
        id=checkpoint.id if isinstance(checkpoint, Checkpoint) else checkpoint.originator_id,
        size=checkpoint.size,
        last_position=checkpoint.last_position,
        root=checkpoint.root,
        signed_at=checkpoint.signed_at,
        signature=checkpoint.signature,
        public_key=checkpoint.public_key,
    )


def checkpoint_events(app: LibOpsApplication) -> Iterator[Checkpoint.Recorded]:
    """Every recorded checkpoint's event, in log order."""
    for notification in app.notifications(Checkpoint.Recorded.TOPIC, page=50):
        event = app.mapper.to_domain_event(notification)
        assert isinstance(event, Checkpoint.Recorded)
        yield event


_FIRST_WINDOW: Final = 1_024


def last_checkpoint(app: LibOpsApplication) -> Checkpoint.Recorded | None:
    """The event of the latest checkpoint (only that one is decoded), or None.

    Looked for backwards from the end of the log, in windows twice as long each time, so
    that it costs in proportion to the events recorded since, not to the whole log.
    """
    end = app.recorder.max_notification_id() or 0
    window = _FIRST_WINDOW
    while end > 0:
        start = max(0, end - window)
        found = app.recorder.select_notifications(
            start, window, stop=end, topics=[Checkpoint.Recorded.TOPIC], inclusive_of_start=False
        )
        if found:
            event = app.mapper.to_domain_event(found[-1])
            assert isinstance(event, Checkpoint.Recorded)
            return event
        end, window = start, window * 2
    return None


def _is_checkpoint(app: LibOpsApplication, position: int) -> bool:
    (notification,) = app.recorder.select_notifications(position, 1, stop=position)
    return bool(notification.topic == Checkpoint.Recorded.TOPIC)


def aggregate_hex(originator: UUID | str) -> str:
    """An event's aggregate id as stored in leaves and bundles: 32 hex digits for a UUID."""
    return originator.hex if isinstance(originator, UUID) else str(originator)


def event_leaf(notification: Any) -> bytes:
    """The leaf hash of one stored event (see :func:`libops.leaf_bytes`)."""
    return leaf_hash(
        leaf_bytes(
            notification.id,
            aggregate_hex(notification.originator_id),
            notification.originator_version,
            notification.topic,
            bytes(notification.state),
        )
    )


_sha256 = hashlib.sha256
_NUMBER_AND_LENGTH = struct.Struct(">QI").pack
_LENGTH = struct.Struct(">I").pack


def leaf_hashes(rows: Sequence[StoredRow]) -> list[bytes]:
    """The leaf hash of each stored row: ``leaf_hash(leaf_bytes(...))``, in one tight loop.

    The leaf data is laid out here again, as :func:`libops.verify.leaf_bytes` lays it out
    (a test holds the two to each other), because building it row by row through that
    function's arguments costs as much as the hashing. ValueError names a row that has no
    leaf encoding.
    """
    pack, length = _NUMBER_AND_LENGTH, _LENGTH
    try:
        return [
            _sha256(
                b"\x00"
                + pack(at, len(ident))
                + ident
                + pack(version, len(topic))
                + topic
                + length(len(state))
                + state
            ).digest()
            for at, ident, version, topic, state in rows
        ]
    except (struct.error, TypeError):
        return [_row_leaf(row) for row in rows]  # the slow way says which row, and why


def _row_leaf(row: StoredRow) -> bytes:
    at, ident, version, topic, state = row
    try:
        data = leaf_bytes(at, ident.decode(), version, topic.decode(), bytes(state))
    except (TypeError, AttributeError, UnicodeDecodeError) as error:  # NULL, or not text
        raise ValueError(f"event {at} has no leaf encoding: {error}") from None
    return leaf_hash(data)


def _checked_leaf_hashes(rows: Sequence[StoredRow]) -> list[bytes]:
    """Like :func:`leaf_hashes`, but a row with no leaf encoding (only an altered one has
    none) gets an empty hash, which matches no leaf."""
    try:
        return leaf_hashes(rows)
    except ValueError:
        hashes = []
        for row in rows:
            try:
                hashes.append(_row_leaf(row))
            except ValueError:
                hashes.append(b"")
        return hashes


def _signing_key(ctx: Context) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(ctx.deps.keys.get_or_create(SIGNING_KEY_SUBJECT))


@handles(RecordCheckpoint)
def record_checkpoint(
    ctx: Context, actor: Actor, _command: RecordCheckpoint
) -> CheckpointInfo | None:
    last = last_checkpoint(ctx.app)
    frontier = Frontier() if last is None else Frontier.from_dict(last.frontier)
    after = 0 if last is None else last.last_position
    stop = ctx.app.recorder.max_notification_id() or 0
    rows = log_rows(ctx.app, ctx.deps)
    leaves: list[bytes] = []
    positions: list[list[int]] = []
    while after < stop and len(leaves) < MAX_LEAVES:
        batch = rows.rows(after, stop, min(PAGE, MAX_LEAVES - len(leaves)))
        if not batch:
            break
        hashes = leaf_hashes(batch)
        frontier.extend(hashes)
        leaves += hashes
        for row in batch:
            at = row[0]
            if positions and positions[-1][1] == at - 1:
                positions[-1][1] = at
            else:
                positions.append([at, at])
        after = batch[-1][0]
    own = (
        last is not None
        and positions == [[last.last_position + 1] * 2]
        and _is_checkpoint(ctx.app, last.last_position + 1)
    )
    if not leaves or own:
        return None  # nothing new: at most the last checkpoint's own event
    key = _signing_key(ctx)
    root = frontier.root()
    signed_at = checkpoint_time(ctx.now())
    signature = sign_checkpoint(key, frontier.size, root, signed_at)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    checkpoint = Checkpoint.record(
        actor,
        size=frontier.size,
        last_position=after,
        root=root.hex(),
        signed_at=signed_at,
        signature=signature.hex(),
        public_key=public.hex(),
        frontier=dict(frontier.to_dict()),
        leaves=base64.b64encode(b"".join(leaves)).decode("ascii"),
        positions=positions,
    )
    return checkpoint_info(ctx.add(checkpoint))


# --- verifying --------------------------------------------------------------------------


Verification = LogReport
"""What :func:`verify_log` found (see :class:`libops.verify.LogReport`)."""


def read_checkpoints(app: LibOpsApplication) -> tuple[list[StoredCheckpoint], list[Problem]]:
    """Every checkpoint the log holds, as plain data; a problem for each one that won't decode."""
    found: list[StoredCheckpoint] = []
    unreadable: list[Problem] = []
    for notification in app.notifications(Checkpoint.Recorded.TOPIC, page=50):
        at = notification.id
        try:
            event = app.mapper.to_domain_event(notification)
            if not isinstance(event, Checkpoint.Recorded):
                raise TypeError(type(event).__name__)
            # An altered field name still decodes, into an event without that attribute.
            stored = StoredCheckpoint(
                position=at,
                size=event.size,
                last_position=event.last_position,
                root=event.root,
                signed_at=event.signed_at,
                signature=event.signature,
                public_key=event.public_key,
                frontier=event.frontier,
                leaves=event.leaves,
                positions=event.positions,
            )
        except Exception as error:  # an altered event may not decode at all
            message = f"the checkpoint at position {at} cannot be read: {type(error).__name__}"
            unreadable.append(Problem(at, "checkpoint", f"{message}: {error}"))
            continue
        found.append(stored)
    return found, unreadable


def _checked_key(public_key: str | None) -> str | None:
    if public_key is None:
        return None
    try:
        if len(bytes.fromhex(public_key)) != 32:
            raise ValueError
    except (ValueError, TypeError):
        raise InvalidValueError(f"a public key is 64 hex digits, not {public_key!r}") from None
    return public_key.lower()


def verify_log(
    app: LibOpsApplication,
    rows: LogRows,
    *,
    public_key: str | None = None,
    kept: CheckpointInfo | None = None,
) -> Verification:
    """Check the whole log against every checkpoint, with :func:`libops.verify.check_log_pages`
    (the auditor's own algorithm) over the store's rows.

    Pin what you kept outside the store: whoever can rewrite the store could also sign with
    another key (``public_key``, hex), or cut the log short before its checkpoints, taking
    them with it (``kept``, the latest checkpoint you kept: the log must still hold it).
    When several things are wrong, the one at the lowest position is named.
    """
    pinned = _checked_key(public_key)
    checkpoints, unreadable = read_checkpoints(app)
    stop = app.recorder.max_notification_id() or 0

    def pages() -> Iterator[tuple[list[int], list[bytes]]]:
        last_seen = 0
        while last_seen < stop:
            batch = rows.rows(last_seen, stop, PAGE)
            if not batch:
                return
            last_seen = batch[-1][0]
            yield [row[0] for row in batch], _checked_leaf_hashes(batch)

    return check_log_pages(
        pages(),
        checkpoints,
        public_key=pinned,
        kept=None if kept is None else (kept.size, kept.root, kept.last_position),
        unreadable=unreadable,
    )
