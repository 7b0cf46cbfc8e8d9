"""Value objects of the libops domain: immutable, validated on construction, no I/O.

The limits on a command (:mod:`libops.domain.limits`) and the checks values go through
(:mod:`libops.domain.validation`) live in their own modules; their names are importable from
here too, as they always were.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from uuid import UUID

import attrs

from libops.domain.currencies import Money as Money
from libops.domain.currencies import currency_code as currency_code
from libops.domain.errors import (
    InvalidValueError,
    LimitExceededError,
    MoneyError,
    NotAPublishingPlatformError,
    PeriodError,
)

# The limits and the checks have modules of their own: every name they export is importable
# from here too, as it always was.
from libops.domain.limits import *  # noqa: F403
from libops.domain.limits import (
    COUNT_MAX,
    HASHTAG_MAX,
    ITEMS_MAX,
    LINE_MAX,
    NAME_MAX,
    POST_TEXT_MAX,
    checking_limits,
)
from libops.domain.platform_directory import PlatformDirectory as PlatformDirectory
from libops.domain.platform_directory import PlatformType, platform_directory
from libops.domain.platform_directory import use_platform_directory as use_platform_directory
from libops.domain.validation import *  # noqa: F403
from libops.domain.validation import (
    at_most,
    calendar_day,
    check_length,
    count_validator,
    optional_line,
    require_day,
    require_line,
    require_text,
    storable_text,
    text_list,
    text_validator,
    to_enum,
    utc_moment,
)

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


class Platform(enum.Enum, metaclass=PlatformType):
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
        if not isinstance(value, str) or value not in platform_directory():
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
        return platform_directory().publishes(self.value)


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


def to_platform(value: Platform | str) -> Platform:
    """Convert a platform name or member to a :class:`Platform`."""
    return to_enum(Platform, value)


def to_optional_platform(value: Platform | str | None) -> Platform | None:
    """Like :func:`to_platform`, but ``None`` stays ``None``."""
    return None if value is None else to_enum(Platform, value)


def to_platforms(
    values: Iterable[Platform | str], limit_name: str | None = None
) -> tuple[Platform, ...]:
    """One platform or many (members or names) as platforms, each once, in the order first
    given; with ``limit_name``, at most :data:`ITEMS_MAX` of them (``limit_name`` names them
    in the error)."""
    if isinstance(values, str | Platform):
        values = [values]
    if limit_name is not None:
        values = at_most(limit_name, values)
    return tuple(dict.fromkeys(to_platform(v) for v in values))


def to_metric(value: Metric | str) -> Metric:
    """Convert a metric name or member to a :class:`Metric`."""
    return to_enum(Metric, value)


_utc = utc_moment


def _observed_at_utc(value: datetime) -> datetime:
    return _utc("observed_at", value)


def _published_at_utc(value: datetime) -> datetime:
    return _utc("published_at", value)


def _deliverables(value: Iterable[str]) -> tuple[str, ...]:
    return text_list("deliverables", value)


def _variant_media(value: Iterable[str]) -> tuple[str, ...]:
    return text_list("media", value)


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
    return frozenset(to_platforms(value, "platforms"))


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

    id: str = attrs.field(validator=text_validator(NAME_MAX, one_line=True))
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
            value = calendar_day(getattr(self, name), f"period {name} must be a date", PeriodError)
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
    audience_size: int = attrs.field(validator=count_validator)
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
    check_length("hashtag", text, HASHTAG_MAX)
    if not _HASHTAG.match(text):
        raise InvalidValueError(f"{value!r} is not a hashtag (one word, no spaces)")
    return text


# --- posts -----------------------------------------------------------------------------


@attrs.frozen
class PostVariant:
    """The text and media of a post as adapted to one platform."""

    platform: Platform = attrs.field(converter=to_platform)
    text: str = attrs.field(validator=text_validator(POST_TEXT_MAX))
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
    checked = platform_directory().check_own_metrics(snapshot.platform.value, at_most_items(value))
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
    reads: int = attrs.field(default=0, validator=count_validator)
    views: int = attrs.field(default=0, validator=count_validator)
    likes: int = attrs.field(default=0, validator=count_validator)
    comments: int = attrs.field(default=0, validator=count_validator)
    shares: int = attrs.field(default=0, validator=count_validator)
    favourites: int = attrs.field(default=0, validator=count_validator)
    followers_gained: int | None = attrs.field(default=None, validator=count_validator)
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
    external_id: str = attrs.field(validator=text_validator(LINE_MAX, one_line=True))
    url: str
    published_at: datetime = attrs.field(converter=_published_at_utc)
