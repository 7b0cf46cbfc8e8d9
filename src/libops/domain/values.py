"""Value objects of the libops domain: immutable, validated on construction, no I/O."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from uuid import UUID

import attrs

from libops.domain.currencies import DEFAULT_CURRENCY, MINOR_UNITS
from libops.domain.errors import CurrencyError, InvalidValueError, MoneyError, PeriodError

# --- enumerations ----------------------------------------------------------------------


class Role(enum.Enum):
    """A duty a person holds in the library's social-media team."""

    CONTENT_PLANNER = "content_planner"
    REVIEWER = "reviewer"
    OPERATIONS_ADMIN = "operations_admin"
    TECHNICAL_SUPPORT = "technical_support"
    BUDGET_OWNER = "budget_owner"
    AUDITOR = "auditor"


class Platform(enum.Enum):
    """A social-media platform the library publishes on."""

    WEIBO = "weibo"
    WECHAT = "wechat"
    DOUYIN = "douyin"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"


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


def require_text(field_name: str, value: object, *, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(f"{field_name} must be text, not {type(value).__name__}")
    stripped = storable_text(field_name, value).strip()
    if not stripped:
        raise InvalidValueError(f"{field_name} must not be empty")
    if max_length is not None and len(stripped) > max_length:
        raise InvalidValueError(f"{field_name} is longer than {max_length} characters")
    return stripped


def storable_text(field_name: str, value: object) -> str:
    """Return ``value`` if it is text a store can hold (UTF-8: no lone surrogates)."""
    if not isinstance(value, str):
        raise InvalidValueError(f"{field_name} must be text, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValueError(
            f"{field_name} holds characters that are not valid Unicode (lone surrogates)"
        ) from None
    return value


def _text_validator(max_length: int | None = None) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
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


T = TypeVar("T")


def tuple_of(kind: type[T], what: str, values: Iterable[object]) -> tuple[T, ...]:
    """``values`` as a tuple, each of them a ``kind`` (``what`` names them in the error)."""
    checked: list[T] = []
    for value in values:
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
    try:
        return _aware(field_name, value).astimezone(UTC)
    except OverflowError:
        raise InvalidValueError(f"{field_name} is out of range ({value!r})") from None


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
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(
            f"{attribute.name} must be a whole number, not {type(value).__name__}"
        )
    if value < 0:
        raise InvalidValueError(f"{attribute.name} must not be negative")


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidValueError("expected a list of texts, not a single text")
    return tuple(value)


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
    return frozenset(to_enum(Role, r) for r in value)


@attrs.frozen
class Actor:
    """A person acting in libops, with the roles that decide what they may do."""

    id: str = attrs.field(validator=_text_validator(200))
    roles: frozenset[Role] = attrs.field(converter=_roles)
    name: str = ""

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
    return target


@attrs.frozen
class Objective:
    """A measurable goal of a campaign: reach ``target`` of ``metric`` (on one platform or all)."""

    metric: Metric = attrs.field(converter=to_metric)
    target: Decimal = attrs.field(converter=_target)
    platform: Platform | None = attrs.field(default=None, converter=to_optional_platform)


def _kol_handle(value: str) -> str:
    return require_text("handle", value, max_length=200)


@attrs.frozen
class KolPartner:
    """An influencer the library works with on a campaign, on agreed terms."""

    # Stripped, so that " @reader" and "@reader" are one partner, not two.
    handle: str = attrs.field(converter=_kol_handle)
    platform: Platform = attrs.field(converter=to_platform)
    audience_size: int = attrs.field(validator=_count_validator)
    deliverables: tuple[str, ...] = attrs.field(converter=_str_tuple)
    fee: Money

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.fee, Money):
            raise MoneyError(f"a KOL fee must be Money, not {type(self.fee).__name__}")
        for item in self.deliverables:
            require_text("deliverable", item, max_length=500)


_HASHTAG = re.compile(r"^[^\s#][^\s#]{0,99}$")


def hashtag(value: object) -> str:
    """Return a hashtag without its leading ``#``, or raise :class:`InvalidValueError`."""
    text = require_text("hashtag", value).lstrip("#").strip("#")
    if not _HASHTAG.match(text):
        raise InvalidValueError(f"{value!r} is not a hashtag (one word, no spaces)")
    return text


# --- posts -----------------------------------------------------------------------------


@attrs.frozen
class PostVariant:
    """The text and media of a post as adapted to one platform."""

    platform: Platform = attrs.field(converter=to_platform)
    text: str = attrs.field(validator=_text_validator())
    media: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    link: str | None = None


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


@attrs.frozen
class MetricSnapshot:
    """Cumulative counts for one post on one platform, as observed at one moment."""

    platform: Platform = attrs.field(converter=to_platform)
    observed_at: datetime = attrs.field(converter=_observed_at_utc)
    reads: int = attrs.field(default=0, validator=_count_validator)
    views: int = attrs.field(default=0, validator=_count_validator)
    likes: int = attrs.field(default=0, validator=_count_validator)
    comments: int = attrs.field(default=0, validator=_count_validator)
    shares: int = attrs.field(default=0, validator=_count_validator)
    favourites: int = attrs.field(default=0, validator=_count_validator)
    followers_gained: int | None = attrs.field(default=None, validator=_count_validator)

    COUNTS = ("reads", "views", "likes", "comments", "shares", "favourites", "followers_gained")

    def counts(self) -> dict[str, int | None]:
        """The cumulative counts by name, without the platform and time."""
        return {name: getattr(self, name) for name in self.COUNTS}

    def same_counts(self, other: MetricSnapshot) -> bool:
        """Whether ``other`` carries exactly the same counts (whatever its time)."""
        return self.counts() == other.counts()

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
    external_id: str = attrs.field(validator=_text_validator())
    url: str
    published_at: datetime = attrs.field(converter=_published_at_utc)
