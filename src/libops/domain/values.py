"""Value objects of the libops domain: immutable, validated on construction, no I/O."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Protocol, TypeVar
from uuid import UUID

import attrs

from libops.domain.currencies import DEFAULT_CURRENCY, MINOR_UNITS
from libops.domain.errors import (
    ControlCharacterError,
    CurrencyError,
    DateRangeError,
    InvalidValueError,
    LimitExceededError,
    MoneyError,
    NotAPublishingPlatformError,
    PeriodError,
)

# --- limits ----------------------------------------------------------------------------
# What one command may carry, field by field (docs/limits.md is the table of them, checked
# against these by the tests). They bound what each aggregate holds in memory and in the
# aggregate cache; they apply to commands, never to stored events read back.

NAME_MAX: Final = 200
"""Characters in a name, title, handle, id or reference: one line of printable text."""

LINE_MAX: Final = 2_000
"""Characters in a one-line text that can run long: a media reference, a link, an external id."""

TEXT_MAX: Final = 20_000
"""Characters in a multi-line text libops keeps but does not publish (a description, review
comments, notes): as long as a WeChat article, and far more than any of them needs."""

POST_TEXT_MAX: Final = 64_000
"""Characters in a post's body or a platform variant's text: above the longest post any
supported platform takes (Facebook's 63,206), which each variant must also fit."""

HASHTAG_MAX: Final = 100
"""Characters in one hashtag (one word, without its ``#``)."""

HASHTAGS_MAX: Final = 30
"""Hashtags on one campaign: Instagram's limit per post, the most any platform allows."""

ITEMS_MAX: Final = 100
"""Items in any other list a command carries (objectives, media, deliverables, ...)."""

COUNT_MAX: Final = 10**12
"""The largest count (reads, audience size, objective target): a thousand billion."""

EARLIEST_DAY: Final = date(1900, 1, 1)
"""The earliest day a command may name (a period, a schedule, an observation)."""

LATEST_DAY: Final = date(2999, 12, 31)
"""The latest day a command may name; far enough from year 9999 for any date arithmetic."""

_checking_limits: ContextVar[bool] = ContextVar("libops_checking_limits", default=True)


def suspend_limits() -> Token[bool]:
    """Stop checking limits until :func:`resume_limits` is given the token this returns (the
    cheap form of :func:`limits_unchecked`, for decoding stored values one by one)."""
    return _checking_limits.set(False)


def resume_limits(token: Token[bool]) -> None:
    """Check limits again as before the :func:`suspend_limits` that gave ``token``."""
    _checking_limits.reset(token)


@contextmanager
def limits_unchecked() -> Iterator[None]:
    """Within it, values are rebuilt as they were stored: the limits above are not checked.

    Stored events are read back inside it, so that an event recorded before a limit was
    introduced (or tightened) still loads; commands are always checked.
    """
    token = _checking_limits.set(False)
    try:
        yield
    finally:
        _checking_limits.reset(token)


def checking_limits() -> bool:
    """Whether limits are checked here (everywhere but while stored values are read back)."""
    return _checking_limits.get()


# --- enumerations ----------------------------------------------------------------------


class Role(enum.Enum):
    """A duty a person holds in the library's social-media team."""

    CONTENT_PLANNER = "content_planner"
    REVIEWER = "reviewer"
    OPERATIONS_ADMIN = "operations_admin"
    TECHNICAL_SUPPORT = "technical_support"
    BUDGET_OWNER = "budget_owner"
    AUDITOR = "auditor"
    SCHEDULER = "scheduler"
    """The scheduled run (``libops tick``): publishes what is due, collects metrics and
    escalates overdue questions, and nothing else (issue 11, item 8)."""


class PlatformDirectory(Protocol):
    """What :class:`Platform` asks of the platform registry
    (:class:`libops.domain.platforms.PlatformRegistry`, which installs itself here)."""

    def ids(self) -> tuple[str, ...]: ...

    def __contains__(self, platform_id: object) -> bool: ...

    def publishes(self, platform_id: str) -> bool: ...

    def check_own_metrics(
        self, platform_id: str, values: Mapping[str, object]
    ) -> dict[str, int | Decimal]: ...


_DIRECTORY: list[PlatformDirectory] = []


def use_platform_directory(directory: PlatformDirectory) -> None:
    """Make ``directory`` the registry :class:`Platform` consults (done once, by
    :mod:`libops.domain.platforms`, which the :mod:`libops.domain` package imports)."""
    _DIRECTORY[:] = [directory]


def _directory() -> PlatformDirectory:
    if not _DIRECTORY:  # pragma: no cover - libops.domain imports the registry first
        raise RuntimeError("libops.domain.platforms is not loaded")
    return _DIRECTORY[0]


class _PlatformType(enum.EnumMeta):
    """Iterates (and counts, and tests membership of) every *registered* platform, in the
    order of registration: the shipped ones first (see :mod:`libops.domain.platforms`)."""

    def __iter__(cls: type[Platform]) -> Iterator[Platform]:  # type: ignore[misc, override]
        return iter([cls(platform_id) for platform_id in _directory().ids()])

    def __len__(cls) -> int:
        return len(_directory().ids())

    def __contains__(cls, value: object) -> bool:
        if isinstance(value, enum.Enum):
            return isinstance(value, cls) and value.value in _directory()
        return value in _directory()


class Platform(enum.Enum, metaclass=_PlatformType):
    """A platform or channel the library works on, by its registered id.

    The platforms libops ships are members (``Platform.WEIBO``); a platform registered at run
    time (an entry point in the ``libops.platforms`` group, or ``LibOps.open(platforms=...)``)
    is ``Platform("its_id")``: one interned value per id, equal, hashable and picklable like
    the shipped ones, stored as its id. An id nobody registered is refused. Its profile
    (names, limits, metrics) is :func:`libops.domain.platforms.profile_of`.
    """

    WEIBO = "weibo"
    WECHAT = "wechat"
    DOUYIN = "douyin"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    XIAOHONGSHU = "xiaohongshu"
    BILIBILI = "bilibili"
    WECHAT_CHANNELS = "wechat_channels"
    KUAISHOU = "kuaishou"
    # The library's own channels: readers reach the library there, nothing is published.
    WEBSITE = "website"
    EMAIL = "email"
    TELEPHONE = "telephone"
    DESK = "desk"

    @classmethod
    def _missing_(cls, value: object) -> Platform | None:
        # A registered platform that is not a shipped member: one interned value per id.
        if not isinstance(value, str) or value not in _directory():
            return None
        member = _REGISTERED_MEMBERS.get(value)
        if member is None:
            member = object.__new__(cls)
            member._value_ = value
            member._name_ = value.upper()
            member = _REGISTERED_MEMBERS.setdefault(value, member)
        return member

    @property
    def publishes(self) -> bool:
        """Whether posts are published here (False on the library's own channels)."""
        return _directory().publishes(self.value)


_REGISTERED_MEMBERS: Final[dict[str, Platform]] = {}


class ContentType(enum.Enum):
    """What a post is for: news, knowledge or interaction with readers."""

    NEWS = "news"
    KNOWLEDGE = "knowledge"
    INTERACTIVE = "interactive"


class Format(enum.Enum):
    """How a post is presented."""

    IMAGE_TEXT = "image_text"
    VIDEO = "video"
    LIVE = "live"


class Metric(enum.Enum):
    """A measurable quantity a campaign objective can target."""

    READS = "reads"
    VIEWS = "views"
    LIKES = "likes"
    COMMENTS = "comments"
    SHARES = "shares"
    FAVOURITES = "favourites"
    FOLLOWERS_GAINED = "followers_gained"
    ENGAGEMENTS = "engagements"
    POSTS_PUBLISHED = "posts_published"
    PARTICIPANTS = "participants"


# --- helpers ---------------------------------------------------------------------------

T = TypeVar("T")


# Any C0 or C1 control character, DEL, or a surrogate (which a Python string holds only
# when it is lone: a valid pair is one character): none is text a person meant to write.
_NOT_IN_A_LINE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, less the line breaks and tabs that multi-line text naturally holds.
_NOT_IN_TEXT: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_characters(field_name: str, value: str, *, one_line: bool) -> None:
    if not checking_limits():
        return
    bad = (_NOT_IN_A_LINE if one_line else _NOT_IN_TEXT).search(value)
    if bad is None:
        return
    char = bad.group()
    if "\ud800" <= char <= "\udfff":
        raise ControlCharacterError(
            field_name,
            f"{field_name} holds characters that are not valid Unicode "
            f"(a lone surrogate, U+{ord(char):04X}, at position {bad.start()})",
        )
    allowed = "one line of printable text" if one_line else "printable text, tabs and line breaks"
    raise ControlCharacterError(
        field_name,
        f"{field_name} holds the control character U+{ord(char):04X} at position "
        f"{bad.start()}; it must be {allowed}",
    )


def _check_length(field_name: str, text: str, max_length: int) -> None:
    if checking_limits() and len(text) > max_length:
        raise LimitExceededError(
            field_name, max_length, f"{field_name} is {len(text)} characters; at most {max_length}"
        )


def storable_text(field_name: str, value: object, *, max_length: int = TEXT_MAX) -> str:
    """``value`` if it is text libops keeps: multi-line, at most ``max_length`` characters, no
    control characters but tabs and line breaks, no lone surrogates (it may be empty)."""
    if not isinstance(value, str):
        raise InvalidValueError(f"{field_name} must be text, not {type(value).__name__}")
    _check_characters(field_name, value, one_line=False)
    _check_length(field_name, value.strip(), max_length)
    return value


def require_text(field_name: str, value: object, *, max_length: int | None = None) -> str:
    """``value`` stripped, if it is non-empty multi-line text of at most ``max_length``
    characters (:data:`TEXT_MAX` by default): a body, description, comment, note, reason."""
    stripped = storable_text(field_name, value, max_length=max_length or TEXT_MAX).strip()
    if not stripped:
        raise InvalidValueError(f"{field_name} must not be empty")
    return stripped


def optional_line(field_name: str, value: object, *, max_length: int = NAME_MAX) -> str:
    """``value`` stripped, if it is one line of printable text of at most ``max_length``
    characters (it may be empty): an actor's display name, say."""
    if not isinstance(value, str):
        raise InvalidValueError(f"{field_name} must be text, not {type(value).__name__}")
    stripped = value.strip()  # a line break or tab at either end is dropped, not refused
    _check_characters(field_name, stripped, one_line=True)
    _check_length(field_name, stripped, max_length)
    return stripped


def require_line(field_name: str, value: object, *, max_length: int = NAME_MAX) -> str:
    """``value`` stripped, if it is one non-empty line of printable text of at most
    ``max_length`` characters: a name, title, handle, id or reference."""
    stripped = optional_line(field_name, value, max_length=max_length)
    if not stripped:
        raise InvalidValueError(f"{field_name} must not be empty")
    return stripped


def at_most(field_name: str, values: Iterable[T], limit: int = ITEMS_MAX) -> tuple[T, ...]:
    """``values`` as a tuple, if there are at most ``limit`` of them."""
    items: list[T] = []
    for value in values:
        items.append(value)
        if len(items) > limit and checking_limits():
            raise LimitExceededError(
                field_name, limit, f"{field_name} holds more than {limit} items; at most {limit}"
            )
    return tuple(items)


def require_count(field_name: str, value: object) -> int:
    """``value`` if it is a whole number from 0 to :data:`COUNT_MAX`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"{field_name} must be a whole number, not {type(value).__name__}")
    if value < 0:
        raise InvalidValueError(f"{field_name} must not be negative")
    if value > COUNT_MAX and checking_limits():
        raise LimitExceededError(field_name, COUNT_MAX, f"{field_name} is above {COUNT_MAX:,}")
    return value


D = TypeVar("D", bound=date)


def require_day(field_name: str, value: D) -> D:
    """``value`` (a date, or the day of a datetime) if it lies in the years libops accepts."""
    day = value.date() if isinstance(value, datetime) else value
    if checking_limits() and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise DateRangeError(
            f"{field_name} ({value.isoformat()}) is outside the days libops accepts, "
            f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
        )
    return value


def _text_validator(max_length: int | None = None, *, one_line: bool = False) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if one_line:
            require_line(attribute.name, value, max_length=max_length or NAME_MAX)
        else:
            require_text(attribute.name, value, max_length=max_length)

    return validate


E = TypeVar("E", bound=enum.Enum)


def to_enum(enum_type: type[E], value: object) -> E:
    """Return ``value`` as a member of ``enum_type`` (given the member or its value)."""
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in enum_type)
        raise InvalidValueError(
            f"{value!r} is not a {enum_type.__name__}; expected one of: {choices}"
        ) from None


def enum_converter(enum_type: type[E]) -> Callable[[object], E]:
    """A converter that turns a member or its value into a member of ``enum_type``."""

    def convert(value: object) -> E:
        return to_enum(enum_type, value)

    return convert


def tuple_of(kind: type[T], what: str, values: Iterable[object]) -> tuple[T, ...]:
    """``values`` as a tuple, each of them a ``kind`` (``what`` names them in the error)."""
    checked: list[T] = []
    for value in at_most(what, values):
        if not isinstance(value, kind):
            raise InvalidValueError(f"{what} must be {kind.__name__} values, not {value!r}")
        checked.append(value)
    return tuple(checked)


def to_platform(value: Platform | str) -> Platform:
    """Convert a platform name or member to a :class:`Platform`."""
    return to_enum(Platform, value)


def to_optional_platform(value: Platform | str | None) -> Platform | None:
    """Like :func:`to_platform`, but ``None`` stays ``None``."""
    return None if value is None else to_enum(Platform, value)


def to_metric(value: Metric | str) -> Metric:
    """Convert a metric name or member to a :class:`Metric`."""
    return to_enum(Metric, value)


def _aware(field_name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidValueError(f"{field_name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(f"{field_name} must be timezone-aware")
    return value


def utc_moment(field_name: str, value: object) -> datetime:
    """``value`` converted to UTC if it is a timezone-aware datetime, else InvalidValueError."""
    # Stored times are UTC: a moment in a repeated local hour (fold=1) would otherwise not
    # equal itself once reloaded with a fixed offset.
    aware = _aware(field_name, value)
    try:
        moment = aware.astimezone(UTC)
    except OverflowError:
        raise DateRangeError(f"{field_name} is out of range ({value!r})") from None
    return require_day(field_name, moment)


_utc = utc_moment


def require_uuid(what: str, value: object) -> UUID:
    """``value`` as a UUID (given as a UUID or its text), else InvalidValueError."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    raise InvalidValueError(f"{value!r} is not a {what}")


def optional_uuid(what: str, value: object) -> UUID | None:
    """``value`` as a UUID (given as a UUID or its text), None as None, else InvalidValueError."""
    return None if value is None else require_uuid(what, value)


def _observed_at_utc(value: datetime) -> datetime:
    return _utc("observed_at", value)


def _published_at_utc(value: datetime) -> datetime:
    return _utc("published_at", value)


def _count_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.default is None:
        return
    require_count(attribute.name, value)


def _text_list(what: str, value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidValueError(f"{what} is a list of texts, not a single text")
    try:
        return at_most(what, value)
    except TypeError:
        raise InvalidValueError(f"{what} is a list of texts, not {value!r}") from None


def _deliverables(value: Iterable[str]) -> tuple[str, ...]:
    return _text_list("deliverables", value)


def _variant_media(value: Iterable[str]) -> tuple[str, ...]:
    return _text_list("media", value)


# --- money -----------------------------------------------------------------------------


def currency_code(value: object) -> str:
    """Return ``value`` as a known ISO 4217 code, or raise :class:`CurrencyError`."""
    if not isinstance(value, str) or value not in MINOR_UNITS:
        raise CurrencyError(f"{value!r} is not an ISO 4217 currency code with a minor unit")
    return value


def _exact_decimal(value: Decimal | int | str) -> Decimal:
    # A float (or a bool) is not exact money; callers that pass one anyway are refused here.
    if isinstance(value, bool | float):
        raise MoneyError(
            f"money must be given as a Decimal, int or string, never a float ({value!r})"
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not a number") from None
    elif isinstance(value, Decimal):
        amount = value
    else:
        raise MoneyError(f"money cannot be made from a {type(value).__name__}")
    if not amount.is_finite():
        raise MoneyError(f"money must be finite, not {amount}")
    if amount < 0:
        raise MoneyError(f"money must not be negative ({amount})")
    return amount


def _currency_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    currency_code(value)


@attrs.frozen(order=False)
class Money:
    """An exact, non-negative amount in one currency, quantised to its minor unit."""

    amount: Decimal = attrs.field(converter=_exact_decimal)
    currency: str = attrs.field(default=DEFAULT_CURRENCY, validator=_currency_validator)

    def __attrs_post_init__(self) -> None:
        exponent = Decimal(1).scaleb(-MINOR_UNITS[self.currency])
        try:
            quantised = self.amount.quantize(exponent)
        except InvalidOperation:
            # More digits than the decimal context holds exactly (28 by default).
            raise MoneyError(
                f"{self.amount} {self.currency} is too large to hold exactly"
            ) from None
        if quantised != self.amount:
            raise MoneyError(
                f"{self.amount} has more decimal places than {self.currency} allows "
                f"({MINOR_UNITS[self.currency]})"
            )
        # copy_abs: a negative zero ("-0") is stored and shown as plain zero.
        object.__setattr__(self, "amount", quantised.copy_abs())

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        """No money, in ``currency``."""
        return cls(Decimal(0), currency)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# --- people ----------------------------------------------------------------------------


def _roles(value: Iterable[Role | str]) -> frozenset[Role]:
    if isinstance(value, str | Role):
        value = [value]
    try:
        given = at_most("roles", value)
    except TypeError:
        raise InvalidValueError(
            f"an actor's roles are a list of roles, not {type(value).__name__}"
        ) from None
    return frozenset(to_enum(Role, r) for r in given)


def _display_name(value: str) -> str:
    optional_line("an actor's name", value)
    return value


def _scope_platforms(value: Iterable[Platform | str] | None) -> frozenset[Platform] | None:
    if value is None:
        return None
    if isinstance(value, str | Platform):
        value = [value]
    return frozenset(to_enum(Platform, p) for p in at_most("platforms", value))


def _scope_campaigns(value: Iterable[UUID | str] | None) -> frozenset[UUID] | None:
    if value is None:
        return None
    if isinstance(value, str | UUID):
        value = [value]
    found = set()
    for item in at_most("campaigns", value):
        if isinstance(item, UUID):
            found.add(item)
            continue
        try:
            found.add(UUID(str(item)))
        except ValueError:
            raise InvalidValueError(f"{item!r} is not a campaign id") from None
    return frozenset(found)


@attrs.frozen
class Scope:
    """What a person's roles reach: some platforms' accounts, some campaigns, or (None) all.

    ``platforms=None`` is every platform, ``campaigns=None`` every campaign; an empty set is
    none of them. A scoped person's command must be about campaigns and platforms inside
    their scope, or it is refused (see ``libops.application.scopes``).
    """

    platforms: frozenset[Platform] | None = attrs.field(default=None, converter=_scope_platforms)
    campaigns: frozenset[UUID] | None = attrs.field(default=None, converter=_scope_campaigns)

    @property
    def unrestricted(self) -> bool:
        """Whether this scope reaches everything (neither platforms nor campaigns limited)."""
        return self.platforms is None and self.campaigns is None


def _scope(value: Scope | None) -> Scope | None:
    if value is not None and not isinstance(value, Scope):
        raise InvalidValueError(f"an actor's scope is a Scope, not {type(value).__name__}")
    return None if value is None or value.unrestricted else value


@attrs.frozen
class Actor:
    """A person acting in libops, with the roles that decide what they may do.

    ``scope`` limits the roles to some platforms or campaigns (None: unrestricted).
    """

    id: str = attrs.field(validator=_text_validator(NAME_MAX, one_line=True))
    roles: frozenset[Role] = attrs.field(converter=_roles)
    name: str = attrs.field(default="", converter=_display_name)
    scope: Scope | None = attrs.field(default=None, kw_only=True, converter=_scope)

    def has_any(self, roles: Iterable[Role]) -> bool:
        """Whether this actor holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)


# --- campaigns -------------------------------------------------------------------------


@attrs.frozen
class Period:
    """A span of calendar days, both ends included."""

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, date) or isinstance(value, datetime):
                raise PeriodError(f"period {name} must be a date, not {type(value).__name__}")
            require_day(f"the period's {name}", value)
        if self.end < self.start:
            raise PeriodError(f"period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def _target(value: Decimal | int | str) -> Decimal:
    # As for money: a float (or a bool) passed anyway is refused, since it is not exact.
    if isinstance(value, bool | float):
        raise InvalidValueError(f"an objective's target must be exact, not {value!r}")
    try:
        target = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValueError(f"{value!r} is not a number") from None
    if not target.is_finite() or target <= 0:
        raise InvalidValueError(f"an objective's target must be positive and finite ({value!r})")
    if target > COUNT_MAX and checking_limits():
        raise LimitExceededError(
            "target", COUNT_MAX, f"an objective's target is above {COUNT_MAX:,}"
        )
    return target


@attrs.frozen
class Objective:
    """A measurable goal of a campaign: reach ``target`` of ``metric`` (on one platform or all)."""

    metric: Metric = attrs.field(converter=to_metric)
    target: Decimal = attrs.field(converter=_target)
    platform: Platform | None = attrs.field(default=None, converter=to_optional_platform)


def _kol_handle(value: str) -> str:
    return require_line("handle", value)


@attrs.frozen
class KolPartner:
    """An influencer the library works with on a campaign, on agreed terms."""

    # Stripped, so that " @reader" and "@reader" are one partner, not two.
    handle: str = attrs.field(converter=_kol_handle)
    platform: Platform = attrs.field(converter=to_platform)
    audience_size: int = attrs.field(validator=_count_validator)
    deliverables: tuple[str, ...] = attrs.field(converter=_deliverables)
    fee: Money

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.fee, Money):
            raise MoneyError(f"a KOL fee must be Money, not {type(self.fee).__name__}")
        for item in self.deliverables:
            require_text("deliverable", item, max_length=500)


_HASHTAG = re.compile(r"^[^\s#]+$")


def hashtag(value: object) -> str:
    """Return a hashtag without its leading ``#``, or raise :class:`InvalidValueError`."""
    text = require_line("hashtag", value).lstrip("#").strip("#")
    _check_length("hashtag", text, HASHTAG_MAX)
    if not _HASHTAG.match(text):
        raise InvalidValueError(f"{value!r} is not a hashtag (one word, no spaces)")
    return text


# --- posts -----------------------------------------------------------------------------


@attrs.frozen
class PostVariant:
    """The text and media of a post as adapted to one platform."""

    platform: Platform = attrs.field(converter=to_platform)
    text: str = attrs.field(validator=_text_validator(POST_TEXT_MAX))
    media: tuple[str, ...] = attrs.field(default=(), converter=_variant_media)
    link: str | None = None

    def __attrs_post_init__(self) -> None:
        if checking_limits() and not self.platform.publishes:
            raise NotAPublishingPlatformError(self.platform.value)
        for item in self.media:
            optional_line("a media reference", item, max_length=LINE_MAX)
        if self.link is not None:
            optional_line("link", self.link, max_length=LINE_MAX)


@attrs.frozen
class PlatformLimits:
    """What a platform accepts in one post, as declared by its adapter."""

    max_text_length: int
    max_media: int
    allows_links: bool = True
    requires_media: bool = False

    def violations(self, variant: PostVariant) -> list[str]:
        """Every way ``variant`` breaks these limits, in words; empty when it fits."""
        problems = []
        if len(variant.text) > self.max_text_length:
            problems.append(
                f"text is {len(variant.text)} characters, "
                f"{variant.platform.value} allows {self.max_text_length}"
            )
        if len(variant.media) > self.max_media:
            problems.append(
                f"{len(variant.media)} media items, "
                f"{variant.platform.value} allows {self.max_media}"
            )
        if variant.link is not None and not self.allows_links:
            problems.append(f"{variant.platform.value} does not allow links in posts")
        if self.requires_media and not variant.media:
            problems.append(f"{variant.platform.value} needs at least one media item")
        return problems


COMMON_COUNTS: Final = (
    "reads",
    "views",
    "likes",
    "comments",
    "shares",
    "favourites",
    "followers_gained",
)
"""The counts every metric snapshot carries, whatever its platform."""


@attrs.define(frozen=True, eq=False, init=False, repr=False)
class OwnMetricValues(Mapping[str, "int | Decimal"]):
    """A platform's own metrics in one snapshot, by metric id: an immutable, hashable
    mapping (counts as ``int``, ratios and seconds as :class:`~decimal.Decimal`), equal to
    any mapping with the same items. An attrs class, so aggregate snapshots store it."""

    _items: dict[str, int | Decimal]

    def __init__(self, values: Mapping[str, int | Decimal] | None = None) -> None:
        object.__setattr__(self, "_items", dict(sorted((values or {}).items())))

    def __getitem__(self, key: str) -> int | Decimal:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"OwnMetricValues({self._items!r})"


NO_OWN_METRICS: Final = OwnMetricValues()
"""A snapshot's ``extra`` when it carries no own metrics (immutable, so shared)."""


def _own_metric_values(value: Any, snapshot: Any) -> OwnMetricValues:
    # Typed Any, not Mapping: callers build snapshots from ``**counts`` (a dict of ints), which
    # a Mapping-typed ``extra`` would refuse at type-checking time; checked here at run time,
    # against the profile of the snapshot's platform (set before ``extra``: fields are
    # converted in order), except while stored values are read back.
    if value is NO_OWN_METRICS or value is None:
        return NO_OWN_METRICS
    if not isinstance(value, Mapping):
        raise InvalidValueError(
            f"extra must map own metric ids to values, not {type(value).__name__}"
        )
    if not value:
        return NO_OWN_METRICS
    if not checking_limits():
        return value if isinstance(value, OwnMetricValues) else OwnMetricValues(dict(value))
    checked = _directory().check_own_metrics(snapshot.platform.value, at_most_items(value))
    return OwnMetricValues(checked)


def at_most_items(value: Mapping[Any, Any]) -> dict[str, int | Decimal]:
    """``value`` as a dict, if it holds at most :data:`ITEMS_MAX` items."""
    if len(value) > ITEMS_MAX and checking_limits():
        raise LimitExceededError(
            "extra", ITEMS_MAX, f"extra holds more than {ITEMS_MAX} items; at most {ITEMS_MAX}"
        )
    return dict(value)


@attrs.frozen
class MetricSnapshot:
    """Cumulative counts for one post on one platform, as observed at one moment.

    ``extra`` holds the platform's own metrics (WeChat's 在看 as ``{"wow": 12}``, Douyin's
    完播率 as ``{"completion_rate": Decimal("0.42")}``): each must be one its profile
    declares (:mod:`libops.domain.platforms`), of the kind declared.
    """

    platform: Platform = attrs.field(converter=to_platform)
    observed_at: datetime = attrs.field(converter=_observed_at_utc)
    reads: int = attrs.field(default=0, validator=_count_validator)
    views: int = attrs.field(default=0, validator=_count_validator)
    likes: int = attrs.field(default=0, validator=_count_validator)
    comments: int = attrs.field(default=0, validator=_count_validator)
    shares: int = attrs.field(default=0, validator=_count_validator)
    favourites: int = attrs.field(default=0, validator=_count_validator)
    followers_gained: int | None = attrs.field(default=None, validator=_count_validator)
    # mypy's attrs plugin does not know attrs.Converter: ``extra`` is then taken as Any.
    extra: OwnMetricValues = attrs.field(
        default=NO_OWN_METRICS,
        converter=attrs.Converter(_own_metric_values, takes_self=True),  # type: ignore[misc]
    )

    COUNTS = COMMON_COUNTS

    def counts(self) -> dict[str, int | None]:
        """The cumulative counts by name, without the platform and time."""
        return {name: getattr(self, name) for name in self.COUNTS}

    def same_counts(self, other: MetricSnapshot) -> bool:
        """Whether ``other`` carries exactly the same counts and own metrics (whatever its
        time)."""
        return self.counts() == other.counts() and self.extra == other.extra

    def lowered(self, previous: MetricSnapshot) -> list[str]:
        """The counts that are lower here than in ``previous`` (a platform correction)."""
        lower = []
        for name in self.COUNTS:
            now, before = getattr(self, name), getattr(previous, name)
            if now is not None and before is not None and now < before:
                lower.append(name)
        return lower


@attrs.frozen
class ReviewChecklist:
    """The reviewer's confirmation that a post is accurate, cleared for copyright and private."""

    accuracy: bool
    copyright: bool
    privacy: bool
    notes: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("accuracy", "copyright", "privacy"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidValueError(f"checklist item {name} must be true or false")
        storable_text("the checklist's notes", self.notes)

    @property
    def passed(self) -> bool:
        """Whether every item on the checklist is confirmed."""
        return self.accuracy and self.copyright and self.privacy


class FindingKind(enum.Enum):
    """What an automatic check found in a post's text."""

    MOBILE_NUMBER = "mobile_number"
    ID_CARD_NUMBER = "id_card_number"
    EMAIL_ADDRESS = "email_address"
    SENSITIVE_WORD = "sensitive_word"
    SIMILAR_POST = "similar_post"
    """``where`` is ``post:<id>`` of a recent post the text is close to; ``excerpt`` the score
    (0 to 100). See docs/sameness.md."""
    # Media licences (issue 17, item 8): ``where`` is ``media:<asset id or reference>``;
    # ``excerpt`` says what is wrong (the expiry day, the platform). See docs/media.md.
    MEDIA_UNKNOWN = "media_unknown"
    MEDIA_WITHDRAWN = "media_withdrawn"
    LICENCE_EXPIRED = "licence_expired"
    LICENCE_PLATFORM = "licence_platform"


def _to_finding_kind(value: FindingKind | str) -> FindingKind:
    return to_enum(FindingKind, value)


@attrs.frozen
class Finding:
    """One thing an automatic review check found, masked so it does not leak again."""

    kind: FindingKind = attrs.field(converter=_to_finding_kind)
    where: str
    excerpt: str


@attrs.frozen
class PublishReceipt:
    """What a platform answered when a post variant went out."""

    platform: Platform = attrs.field(converter=to_platform)
    external_id: str = attrs.field(validator=_text_validator(LINE_MAX, one_line=True))
    url: str
    published_at: datetime = attrs.field(converter=_published_at_utc)
