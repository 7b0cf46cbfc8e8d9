"""English counts in agreement with their nouns: ``1 post``, ``2 posts``.

The one place that decides singular or plural, for every English text libops writes for
people (the report's catalogue, through :func:`libops.report.words.fill`; the command line's
summaries). It imports nothing, so every layer that writes English may use it.
"""

from __future__ import annotations

from decimal import Decimal


def is_one(value: object) -> bool:
    """Whether a count, as a number or as shown (``"1"``), is exactly one.

    Anything else (0, 2, ``"1,234"``, ``"1.5"``, the sign for none) takes the plural.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int | Decimal):
        return value == 1
    return str(value).strip() == "1"


def noun(value: object, singular: str, plural_form: str | None = None) -> str:
    """The noun that agrees with the count ``value``: ``singular`` for one, else
    ``plural_form`` (``singular + "s"`` when not given)."""
    return singular if is_one(value) else (plural_form or singular + "s")


def plural(value: int, singular: str, plural_form: str | None = None) -> str:
    """A count with thousands separators and its noun in agreement: ``plural(1, "post")``
    is ``"1 post"``, ``plural(1234, "post")`` ``"1,234 posts"``; ``plural_form`` when adding
    "s" will not do (``plural(2, "entry", "entries")``)."""
    return f"{value:,} {noun(value, singular, plural_form)}"
