"""The public JSON form of libops's values, shared by the HTTP API and the event feed.

Ids, decimals and times are text (UUIDs, ``"12.50"``, ISO 8601), enumerations their value,
sets sorted lists, and attrs values objects of their fields. Sealed personal data never
appears: a field carrying it shows only its subject's pseudonymous id.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

import attrs

from libops.domain.personal import SealedPersonalData

__all__ = ["SEALED", "plain"]

SEALED: Final = "sealed"
"""What a field of sealed personal data shows in place of its value (beside the subject id)."""


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (see the module's docstring for the form)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, SealedPersonalData):
        return {"personal_data": SEALED, "subject_id": value.subject_id}
    if attrs.has(type(value)):
        return {
            (field.alias or field.name).lstrip("_"): plain(getattr(value, field.name))
            for field in attrs.fields(type(value))
        }
    if isinstance(value, Mapping):
        return {_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        items = [plain(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(f"no public JSON form for a {type(value).__name__}")


def _key(key: Any) -> str:
    if isinstance(key, tuple):
        return ":".join(_key(part) for part in key)
    text = plain(key)
    return text if isinstance(text, str) else json.dumps(text)
