"""What a stored credential is, whatever keeps it: an account and a name (1 to 100 letters,
digits and ``. _ / -``), a value (text, never empty, at most 16,384 characters) and the time it
was set. Every :class:`~libops.domain.ports.CredentialStore` adapter checks through these."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from libops.domain.errors import (
    CredentialNameError,
)
from libops.domain.ports import Clock, Secret

PART: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
MAX_VALUE: Final = 16_384


def checked_part(what: str, value: object) -> str:
    """``value`` if it may be a credential's ``what`` (its account or name)."""
    if not isinstance(value, str) or PART.fullmatch(value) is None:
        shown = value if isinstance(value, str) and len(value) <= 100 else type(value).__name__
        raise CredentialNameError(
            f"a credential's {what} is 1 to 100 letters, digits and . _ / - "
            f"(starting with a letter or digit), not {shown!r}"
        )
    return value


def checked_value(value: object) -> Secret:
    """``value`` as a :class:`Secret`, if it may be a credential's value."""
    if isinstance(value, str):
        value = Secret(value)
    if not isinstance(value, Secret):
        raise CredentialNameError(f"a credential's value is text, not {type(value).__name__}")
    text = value.reveal()
    if not text.strip() or len(text) > MAX_VALUE or "\x00" in text:
        raise CredentialNameError(
            f"a credential's value is 1 to {MAX_VALUE} characters of text (not empty)"
        )
    return value


def now_of(clock: Clock | None) -> datetime:
    """The time on ``clock``, or on the system's clock when None."""
    from libops.adapters.clock import SystemClock

    return (clock or SystemClock()).now()
