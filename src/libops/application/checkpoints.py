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
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any, Final
from uuid import UUID

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from libops.application.app import LibOpsApplication
from libops.application.commands import Command, Context, command, handles
from libops.domain.checkpoint import Checkpoint
from libops.domain.errors import InvalidValueError
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

SIGNING_KEY_SUBJECT: Final = "libops:checkpoint-signing-key"
"""The key store's entry whose 32 bytes are the seed of the store's Ed25519 signing key."""

MAX_LEAVES: Final = 50_000
"""The most events one checkpoint covers; a longer stretch is covered by several in a row."""

PAGE: Final = 5_000
"""How many notifications one read of the log returns."""


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


def last_checkpoint(app: LibOpsApplication) -> Checkpoint.Recorded | None:
    """The event of the latest checkpoint (only that one is decoded), or None."""
    last = None
    for notification in app.notifications(Checkpoint.Recorded.TOPIC, page=50):
        last = notification
    if last is None:
        return None
    event = app.mapper.to_domain_event(last)
    assert isinstance(event, Checkpoint.Recorded)
    return event


def _is_checkpoint(app: LibOpsApplication, position: int) -> bool:
    (notification,) = app.recorder.select_notifications(position, 1, stop=position)
    return bool(notification.topic == Checkpoint.Recorded.TOPIC)


def event_leaf(notification: Any) -> bytes:
    """The leaf hash of one stored event (see :func:`libops.leaf_bytes`)."""
    originator = notification.originator_id
    aggregate_id = originator.hex if isinstance(originator, UUID) else str(originator)
    return leaf_hash(
        leaf_bytes(
            notification.id,
            aggregate_id,
            notification.originator_version,
            notification.topic,
            bytes(notification.state),
        )
    )


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
    leaves: list[bytes] = []
    positions: list[list[int]] = []
    while after < stop and len(leaves) < MAX_LEAVES:
        limit = min(PAGE, MAX_LEAVES - len(leaves))
        batch = ctx.app.recorder.select_notifications(
            after, limit, stop=stop, inclusive_of_start=False
        )
        if not batch:
            break
        for notification in batch:
            leaf = event_leaf(notification)
            frontier.append(leaf)
            leaves.append(leaf)
            if positions and positions[-1][1] == notification.id - 1:
                positions[-1][1] = notification.id
            else:
                positions.append([notification.id, notification.id])
        after = batch[-1].id
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

    def expected(self) -> Iterator[tuple[int, bytes]]:
        """The (position, leaf hash) of each event it newly covers."""
        leaves = base64.b64decode(self.event.leaves)
        covered = (p for start, end in self.event.positions for p in range(start, end + 1))
        for index, position in enumerate(covered):
            yield position, leaves[index * HASH_SIZE : (index + 1) * HASH_SIZE]


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
        links.append(_Link(at, recorded))
    return links, problems


def _mismatch(notification: Any, want: tuple[int, bytes]) -> Problem | None:
    """What is wrong with ``notification`` where the checkpoints expect ``want``, if anything."""
    position, leaf = want
    at = notification.id
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
    if event_leaf(notification) != leaf:
        return Problem(
            position,
            "changed",
            f"the event at position {position} is not the one the "
            "checkpoints covered: it was changed or moved",
        )
    return None


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
    app: LibOpsApplication, *, public_key: str | None = None, kept: CheckpointInfo | None = None
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
    expected = (pair for link in links for pair in link.expected())
    want = next(expected, None)
    checked = last_seen = covered = 0
    found: Problem | None = None
    stop = app.recorder.max_notification_id() or 0
    while found is None and last_seen < stop:
        batch = app.recorder.select_notifications(
            last_seen, PAGE, stop=stop, inclusive_of_start=False
        )
        if not batch:
            break
        last_seen = batch[-1].id
        for notification in batch:
            checked += 1
            if want is None:
                continue  # recorded after the last checkpoint
            found = _mismatch(notification, want)
            if found is not None:
                break
            covered += 1
            want = next(expected, None)
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
