"""The draw scheme: winners from a revealed seed and the sorted entries, checkable by anyone.

The scheme is commit and reveal. When a contest closes, libops records the SHA-256 of a secret
seed (the *seed commitment*) and the SHA-256 of the canonical list of eligible entry ids (the
*entries digest*). At the draw it records the seed itself. Winners follow from the seed and the
entries alone, by the steps below, so anyone holding the contest's events can redo the draw
(:func:`libops.domain.interaction.draw.verify_draw`) and anyone with a SHA-256 implementation
can redo it in another language.

1. The canonical list is the eligible entry ids sorted by code point (they are ASCII), each
   followed by a line feed, encoded as ASCII. The entries digest is its SHA-256 (hex).
2. The random stream is SHA-256 in counter mode: block ``i`` (``i`` = 0, 1, 2, ...) is
   ``SHA-256(b"libops-draw-v1" || 0x00 || seed (32 bytes) || entries digest (32 bytes) ||
   i as 8 bytes big-endian)``, and the stream is the blocks one after another.
3. A number below ``m`` is drawn by rejection sampling: for ``m = 1`` it is 0 and reads
   nothing; otherwise let ``b`` be the bit length of ``m - 1``, read the next 8 bytes of the
   stream as a big-endian number, keep its top ``b`` bits, and accept the result if it is below
   ``m``, else read the next 8 bytes and try again. Every number below ``m`` is equally likely:
   no modulo bias.
4. Winners are drawn without replacement by a partial Fisher-Yates shuffle of the sorted list:
   for ``k`` = 0, 1, ... up to the number of winners, pick ``j = k + below(n - k)`` and swap
   positions ``k`` and ``j``. The first positions, in order, are the winners; the first winner
   gets the first prize. The number of winners is the smaller of the prizes on offer and the
   eligible entries.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from typing import Final

from libops.domain.errors import InvalidValueError

DRAW_DOMAIN: Final = b"libops-draw-v1"
"""The label that starts every block of the random stream (a new scheme gets a new label)."""

SEED_BYTES: Final = 32
"""The length of a draw seed."""

_HEX_DIGEST: Final = re.compile(r"[0-9a-f]{64}")
_U64_BYTES: Final = 8


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, as 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def require_seed(seed: object) -> bytes:
    """``seed`` if it is exactly :data:`SEED_BYTES` bytes, else raise."""
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise InvalidValueError(f"a draw seed is exactly {SEED_BYTES} bytes")
    return seed


def seed_from_hex(text: object) -> bytes:
    """The seed written as hex text (as a Drawn event records it), else raise."""
    if not isinstance(text, str) or _HEX_DIGEST.fullmatch(text) is None:
        raise InvalidValueError(f"a revealed seed is {2 * SEED_BYTES} lower-case hex digits")
    return bytes.fromhex(text)


def require_digest(what: str, value: object) -> str:
    """``value`` if it is a SHA-256 digest as 64 lower-case hex digits, else raise."""
    if not isinstance(value, str) or _HEX_DIGEST.fullmatch(value) is None:
        raise InvalidValueError(f"{what} must be a SHA-256 digest in 64 lower-case hex digits")
    return value


def seed_commitment(seed: bytes) -> str:
    """The commitment recorded at close: SHA-256 of the seed, in hex."""
    return sha256_hex(require_seed(seed))


def sorted_entries(entry_ids: Iterable[str]) -> tuple[str, ...]:
    """The entry ids in canonical order; ids must be distinct ASCII without line breaks."""
    ids = tuple(entry_ids)
    for entry_id in ids:
        if not isinstance(entry_id, str) or not entry_id.isascii() or "\n" in entry_id:
            raise InvalidValueError(f"an entry id in a draw is ASCII text, not {entry_id!r}")
    if len(set(ids)) != len(ids):
        twice = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise InvalidValueError(f"entry ids in a draw are distinct; repeated: {twice}")
    return tuple(sorted(ids))


def canonical_entries(entry_ids: Iterable[str]) -> bytes:
    """The canonical list of entry ids: sorted, each followed by a line feed, in ASCII."""
    return b"".join(entry_id.encode("ascii") + b"\n" for entry_id in sorted_entries(entry_ids))


def entries_digest(entry_ids: Iterable[str]) -> str:
    """The entries digest recorded at close: SHA-256 of the canonical list, in hex."""
    return sha256_hex(canonical_entries(entry_ids))


class RandomStream:
    """The draw's random numbers: SHA-256 in counter mode over the seed and the entries."""

    def __init__(self, seed: bytes, digest: str) -> None:
        self._prefix = (
            DRAW_DOMAIN
            + b"\x00"
            + require_seed(seed)
            + bytes.fromhex(require_digest("the entries digest", digest))
        )
        self._counter = 0
        self._buffer = b""

    def block(self, index: int) -> bytes:
        """Block ``index`` of the stream (32 bytes)."""
        return hashlib.sha256(self._prefix + index.to_bytes(8, "big")).digest()

    def read(self, size: int) -> bytes:
        """The next ``size`` bytes of the stream."""
        while len(self._buffer) < size:
            self._buffer += self.block(self._counter)
            self._counter += 1
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken

    def next_u64(self) -> int:
        """The next 8 bytes of the stream as a big-endian number."""
        return int.from_bytes(self.read(_U64_BYTES), "big")

    def below(self, m: int) -> int:
        """A number from 0 to ``m - 1``, each equally likely (rejection sampling)."""
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise InvalidValueError(f"can only draw below a positive whole number, not {m!r}")
        if m == 1:
            return 0
        bits = (m - 1).bit_length()
        while True:
            candidate = self.next_u64() >> (64 - bits)
            if candidate < m:
                return candidate


def draw_winners(seed: bytes, entry_ids: Iterable[str], winners: int) -> tuple[str, ...]:
    """The winning entry ids in draw order: ``min(winners, entries)`` of them, none twice."""
    if isinstance(winners, bool) or not isinstance(winners, int) or winners < 0:
        raise InvalidValueError(f"the number of winners is a whole number, not {winners!r}")
    pool = list(sorted_entries(entry_ids))
    stream = RandomStream(seed, entries_digest(pool))
    for k in range(min(winners, len(pool))):
        j = k + stream.below(len(pool) - k)
        pool[k], pool[j] = pool[j], pool[k]
    return tuple(pool[: min(winners, len(pool))])
