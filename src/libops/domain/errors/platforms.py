"""Errors of the platforms: registering them, publishing and taking down through their
gateways and HTTP adapters, and publishing by hand.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from libops.domain.errors.core import InvalidValueError, LibopsError, RuleViolationError


class PlatformError(LibopsError):
    """A platform refused or failed a request."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class PlatformTimeoutError(PlatformError):
    """A platform did not answer in time; the request may or may not have gone through."""


class UnknownPlatformPostError(PlatformError):
    """The platform has no post with that external id."""

    def __init__(self, platform: str, external_id: str) -> None:
        super().__init__(f"{platform} has no post with id {external_id!r}", retryable=False)
        self.platform = platform
        self.external_id = external_id


class NoGatewayError(LibopsError, LookupError):
    """No platform gateway is registered for the platform a command needs."""

    def __init__(self, platform: str) -> None:
        super().__init__(
            f"no gateway is registered for {platform}; pass one to LibOps.open(gateways=...)"
        )
        self.platform = platform


class PlatformProfileError(InvalidValueError):
    """A platform profile is malformed (a bad id, a negative limit, a metric declared twice,
    ...) or cannot be registered (its id is taken, its entry point does not load)."""


class DuplicatePlatformError(PlatformProfileError):
    """A platform profile was registered under an id another profile holds already."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"a platform with the id {platform!r} is registered already")
        self.platform = platform


class OwnMetricError(InvalidValueError):
    """A metric snapshot carries a platform's own metric the platform's profile does not
    declare, or a value of the wrong kind for it (a ratio for a count, ...)."""


class NotAPublishingPlatformError(RuleViolationError):
    """A post variant, schedule or publication was asked for on one of the library's own
    channels (its website form, e-mail, telephone, the desk), where nothing is published."""

    def __init__(self, platform: str) -> None:
        super().__init__(
            f"{platform} is one of the library's own channels and does not publish posts"
        )
        self.platform = platform


class PublishFailedError(PlatformError):
    """Publishing one platform variant of a post failed; the failure was recorded on the post."""

    def __init__(self, post_id: UUID, platform: str, message: str, *, retryable: bool) -> None:
        super().__init__(
            f"publishing post {post_id} on {platform} failed: {message}", retryable=retryable
        )
        self.post_id = post_id
        self.platform = platform


class PublishClaimedError(RuleViolationError):
    """Another process has claimed publishing that post on that platform and is at it now."""

    def __init__(self, post_id: UUID, platform: str, holder_id: str, until: datetime) -> None:
        super().__init__(
            f"post {post_id} on {platform} is being published elsewhere: claimed by "
            f"{holder_id} until {until.isoformat()}; its outcome will be recorded there"
        )
        self.post_id = post_id
        self.platform = platform
        self.holder_id = holder_id
        self.until = until


class NoTakeDownError(RuleViolationError, LookupError):
    """The post has no open take-down on that platform (not retracted while live there, or
    taken down or confirmed already)."""


class TakeDownFailedError(PlatformError):
    """Taking a retracted post down on one platform failed; the failure was recorded on it."""

    def __init__(self, post_id: UUID, platform: str, message: str, *, retryable: bool) -> None:
        super().__init__(
            f"taking post {post_id} down on {platform} failed: {message}", retryable=retryable
        )
        self.post_id = post_id
        self.platform = platform


class TakeDownUnsupportedError(RuleViolationError, LookupError):
    """No gateway that can take posts down is configured for that platform: staff take the
    post down by hand and confirm it."""

    def __init__(self, platform: str) -> None:
        super().__init__(
            f"no gateway that can take posts down is configured for {platform}: take the post "
            "down on the platform by hand, then confirm it (post.confirm_take_down)"
        )
        self.platform = platform


class TakeDownUrlError(InvalidValueError):
    """A take-down is confirmed with an http or https address (or none), nothing else."""


class PlatformCredentialsError(PlatformError):
    """A platform refused the credentials an adapter holds (revoked, expired and not
    refreshable, or a wrong app password). Not retryable: staff must issue new ones; the
    message says how and never contains the secret."""

    def __init__(self, platform: str, message: str) -> None:
        super().__init__(f"{platform}: {message}", retryable=False)
        self.platform = platform


class PlatformRateLimitedError(PlatformError):
    """A platform kept answering "too many requests" after the adapter's bounded retries;
    ``retry_after`` is how many seconds the platform asked to wait (None if it did not say)."""

    def __init__(self, platform: str, retry_after: float | None) -> None:
        wait = "" if retry_after is None else f"; it asks to wait {retry_after:g} seconds"
        super().__init__(f"{platform} is rate-limiting this account{wait}", retryable=True)
        self.platform = platform
        self.retry_after = retry_after


class PlatformRejectedError(PlatformError):
    """A platform refused a request for good (a validation failure, a missing permission):
    repeating it will not help. ``status`` is the HTTP status, the message the platform's."""

    def __init__(self, platform: str, status: int, message: str) -> None:
        super().__init__(f"{platform} refused the request ({status}): {message}", retryable=False)
        self.platform = platform
        self.status = status


# Weibo and Douyin HTTP adapters (issue 11, items 2 and 5)


class PublishingNotAllowedError(PlatformError):
    """The platform's API does not let this account publish (Douyin's publishing needs the
    ``video.create.bind`` capability, granted only to approved organisations): not
    retryable; publish by hand, record it with ``post.record_manual_publication`` and
    import the statistics."""

    def __init__(self, platform: str, reason: str) -> None:
        super().__init__(
            f"{platform} does not let libops publish for this account ({reason}): publish it "
            "by hand in the platform's app, record it with post.record_manual_publication "
            "(`libops publish record`), and import the statistics from the platform's export",
            retryable=False,
        )
        self.platform = platform


class PlatformAdapterConfigError(InvalidValueError):
    """An HTTP platform adapter was configured wrongly (a base URL that is not http(s), a
    non-positive timeout or attempt count, an empty account name)."""


class PlatformApiAccessError(PlatformError):
    """The platform does not let this account do that through its API (since July 2025 an
    unverified WeChat account may not publish by API, and only verified ones read the
    statistics). Not retryable: the message says what to do by hand instead."""

    def __init__(self, platform: str, message: str) -> None:
        super().__init__(f"{platform}: {message}", retryable=False)
        self.platform = platform


class PlatformPublicationFailedError(PlatformError):
    """The platform accepted a publication and then failed it (WeChat's asynchronous publish
    ended in a failed originality check, a general failure or a review rejection, or the
    article was deleted or banned at once). Not retryable; ``reason`` names the outcome."""

    def __init__(self, platform: str, reason: str, message: str) -> None:
        super().__init__(f"{platform}: {message}", retryable=False)
        self.platform = platform
        self.reason = reason


class ManualPublicationUrlError(InvalidValueError):
    """The address recorded for a post published by hand is not an http(s) URL with a host."""
