"""Helpers the interaction aggregates share: times, ids and texts readers wrote."""

from __future__ import annotations

import re
from typing import Final
from uuid import UUID

from libops.domain.errors import ConsentError, InvalidValueError, PersonalDataFoundError
from libops.domain.personal import SealedPersonalData
from libops.domain.review import PERSONAL_DATA, scan_text
from libops.domain.values import optional_uuid, require_text, utc_moment

TEXT_MAX: Final = 4000
"""The longest question, answer or contribution, once stripped."""


utc = utc_moment


def optional_id(what: str, value: object) -> UUID | None:
    """``value`` as a UUID (given as a UUID or its text), or None."""
    return optional_uuid(f"{what} id", value)


def whole_number(what: str, value: object, *, minimum: int, maximum: int) -> int:
    """``value`` if it is an int (not a bool) from ``minimum`` to ``maximum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"{what} must be a whole number, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise InvalidValueError(f"{what} must be from {minimum} to {maximum}, not {value}")
    return value


def public_text(what: str, value: object) -> str:
    """Text stored in clear (a question, an answer, a contribution): no personal data in it.

    Names, handles and contact details belong in the sealed personal data, which erasure can
    destroy; a phone number, ID-card number or e-mail address in clear text could never be
    erased from the event history, so such a text is refused.
    """
    text = require_text(what, value, max_length=TEXT_MAX)
    found = [f for f in scan_text(what, text) if f.kind in PERSONAL_DATA]
    if found:
        raise PersonalDataFoundError(
            f"the {what} holds personal data ("
            + ", ".join(f"{f.kind.value}: {f.excerpt}" for f in found)
            + "); put contact details in the participant's sealed personal data instead",
            tuple(found),
        )
    return text


def sealed(what: str, value: object) -> SealedPersonalData:
    """``value`` if it is sealed personal data whose consent keeps it from third parties."""
    if not isinstance(value, SealedPersonalData):
        raise InvalidValueError(
            f"the {what} must be SealedPersonalData (sealed by ops.privacy), "
            f"not {type(value).__name__}"
        )
    if value.consent.third_parties:
        raise ConsentError("libops never passes participants' personal data to third parties")
    return value


_PUBLIC_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def public_id(what: str, value: object) -> str:
    """An id shown to the public (an entry id): 1 to 100 ASCII letters, digits and ``. _ : -``.

    The narrow alphabet keeps names out and makes the canonical list of ids unambiguous.
    """
    if not isinstance(value, str) or _PUBLIC_ID.fullmatch(value) is None:
        raise InvalidValueError(
            f"{what} must be 1 to 100 ASCII letters, digits and . _ : - "
            f"(starting with a letter or digit), not {value!r}"
        )
    return value
