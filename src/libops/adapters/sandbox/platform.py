"""The sandbox platform itself: the port's calls, idempotency keys, failures and lost answers.

Its readers (:mod:`libops.adapters.sandbox.readers`) decide how each post is received; its ids
and URLs come from :mod:`libops.adapters.sandbox.ids`.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from libops.adapters.platforms import limits_for
from libops.adapters.private_files import exclusive_lock
from libops.adapters.sandbox.ids import make_id
from libops.adapters.sandbox.readers import Reactions, ReceptionFunction, decide_reactions
from libops.domain.errors import (
    InvalidValueError,
    PlatformError,
    PlatformTimeoutError,
    UnknownPlatformPostError,
)
from libops.domain.ports import Clock, Comment
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
    to_platform,
)

Operation = Literal["publish", "find_published", "metrics", "comments"]
OPERATIONS: Final[tuple[Operation, ...]] = ("publish", "find_published", "metrics", "comments")


@attrs.define
class _SandboxPost:
    receipt: PublishReceipt
    variant: PostVariant
    key: str
    reactions: Reactions


class SandboxPlatform:
    """An in-memory platform that behaves like a real one, deterministically from ``seed``.

    ``supports_idempotency_key=True`` makes it ignore a repeated publish with the same key (as
    Mastodon's ``Idempotency-Key`` or a client-chosen Bluesky record key do); with ``False`` a
    repeat creates a second post, as most platforms would, and callers must ask
    :meth:`find_published` first. Reactions (counts and comments) grow with ``clock`` after
    publishing and saturate, as a real audience's do. ``reception``, if given, is asked how
    each post fares beyond what its text decides (readers' taste for a posting hour or a kind
    of content, say); it must be deterministic for a run to repeat.
    """

    def __init__(
        self,
        platform: Platform | str,
        *,
        seed: int | str,
        clock: Clock,
        supports_idempotency_key: bool = True,
        limits: PlatformLimits | None = None,
        account: str = "citylibrary",
        reception: ReceptionFunction | None = None,
        state_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self._platform = to_platform(platform)
        self._state_file = None if state_file is None else Path(state_file)
        if reception is not None and not callable(reception):
            raise InvalidValueError(f"reception must be a function, not {reception!r}")
        if not isinstance(seed, int | str) or isinstance(seed, bool):
            raise InvalidValueError(f"a sandbox seed is a number or text, not {seed!r}")
        if limits is not None and not isinstance(limits, PlatformLimits):
            raise InvalidValueError(f"limits must be PlatformLimits, not {type(limits).__name__}")
        self._seed = seed
        self._clock = clock
        self._supports_key = bool(supports_idempotency_key)
        self._limits = limits if limits is not None else limits_for(self._platform)
        self._account = account
        self._reception = reception
        self._posts: dict[str, _SandboxPost] = {}
        self._by_key: dict[str, list[str]] = {}
        self._content_count: dict[tuple[str, tuple[str, ...], str | None], int] = {}
        self._failures: dict[str, deque[tuple[str, bool]]] = {op: deque() for op in OPERATIONS}
        self._lost_responses = 0
        self._lock = threading.RLock()
        if self._state_file is not None:
            with self._shared(write=False):
                pass  # a malformed file is refused now, not at the first publish

    def __repr__(self) -> str:
        return (
            f"SandboxPlatform({self._platform.value!r}, seed={self._seed!r}, "
            f"supports_idempotency_key={self._supports_key})"
        )

    # --- the port ------------------------------------------------------------------------

    @property
    def platform(self) -> Platform:
        """The platform this sandbox pretends to be."""
        return self._platform

    @property
    def limits(self) -> PlatformLimits:
        """What one post may contain here."""
        return self._limits

    @property
    def supports_idempotency_key(self) -> bool:
        """Whether a repeated publish with the same key is ignored."""
        return self._supports_key

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Publish ``variant``; a repeat with the same key is ignored if keys are supported."""
        if not isinstance(variant, PostVariant):
            raise InvalidValueError(f"expected a PostVariant, not {type(variant).__name__}")
        key = _require_key(idempotency_key)
        with self._lock, self._shared(write=True):
            self._maybe_fail("publish")
            if variant.platform is not self._platform:
                raise PlatformError(
                    f"a {variant.platform.value} variant cannot be published on "
                    f"{self._platform.value}",
                    retryable=False,
                )
            problems = self._limits.violations(variant)
            if problems:
                raise PlatformError(
                    f"{self._platform.value} refused the post: {'; '.join(problems)}",
                    retryable=False,
                )
            earlier = self._by_key.get(key, [])
            if self._supports_key and earlier:
                receipt = self._posts[earlier[0]].receipt
            else:
                receipt = self._create(variant, key)
            if self._lost_responses:
                self._lost_responses -= 1
                raise PlatformTimeoutError(
                    f"{self._platform.value} did not answer in time (sandbox lost the response)"
                )
            return receipt

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The receipt of the first post published with ``idempotency_key``, if any."""
        key = _require_key(idempotency_key)
        with self._lock, self._shared(write=False):
            self._maybe_fail("find_published")
            earlier = self._by_key.get(key)
            return self._posts[earlier[0]].receipt if earlier else None

    def metrics(self, external_id: str) -> MetricSnapshot:
        """The post's cumulative counts at the clock's current time."""
        with self._lock, self._shared(write=False):
            self._maybe_fail("metrics")
            post = self._post(external_id)
        return post.reactions.snapshot(self._platform, post.receipt.published_at, self._clock.now())

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """Readers' comments so far, oldest first; only those after ``since`` if given."""
        with self._lock, self._shared(write=False):
            self._maybe_fail("comments")
            post = self._post(external_id)
        if since is not None and (since.tzinfo is None or since.utcoffset() is None):
            raise InvalidValueError("since must be timezone-aware")
        return post.reactions.comments_between(since, self._clock.now())

    # --- test controls ---------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        message: str = "the platform is unavailable (sandbox failure)",
        *,
        retryable: bool = True,
        on: Operation = "publish",
    ) -> None:
        """Make the next ``count`` calls of ``on`` fail with :class:`PlatformError`.

        A failed publish publishes nothing.
        """
        _require_count(count)
        if on not in OPERATIONS:
            raise InvalidValueError(f"on must be one of {', '.join(OPERATIONS)}, not {on!r}")
        with self._lock:
            self._failures[on].extend([(message, bool(retryable))] * count)

    def lose_response_next(self, count: int = 1) -> None:
        """Let the next ``count`` publishes go through but raise a timeout instead of answering."""
        _require_count(count)
        with self._lock:
            self._lost_responses += count

    def published(self) -> list[PublishReceipt]:
        """Every post that went out on this sandbox, duplicates included, in publishing order."""
        with self._lock, self._shared(write=False):
            return [post.receipt for post in self._posts.values()]

    def variant(self, external_id: str) -> PostVariant:
        """What was published as ``external_id``."""
        with self._lock, self._shared(write=False):
            return self._post(external_id).variant

    # --- the state file ----------------------------------------------------------------------

    @contextmanager
    def _shared(self, *, write: bool) -> Iterator[None]:
        """Read the state file (under its lock) before the call, and write it after a
        ``write`` call that changed something; nothing without a state file."""
        if self._state_file is None:
            yield
            return
        path = self._state_file

        def refused(error: OSError) -> InvalidValueError:
            return InvalidValueError(
                f"the sandbox state file {str(path)!r} cannot be used: {error.strerror}"
            )

        with exclusive_lock(path.with_name(path.name + ".lock"), refused):
            document = self._read_state(path)
            self._load_posts(document.get("platforms", {}).get(self._platform.value, []))
            before = len(self._posts)
            yield
            if write and len(self._posts) != before:
                document.setdefault("platforms", {})[self._platform.value] = [
                    _post_data(post) for post in self._posts.values()
                ]
                _write_state(path, document)

    @staticmethod
    def _read_state(path: Path) -> dict[str, Any]:
        if not path.exists() or path.stat().st_size == 0:
            return {"sandbox_state": 1, "platforms": {}}
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InvalidValueError(
                f"the sandbox state file {str(path)!r} cannot be read ({error})"
            ) from None
        if not isinstance(document, dict) or document.get("sandbox_state") != 1:
            raise InvalidValueError(f"{str(path)!r} is not a libops sandbox state file")
        return document

    def _load_posts(self, rows: list[dict[str, Any]]) -> None:
        """Take the posts of the file as this sandbox's (in publishing order)."""
        if len(rows) == len(self._posts) and all(row["external_id"] in self._posts for row in rows):
            return  # nothing new since the last read
        self._posts.clear()
        self._by_key.clear()
        self._content_count.clear()
        try:
            for row in rows:
                variant = PostVariant(
                    self._platform, row["text"], media=tuple(row["media"]), link=row["link"]
                )
                receipt = PublishReceipt(
                    platform=self._platform,
                    external_id=row["external_id"],
                    url=row["url"],
                    published_at=datetime.fromisoformat(row["published_at"]),
                )
                content = (variant.text, variant.media, variant.link)
                self._content_count[content] = self._content_count.get(content, 0) + 1
                reactions = decide_reactions(
                    variant, receipt, self._rng("reactions", receipt.external_id), self._reception
                )
                self._posts[receipt.external_id] = _SandboxPost(
                    receipt, variant, row["key"], reactions
                )
                self._by_key.setdefault(row["key"], []).append(receipt.external_id)
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidValueError(
                f"the sandbox state file {str(self._state_file)!r} is malformed ({error!r})"
            ) from None

    # --- inside ------------------------------------------------------------------------------

    def _maybe_fail(self, operation: str) -> None:
        queue = self._failures[operation]
        if queue:
            message, retryable = queue.popleft()
            raise PlatformError(message, retryable=retryable)

    def _post(self, external_id: str) -> _SandboxPost:
        post = self._posts.get(external_id) if isinstance(external_id, str) else None
        if post is None:
            raise UnknownPlatformPostError(self._platform.value, str(external_id))
        return post

    def _rng(self, *parts: object) -> random.Random:
        # String seeds are hashed with SHA-512 by random.Random, independent of PYTHONHASHSEED.
        return random.Random(":".join(str(p) for p in (self._seed, self._platform.value, *parts)))

    def _create(self, variant: PostVariant, key: str) -> PublishReceipt:
        # Seeded by the content (and how often the same content went out before), not by
        # the key: keys hold random post ids, and a seeded run must give the same reception.
        content = (variant.text, variant.media, variant.link)
        repeat = self._content_count.get(content, 0)
        self._content_count[content] = repeat + 1
        rng = self._rng("publish", variant.text, "|".join(variant.media), variant.link, repeat)
        external_id, url = make_id(self._platform, self._account, rng, self._rng("account"))
        while external_id in self._posts:  # vanishingly rare; keeps ids unique
            external_id, url = make_id(self._platform, self._account, rng, self._rng("account"))
        receipt = PublishReceipt(
            platform=self._platform,
            external_id=external_id,
            url=url,
            published_at=self._clock.now(),
        )
        reactions = decide_reactions(
            variant, receipt, self._rng("reactions", external_id), self._reception
        )
        self._posts[external_id] = _SandboxPost(receipt, variant, key, reactions)
        self._by_key.setdefault(key, []).append(external_id)
        return receipt


def _post_data(post: _SandboxPost) -> dict[str, Any]:
    return {
        "external_id": post.receipt.external_id,
        "url": post.receipt.url,
        "published_at": post.receipt.published_at.isoformat(),
        "text": post.variant.text,
        "media": list(post.variant.media),
        "link": post.variant.link,
        "key": post.key,
    }


def _write_state(path: Path, document: dict[str, Any]) -> None:
    """Replace the state file whole (a crash leaves the old one)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    os.replace(temporary, path)


def _require_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidValueError("an idempotency key must be non-empty text")
    return key


def _require_count(count: object) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidValueError(f"count must be a positive whole number, not {count!r}")
