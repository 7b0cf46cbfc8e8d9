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
from libops.application.commands import Command, Context, command, handles
from libops.application.dependencies import Dependencies
from libops.domain.checkpoint import Checkpoint
from libops.domain.errors import InvalidValueError
from libops.domain.ports import LogRows, StoredRow
from libops.domain.values import Actor
from libops.verify import (
    HASH_SIZE,
    Frontier,
    checkpoint_bytes,
    checkpoint_time,
    leaf_bytes,
    leaf_hash,
    sign_checkpoint,
    verify_checkpoint,
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
                _aggregate_id(notification.originator_id).encode("utf-8"),
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


def _aggregate_id(originator: UUID | str) -> str:
    return originator.hex if isinstance(originator, UUID) else str(originator)


def event_leaf(notification: Any) -> bytes:
    """The leaf hash of one stored event (see :func:`libops.leaf_bytes`)."""
    return leaf_hash(
        leaf_bytes(
            notification.id,
            _aggregate_id(notification.originator_id),
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


@attrs.frozen
class Problem:
    """The first place where the log and its checkpoints disagree."""

    position: int
    """The log position of the first event that does not match (or is missing)."""
    kind: str
    """``changed``, ``missing``, ``added``, ``truncated`` or ``checkpoint``."""
    message: str


@attrs.frozen
class Verification:
    """What :func:`verify_log` found."""

    checkpoints: int
    """How many checkpoints the log holds (all checked, unless a problem stopped it)."""
    covered: int
    """How many events the last checkpoint covers."""
    checked: int
    """How many events of the log were read and hashed."""
    uncovered: int
    """Events recorded after the last checkpoint (not yet covered by any)."""
    problem: Problem | None
    public_keys: tuple[str, ...]
    """The public keys the checkpoints were signed with, in the order they were first used."""

    @property
    def intact(self) -> bool:
        """Whether every checkpoint holds and every covered event matches."""
        return self.problem is None


@attrs.frozen
class _Read:
    position: int
    event: Checkpoint.Recorded | None
    error: str = ""


def _read_checkpoints(app: LibOpsApplication) -> list[_Read]:
    """Every checkpoint event of the log, in the order of their sizes (unreadable ones first)."""
    found: list[_Read] = []
    for notification in app.notifications(Checkpoint.Recorded.TOPIC, page=50):
        try:
            event = app.mapper.to_domain_event(notification)
            if not isinstance(event, Checkpoint.Recorded):
                raise TypeError(type(event).__name__)
            found.append(_Read(notification.id, event))
        except Exception as error:  # an altered event may not decode at all
            found.append(_Read(notification.id, None, f"{type(error).__name__}: {error}"))
    return sorted(
        found,
        key=lambda read: (
            (-1, read.position) if read.event is None else (read.event.size, read.position)
        ),
    )


@attrs.frozen
class _Link:
    """A checkpoint that holds: signed, continuing the one before, giving its own root."""

    position: int
    event: Checkpoint.Recorded
    leaves: bytes
    """The leaf hashes of the events it newly covers, one after the other."""


class _Covered:
    """What the checkpoints cover, in log order, read from the front: runs of consecutive
    positions, each with the leaf hashes kept for it."""

    def __init__(self, links: list[_Link]) -> None:
        # (first position, how many, the leaf hashes they are in, where the first one is)
        self._runs: list[tuple[int, int, bytes, int]] = []
        for link in links:
            index = 0
            for start, end in link.event.positions:
                if end >= start:
                    self._runs.append((start, end - start + 1, link.leaves, index * HASH_SIZE))
                    index += end - start + 1
        self._run = 0
        self._done = 0  # of the current run
        self.read = 0
        """How many events were read as covered so far."""

    def run(self) -> tuple[int, int, bytes, int] | None:
        """What is left of the current run (None when all is read)."""
        if self._run == len(self._runs):
            return None
        first, count, leaves, offset = self._runs[self._run]
        done = self._done
        return first + done, count - done, leaves, offset + done * HASH_SIZE

    def want(self) -> tuple[int, bytes] | None:
        """The next (position, leaf hash) expected, or None when all is read."""
        run = self.run()
        if run is None:
            return None
        position, _left, leaves, offset = run
        return position, leaves[offset : offset + HASH_SIZE]

    def advance(self, count: int) -> None:
        """Move on by ``count`` events, all within the current run."""
        self._done += count
        self.read += count
        if self._done == self._runs[self._run][1]:
            self._run, self._done = self._run + 1, 0


def _chain(reads: list[_Read], pinned: str | None) -> tuple[list[_Link], list[Problem]]:
    """The checkpoints that hold, in order, and a problem for each one that does not."""
    frontier = Frontier()
    links: list[_Link] = []
    problems: list[Problem] = []
    for read in reads:
        recorded, at = read.event, read.position
        if recorded is None:
            problems.append(
                Problem(
                    at,
                    "checkpoint",
                    f"the checkpoint at position {at} cannot be read: {read.error}",
                )
            )
            continue
        where = f"the checkpoint of size {recorded.size} (position {at})"
        try:
            leaves = base64.b64decode(recorded.leaves, validate=True)
            root = bytes.fromhex(recorded.root)
            signature = bytes.fromhex(recorded.signature)
            key = bytes.fromhex(recorded.public_key)
            positions = [p for start, end in recorded.positions for p in range(start, end + 1)]
            if len(key) != 32:
                raise ValueError("its public key is not 32 bytes")
        except (ValueError, TypeError) as error:
            problems.append(Problem(at, "checkpoint", f"{where} is malformed: {error}"))
            continue
        hashes = [leaves[i : i + HASH_SIZE] for i in range(0, len(leaves), HASH_SIZE)]
        if pinned is not None and recorded.public_key != pinned:
            problems.append(Problem(at, "checkpoint", f"{where} is signed with another key"))
            continue
        if not verify_checkpoint(key, recorded.size, root, recorded.signed_at, signature):
            problems.append(Problem(at, "checkpoint", f"the signature of {where} does not verify"))
            continue
        if recorded.size <= frontier.size:
            problems.append(Problem(at, "added", f"{where} repeats a size already checkpointed"))
            continue
        if frontier.size + len(hashes) != recorded.size:
            first = positions[0] if positions else at
            problems.append(
                Problem(
                    first,
                    "missing",
                    f"position {first} is missing: the checkpoint before {where} was removed",
                )
            )
            break  # the rest cannot be tied to the signed roots
        trial = frontier.copy()
        trial.extend(hashes)
        if (
            len(hashes) != len(positions)
            or trial.root() != root
            or trial.to_dict() != recorded.frontier
        ):
            problems.append(
                Problem(at, "checkpoint", f"the leaf hashes {where} keeps do not give its root")
            )
            continue
        frontier = trial
        links.append(_Link(at, recorded, leaves))
    return links, problems


def _mismatch(at: int, leaf: bytes, want: tuple[int, bytes]) -> Problem | None:
    """What is wrong with the event at ``at`` (with this leaf hash) where the checkpoints
    expect ``want``, if anything."""
    position, expected = want
    if at < position:
        return Problem(
            at,
            "added",
            f"position {at} holds an event inside the checkpointed log that no "
            "checkpoint covered: it was added",
        )
    if at > position:
        return Problem(
            position,
            "missing",
            f"position {position} is missing: the event the checkpoints covered there was removed",
        )
    if leaf != expected:
        return Problem(
            position,
            "changed",
            f"the event at position {position} is not the one the "
            "checkpoints covered: it was changed or moved",
        )
    return None


def _compare(batch: Sequence[StoredRow], covering: _Covered) -> tuple[int, Problem | None]:
    """Compare one page of the log with what the checkpoints cover next: how many of its
    events were read (all, unless a problem stopped it) and the problem found, if any.

    A run of events that are all where and as covered is compared in one go (their leaf
    hashes joined against those kept); only a run that differs is gone through one event at
    a time, to name the first that does not match.
    """
    if covering.run() is None:
        return len(batch), None  # recorded after the last checkpoint: nothing to compare
    hashes = _checked_leaf_hashes(batch)
    done, size = 0, len(batch)
    while done < size and (run := covering.run()) is not None:
        position, left, leaves, offset = run
        n = min(size - done, left)
        if (
            batch[done][0] == position
            and batch[done + n - 1][0] == position + n - 1
            and b"".join(hashes[done : done + n]) == leaves[offset : offset + n * HASH_SIZE]
        ):
            covering.advance(n)
            done += n
            continue
        for index in range(done, done + n):
            want = covering.want()
            assert want is not None  # n is within the current run
            found = _mismatch(batch[index][0], hashes[index], want)
            if found is not None:
                return index + 1, found
            covering.advance(1)
        done += n
    return size, None


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
    """Check the whole log against every checkpoint; see the module's notes.

    Pin what you kept outside the store: whoever can rewrite the store could also sign with
    another key (``public_key``, hex), or cut the log short before its checkpoints, taking
    them with it (``kept``, the latest checkpoint you kept: the log must still hold it).
    When several things are wrong, the one at the lowest position is named.
    """
    pinned = _checked_key(public_key)
    reads = _read_checkpoints(app)
    links, problems = _chain(reads, pinned)
    covering = _Covered(links)
    checked = last_seen = 0
    found: Problem | None = None
    stop = app.recorder.max_notification_id() or 0
    while found is None and last_seen < stop:
        batch = rows.rows(last_seen, stop, PAGE)
        if not batch:
            break
        last_seen = batch[-1][0]
        read, found = _compare(batch, covering)
        checked += read
    covered = covering.read
    want = covering.want()
    if found is None and want is not None:
        found = Problem(
            want[0],
            "truncated",
            f"the log ends before position {want[0]}, which the "
            "checkpoints covered: it was cut short",
        )
    if found is not None:
        problems.append(found)
    if kept is not None:
        missing = _missing_kept(links, kept, last_seen)
        if missing is not None:
            problems.append(missing)
    problem = min(problems, key=lambda p: p.position) if problems else None
    return Verification(
        checkpoints=len(reads),
        covered=covered,
        checked=checked,
        uncovered=checked - covered if problem is None else 0,
        problem=problem,
        public_keys=tuple(dict.fromkeys(link.event.public_key for link in links)),
    )


def _missing_kept(links: list[_Link], kept: CheckpointInfo, last_seen: int) -> Problem | None:
    """A problem if the log no longer holds the checkpoint kept outside it."""
    for link in links:
        event, at = link.event, link.position
        if event.size == kept.size:
            if (event.root, event.public_key) == (kept.root, kept.public_key):
                return None
            return Problem(
                at,
                "checkpoint",
                f"the checkpoint of size {kept.size} in the log is not the one kept",
            )
    if last_seen <= kept.last_position:
        return Problem(
            last_seen + 1,
            "truncated",
            f"the log was cut short: position {last_seen + 1} and after, which the kept "
            f"checkpoint covered (up to {kept.last_position}), are gone",
        )
    return Problem(
        kept.last_position + 1,
        "missing",
        f"the kept checkpoint of size {kept.size} is no longer in the log: it was removed",
    )
