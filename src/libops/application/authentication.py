"""Proving who acts: password hashes, API tokens, sign-in throttling (docs/http.md).

**Passwords** are hashed with scrypt (memory-hard: n=2**14, r=8, p=1, about 16 MiB per
hash), with a random 16-byte salt per password; the parameters are stored with the hash
(``scrypt$<n>$<r>$<p>$<salt>$<hash>``, base64), so they can be raised later and old hashes
still verify. Comparison is constant-time.

**API tokens** read ``lo_<user id>_<token id>_<secret>``: the secret is 32 random bytes
(base64url); only its SHA-256 is recorded. A fast hash is right here, unlike for passwords:
a secret of 256 random bits cannot be guessed, however many hashes per second an attacker
tries, so the slowness that protects a human's password buys nothing. The user's id in the
token finds the user without a scan or an index.

**Verified tokens are remembered** per process (:class:`VerifiedTokens`, at most
:data:`VERIFIED_TOKENS_MAX`), with the version of the user they were checked against: the
next request with the same token asks the store only whether the user has any event after
that version (one indexed read of at most one row: no replay, no copy of the aggregate). Every
change that can refuse a token (revoked, user disabled, roles changed) is an event of the
user, so it takes effect on the next request in every process, exactly; expiry is checked
against the clock on every request. The secret is compared with the remembered hash, so a
forged secret with a known token id is refused as before. On a SQLite file that read is made
on connections of the check's own (:class:`SQLiteUserVersions`), not through the store's
pool, where it would queue behind the commits in progress.

**Throttling** is per process, in memory (thread-safe): after :data:`MAX_FAILURES` failed
sign-ins for one login (a token's user) or from one client address within
:data:`FAILURE_WINDOW`, sign-ins for it are refused for :data:`LOCKOUT` with
:class:`LoginThrottledError` (HTTP 429 with ``Retry-After``). A success clears the login's
count. Several worker processes each keep their own count.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import queue
import secrets
import sqlite3
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Final, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import OperationalError, PersistenceError
from eventsourcing.sqlite import SQLITE3_DEFAULT_LOCK_TIMEOUT, SQLiteDatastore

from libops.application.app import LibOpsApplication
from libops.domain.errors import (
    AuthenticationError,
    LoginThrottledError,
    PasswordPolicyError,
)
from libops.domain.users import User, normalise_login
from libops.domain.values import Actor


class Opened(Protocol):
    """An opened store (a :class:`~libops.bootstrap.LibOps`): its application is used."""

    @property
    def app(self) -> LibOpsApplication: ...


PASSWORD_MIN: Final = 12
"""The fewest characters in a password."""

PASSWORD_MAX: Final = 1_024
"""The most characters in a password (bounds the work of hashing one)."""

SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
_SCRYPT_MAXMEM: Final = 64 * 1024 * 1024

TOKEN_PREFIX: Final = "lo"
TOKEN_DAYS_DEFAULT: Final = 90
TOKEN_DAYS_MAX: Final = 366

VERIFIED_TOKENS_MAX: Final = 1_024
"""The most verified tokens one process remembers (the least recently used go first)."""

MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=15)
LOCKOUT: Final = timedelta(minutes=15)

_DUMMY_HASH: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_password_policy(password: object) -> str:
    """``password`` if it is text of :data:`PASSWORD_MIN` to :data:`PASSWORD_MAX` characters."""
    if not isinstance(password, str):
        raise PasswordPolicyError(f"a password is text, not {type(password).__name__}")
    if len(password) < PASSWORD_MIN:
        raise PasswordPolicyError(f"a password has at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise PasswordPolicyError(f"a password has at most {PASSWORD_MAX} characters")
    return password


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """The stored form of ``password``: scrypt with a fresh salt, parameters included."""
    check_password_policy(password)
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_SCRYPT_MAXMEM, dklen=32
    )
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` (a :func:`hash_password` form) was made of."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(key)
        found = hashlib.scrypt(
            password.encode("utf-8", "surrogatepass"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_SCRYPT_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


def new_token(user: UUID) -> tuple[str, str, str]:
    """A new token for the user with id ``user``: (token id, the token's text, its hash)."""
    token_id = secrets.token_hex(8)
    secret = _b64(secrets.token_bytes(32))
    return token_id, f"{TOKEN_PREFIX}_{user.hex}_{token_id}_{secret}", secret_hash(secret)


def secret_hash(secret: str) -> str:
    """The SHA-256 of a token's secret, as recorded (hex)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_token(text: str) -> tuple[UUID, str, str]:
    """(user id, token id, secret) of a token's text; :class:`AuthenticationError` if malformed."""
    parts = text.split("_", 3)
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX:
        raise AuthenticationError("the bearer token is not a libops API token")
    try:
        user = UUID(hex=parts[1])
    except ValueError:
        raise AuthenticationError("the bearer token is not a libops API token") from None
    return user, parts[2], parts[3]


class Throttle:
    """Counts failed sign-ins per key (a login, a client address) in a sliding window."""

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        max_failures: int = MAX_FAILURES,
        window: timedelta = FAILURE_WINDOW,
        lockout: timedelta = LOCKOUT,
    ) -> None:
        self._now = now
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self._failures: dict[str, deque[datetime]] = {}
        self._locked_until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        """Raise :class:`LoginThrottledError` if any of ``keys`` is locked out now."""
        now = self._now()
        with self._lock:
            waits = [
                until - now
                for key in keys
                if (until := self._locked_until.get(key)) is not None and until > now
            ]
        if waits:
            raise LoginThrottledError(max(1, int(max(waits).total_seconds() + 0.999)))

    def failed(self, *keys: str) -> None:
        """Count a failure for each of ``keys``; lock out those that reach the limit."""
        now = self._now()
        with self._lock:
            for key in keys:
                failures = self._failures.setdefault(key, deque())
                failures.append(now)
                while failures and failures[0] <= now - self.window:
                    failures.popleft()
                if len(failures) >= self.max_failures:
                    self._locked_until[key] = now + self.lockout
                    failures.clear()

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures (a sign-in for it succeeded)."""
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)


def _user_key(user: UUID) -> str:
    return f"user:{user}"


def _client_key(client: str) -> str:
    return f"client:{client}"


class Verified(NamedTuple):
    """A token found good: the actor it proves, checked against its user at ``version``."""

    version: int
    secret_hash: str
    expires_at: datetime
    actor: Actor


class VerifiedTokens:
    """The tokens verified in this process, by (user id, token id); bounded, thread-safe."""

    def __init__(self, size: int = VERIFIED_TOKENS_MAX) -> None:
        if size < 1:
            raise ValueError(f"a cache of verified tokens holds at least 1, not {size}")
        self.size = size
        self._found: OrderedDict[tuple[UUID, str], Verified] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user: UUID, token_id: str) -> Verified | None:
        with self._lock:
            found = self._found.get((user, token_id))
            if found is not None:
                self._found.move_to_end((user, token_id))
            return found

    def put(self, user: UUID, token_id: str, verified: Verified) -> None:
        with self._lock:
            self._found[(user, token_id)] = verified
            self._found.move_to_end((user, token_id))
            while len(self._found) > self.size:
                self._found.popitem(last=False)

    def forget(self, user: UUID, token_id: str) -> None:
        with self._lock:
            self._found.pop((user, token_id), None)

    def __len__(self) -> int:
        return len(self._found)


class SQLiteUserVersions:
    """Whether a user has events after a version, read from a SQLite file beside its pool.

    The store's connection pool hands connections out in the order asked for, and a command
    waiting for the one writer's connection holds that queue while the commit in progress
    waits for the disk: a token check read through the pool waited behind the commits of
    other requests (a few milliseconds on a disk that takes as long to sync). A SQLite file
    in WAL mode is read beside its writer, so these connections, kept for the check alone
    (one per thread that checks at once, reused), read at once. Each statement is a read
    transaction of its own, so it sees every event committed before it by any process: a
    revocation counts on the next request, exactly as through the pool.
    """

    def __init__(self, datastore: SQLiteDatastore, table: str) -> None:
        self._db_name = datastore.pool.db_name
        self._timeout = datastore.pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT
        self._statement = (
            f"SELECT 1 FROM {table} WHERE originator_id=? AND originator_version>? LIMIT 1"
        )
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._closed = False
        self._close = weakref.finalize(self, _close_all, self._idle)

    @classmethod
    def of(cls, ops: Opened) -> SQLiteUserVersions | None:
        """The reader for ``ops``'s store if it is a SQLite file, else None."""
        recorder = ops.app.recorder
        datastore = getattr(recorder, "datastore", None)
        table = getattr(recorder, "events_table_name", None)
        if (
            isinstance(datastore, SQLiteDatastore)
            and isinstance(table, str)
            and not datastore.pool.is_sqlite_memory_mode
        ):
            return cls(datastore, table)
        return None

    def _connect(self) -> sqlite3.Connection:
        # As the store's pool connects (the same name, a URI or a path), but only to read.
        connection = sqlite3.connect(
            self._db_name,
            uri=True,
            timeout=self._timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        connection.execute("PRAGMA query_only = ON")
        return connection

    def changed_since(self, user: UUID, version: int) -> bool:
        """Whether the user has an event after ``version`` (one indexed read)."""
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = self._connect()
        try:
            found = connection.execute(self._statement, (user.hex, version)).fetchone()
        except BaseException:
            connection.close()
            raise
        self._idle.put(connection)
        if self._closed:  # closed meanwhile: this one too
            _close_all(self._idle)
        return found is not None

    def close(self) -> None:
        """Close the connections (one in use closes when its check ends); a later check
        opens a connection for itself, closed when it ends."""
        self._closed = True
        self._close()


def _close_all(idle: queue.SimpleQueue[sqlite3.Connection]) -> None:
    while True:
        try:
            idle.get_nowait().close()
        except queue.Empty:
            return


class Authentication:
    """Signs people in on one store: by API token or by password, throttled."""

    def __init__(
        self,
        ops: Opened,
        throttle: Throttle | None = None,
        verified: VerifiedTokens | None = None,
    ) -> None:
        self.ops = ops
        self.throttle = throttle or Throttle(ops.app.clock.now)
        self.verified = VerifiedTokens() if verified is None else verified
        self._versions = SQLiteUserVersions.of(ops)

    def _unchanged_since(self, user: UUID, version: int) -> bool:
        """Whether the user has no event after ``version`` in the store (one indexed read)."""
        try:
            if self._versions is not None:
                try:
                    return not self._versions.changed_since(user, version)
                except sqlite3.Error as error:
                    raise OperationalError(error) from error
            return not self.ops.app.recorder.select_events(user, gt=version, limit=1)
        except PersistenceError as error:
            raise self.ops.app.store_failure(error) from error

    def _user(self, user: UUID) -> User | None:
        return self.ops.app.find(User, user)

    def token(self, text: str, *, client: str | None = None) -> Actor:
        """The actor a token's text proves, or :class:`AuthenticationError`."""
        user_id, token_id, secret = parse_token(text)
        keys = [_user_key(user_id)] + ([] if client is None else [_client_key(client)])
        self.throttle.check(*keys)
        given = secret_hash(secret)
        known = self.verified.get(user_id, token_id)
        if (
            known is not None
            and hmac.compare_digest(given, known.secret_hash)
            and self._unchanged_since(user_id, known.version)
        ):
            if known.expires_at <= self.ops.app.clock.now():
                self.verified.forget(user_id, token_id)
                raise AuthenticationError("the bearer token has expired")
            self.throttle.succeeded(keys[0])
            return known.actor
        self.verified.forget(user_id, token_id)
        user = self._user(user_id)
        token = None if user is None else user.tokens.get(token_id)
        if user is None or token is None or not hmac.compare_digest(given, token.secret_hash):
            self.throttle.failed(*keys)
            raise AuthenticationError("the bearer token is unknown")
        if token.revoked:
            raise AuthenticationError("the bearer token was revoked")
        if token.expires_at <= self.ops.app.clock.now():
            raise AuthenticationError("the bearer token has expired")
        if user.disabled:
            raise AuthenticationError("the token's user is disabled")
        actor = user.actor(token.roles)
        if not actor.roles:
            raise AuthenticationError("the token's user no longer holds any of its roles")
        self.verified.put(
            user_id, token_id, Verified(user.version, token.secret_hash, token.expires_at, actor)
        )
        self.throttle.succeeded(keys[0])
        return actor

    def password(self, login: str, password: str, *, client: str | None = None) -> Actor:
        """The actor ``login`` and ``password`` prove, or :class:`AuthenticationError`."""
        try:
            user_id = User.create_id(normalise_login(login))
        except ValueError:
            raise AuthenticationError("unknown login or wrong password") from None
        keys = [_user_key(user_id)] + ([] if client is None else [_client_key(client)])
        self.throttle.check(*keys)
        user = self._user(user_id)
        stored = None if user is None else user.password_hash
        # Hash even for an unknown login, so that the time taken does not tell it apart.
        ok = verify_password(password, stored or _dummy_hash()) and stored is not None
        if user is None or not ok:
            self.throttle.failed(*keys)
            raise AuthenticationError("unknown login or wrong password")
        if user.disabled:
            raise AuthenticationError("the user is disabled")
        self.throttle.succeeded(keys[0])
        return user.actor()


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(24))
    return _DUMMY_HASH


class TokenAuthenticator:
    """An HTTP authenticator: ``Authorization: Bearer lo_...`` names the acting user.

    ``create_app(ops, authenticate=TokenAuthenticator(ops))``. The API gives it the client's
    address too (``authenticate_client``), which is throttled as well as the token's user.
    """

    def __init__(
        self,
        ops: Opened,
        throttle: Throttle | None = None,
        verified: VerifiedTokens | None = None,
    ) -> None:
        self.auth = Authentication(ops, throttle, verified)

    def __call__(self, headers: Mapping[str, str]) -> Actor:
        return self.authenticate_client(headers, None)

    def authenticate_client(self, headers: Mapping[str, str], client: str | None) -> Actor:
        """The acting user from the headers of a request sent from ``client`` (an address)."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("an Authorization: Bearer <token> header is needed")
        return self.auth.token(token.strip(), client=client)

    def __repr__(self) -> str:
        return "TokenAuthenticator()"
