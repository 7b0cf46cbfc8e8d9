"""Automatic review checks: personal data and sensitive words in a post's texts.

Pure functions. A finding never repeats what it found in full: phone numbers, ID-card numbers
and e-mail addresses are masked, so recording a finding does not leak the data a second time.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import ChecklistIncompleteError, InvalidValueError, ReviewItemError
from libops.domain.permissions import authorize
from libops.domain.validation import reason_text
from libops.domain.values import (
    Actor,
    Finding,
    FindingKind,
    require_line,
    to_enum,
)

PERSONAL_DATA: Final = frozenset(
    {FindingKind.MOBILE_NUMBER, FindingKind.ID_CARD_NUMBER, FindingKind.EMAIL_ADDRESS}
)
"""The kinds of finding that are personal data (a post with any of them is not approved)."""

# Texts are normalised with NFKC first, so the full-width digits, letters and at-signs
# common in Chinese text are caught like their ASCII forms.

# 11 digits starting 1[3-9], optionally +86 / 86 before it and spaces or hyphens in the
# usual 3-4-4 places, but never part of a longer run of digits.
_MOBILE: Final = re.compile(
    r"(?<![0-9])(?:\+86[ -]?|86[ -])?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])"
)

# 17 digits and a check character (0-9 or X), not part of a longer run.
_ID_CARD: Final = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx])(?![0-9Xx])")

_EMAIL: Final = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)

_ID_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS: Final = "10X98765432"

_EARLIEST_BIRTH_YEAR: Final = 1900
_LATEST_BIRTH_YEAR: Final = 2099


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# --- resident ID-card numbers ----------------------------------------------------------


def id_card_check_character(first_17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID-card number."""
    if len(first_17) != 17 or not first_17.isascii() or not first_17.isdigit():
        raise InvalidValueError("an ID-card number starts with exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def is_id_card_number(candidate: str) -> bool:
    """Whether ``candidate`` is an 18-character resident ID-card number that could be real.

    The check character must match (ISO 7064 MOD 11-2), the region code must not start with
    0 and the birth date must be a real date between 1900 and 2099.
    """
    text = _normalise(candidate).upper()
    if len(text) != 18 or not text.isascii():
        return False
    body, check = text[:17], text[17]
    if not body.isdigit() or check not in _ID_CHECK_CHARS or body[0] == "0":
        return False
    try:
        born = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return False
    if not _EARLIEST_BIRTH_YEAR <= born.year <= _LATEST_BIRTH_YEAR:
        return False
    return id_card_check_character(body) == check


# --- masking ---------------------------------------------------------------------------


def mask_mobile_number(digits: str) -> str:
    """``13812345678`` -> ``138****5678``: operator prefix and last four only."""
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id_card_number(number: str) -> str:
    """Keep the first three and last four characters; the birth date never shows."""
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def mask_email_address(local: str, domain: str) -> str:
    """``zhang.san@example.org`` -> ``z***@example.org``."""
    return f"{local[0]}***@{domain}"


# --- the checks ------------------------------------------------------------------------


def find_mobile_numbers(text: str) -> list[str]:
    """Masked mainland China mobile numbers in ``text``, in order of appearance."""
    return [
        mask_mobile_number("".join(match.groups())) for match in _MOBILE.finditer(_normalise(text))
    ]


def find_id_card_numbers(text: str) -> list[str]:
    """Masked resident ID-card numbers with a valid check character, in order of appearance.

    18-digit runs whose check character is wrong are not findings: they are order numbers,
    ISBN-like codes and the like far more often than mistyped ID cards.
    """
    found = []
    for match in _ID_CARD.finditer(_normalise(text)):
        number = match.group(1).upper()
        if is_id_card_number(number):
            found.append(mask_id_card_number(number))
    return found


def find_email_addresses(text: str) -> list[str]:
    """Masked e-mail addresses in ``text``, in order of appearance."""
    return [
        mask_email_address(match.group(1), match.group(2).lower())
        for match in _EMAIL.finditer(_normalise(text))
    ]


def sensitive_word_list(words: Iterable[str]) -> tuple[str, ...]:
    """Validate a configured sensitive-word list: texts, none empty, duplicates dropped."""
    if isinstance(words, str):
        raise InvalidValueError("sensitive words are a list of texts, not a single text")
    result: dict[str, None] = {}
    for word in words:
        if not isinstance(word, str) or not word.strip():
            raise InvalidValueError(f"a sensitive word must be non-empty text, not {word!r}")
        result[_normalise(word.strip())] = None
    return tuple(result)


def find_sensitive_words(text: str, words: Iterable[str]) -> list[str]:
    """The configured ``words`` that occur in ``text``, ignoring case, in list order."""
    haystack = _normalise(text).casefold()
    return [word for word in sensitive_word_list(words) if word.casefold() in haystack]


def scan_text(where: str, text: str, sensitive_words: Iterable[str] = ()) -> list[Finding]:
    """Every finding in one text; ``where`` names the text (``title``, ``variant:weibo``)."""
    findings = [Finding(FindingKind.MOBILE_NUMBER, where, m) for m in find_mobile_numbers(text)]
    findings += [Finding(FindingKind.ID_CARD_NUMBER, where, m) for m in find_id_card_numbers(text)]
    findings += [Finding(FindingKind.EMAIL_ADDRESS, where, m) for m in find_email_addresses(text)]
    findings += [
        Finding(FindingKind.SENSITIVE_WORD, where, w)
        for w in find_sensitive_words(text, sensitive_words)
    ]
    return findings


def scan_texts(
    texts: Iterable[tuple[str, str]], sensitive_words: Iterable[str] = ()
) -> tuple[Finding, ...]:
    """Every finding in ``(where, text)`` pairs, each distinct finding once, in text order."""
    words = sensitive_word_list(sensitive_words)
    found: dict[Finding, None] = {}
    for where, text in texts:
        for finding in scan_text(where, text, words):
            found[finding] = None
    return tuple(found)


def has_personal_data(findings: Iterable[Finding]) -> bool:
    """Whether any of ``findings`` is personal data (not merely a sensitive word)."""
    return any(f.kind in PERSONAL_DATA for f in findings)


# --- checklist items a library adds (issue 17, item 9) ---------------------------------

BUILT_IN_ITEMS: Final = ("accuracy", "copyright", "privacy")
"""The items every review answers (the fields of :class:`ReviewChecklist`)."""

REVIEW_ITEMS_ID: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/review-items")
"""The id of the store's one :class:`ReviewItems` aggregate."""

_ITEM_KEY: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")


class ItemAnswer(enum.Enum):
    """A reviewer's answer to a checklist item a library defined."""

    CHECKED = "checked"
    NOT_CHECKED = "not_checked"
    NOT_APPLICABLE = "not_applicable"


@attrs.frozen
class ReviewItem:
    """A checklist item a library adds: its key (``orientation``) and its labels."""

    key: str
    label_en: str
    label_zh: str

    def label(self, language: str) -> str:
        """The label in ``language`` (``zh`` or ``en``)."""
        return self.label_zh if language == "zh" else self.label_en


def review_item_key(value: object) -> str:
    """``value`` if it is a checklist item's key: 1 to 40 lowercase letters, digits and
    underscores, starting with a letter, and not a built-in item."""
    if not isinstance(value, str) or not _ITEM_KEY.fullmatch(value):
        raise ReviewItemError(
            f"a checklist item's key is a short lowercase name (orientation), not {value!r}"
        )
    if value in BUILT_IN_ITEMS:
        raise ReviewItemError(f"{value} is a built-in checklist item")
    return value


class ReviewItems(Aggregate):
    """The checklist items the library adds to every review, in the order they were first
    defined (one per store, id :data:`REVIEW_ITEMS_ID`)."""

    TOPIC = "libops:ReviewItems"

    class Event(events.Event):
        TOPIC = "libops:ReviewItems.Event"

    class Started(events.Created):
        """The library's list of added checklist items was started (by its first item)."""

        TOPIC = "libops:ReviewItems.Started"
        actor_id: str

    class ItemDefined(events.Event):
        """An item was added to the checklist, or its labels changed."""

        TOPIC = "libops:ReviewItems.ItemDefined"
        actor_id: str
        key: str
        label_en: str
        label_zh: str

    class ItemRetired(events.Event):
        """An item was taken off the checklist, with the reason: reviews from now on do not
        answer it (the answers given before stay in their reviews)."""

        TOPIC = "libops:ReviewItems.ItemRetired"
        actor_id: str
        key: str
        reason: str

    @staticmethod
    def create_id(**_: object) -> UUID:
        return REVIEW_ITEMS_ID

    @classmethod
    def start(cls, actor: Actor) -> ReviewItems:
        """Start the list (the first ``review.define_item`` does)."""
        authorize(actor, "review.define_item")
        return cls(actor_id=actor.id)

    @event(Started)
    def __init__(self, actor_id: str) -> None:
        self.items: dict[str, ReviewItem] = {}

    def define(self, actor: Actor, key: str, label_en: str, label_zh: str) -> bool:
        """Add the item ``key`` with its English and Chinese labels, or change its labels;
        False (nothing recorded) if it is defined with these labels already."""
        authorize(actor, "review.define_item")
        item = ReviewItem(
            review_item_key(key),
            require_line("the item's English label", label_en),
            require_line("the item's Chinese label", label_zh),
        )
        if self.items.get(item.key) == item:
            return False
        self._define(
            actor_id=actor.id, key=item.key, label_en=item.label_en, label_zh=item.label_zh
        )
        return True

    @event(ItemDefined)
    def _define(self, actor_id: str, key: str, label_en: str, label_zh: str) -> None:
        self.items = {**self.items, key: ReviewItem(key, label_en, label_zh)}

    def retire(self, actor: Actor, key: str, reason: str) -> None:
        """Take the item ``key`` off the checklist, saying why: reviews from now on do not
        answer it. Defined again later, it comes back at the end of the list."""
        authorize(actor, "review.retire_item")
        if not isinstance(key, str) or key not in self.items:
            defined = ", ".join(self.items) or "none"
            raise ReviewItemError(
                f"{key!r} is not a checklist item the library added (defined: {defined})"
            )
        reason = reason_text(reason, "the reason")
        self._retire(actor_id=actor.id, key=key, reason=reason)

    @event(ItemRetired)
    def _retire(self, actor_id: str, key: str, reason: str) -> None:
        self.items = {k: item for k, item in self.items.items() if k != key}


def item_answers(
    defined: Iterable[str], answers: Mapping[str, ItemAnswer | str] | None
) -> dict[str, str]:
    """The answers to the ``defined`` items' keys, checked: every defined item answered
    (:class:`ChecklistIncompleteError` names the others), no other item, each answer an
    :class:`ItemAnswer`; as ``{key: answer value}`` in the defined order."""
    if not isinstance(answers, Mapping | None):
        raise ReviewItemError("the answers to the checklist items are a mapping of key to answer")
    given = dict(answers or {})
    keys = tuple(defined)
    unknown = sorted(str(k) for k in given if k not in keys)
    if unknown:
        raise ReviewItemError(f"no such checklist item: {', '.join(unknown)}")
    missing = [key for key in keys if key not in given]
    if missing:
        raise ChecklistIncompleteError(f"checklist items not answered: {', '.join(missing)}")
    checked: dict[str, str] = {}
    for key in keys:
        try:
            checked[key] = to_enum(ItemAnswer, given[key]).value
        except InvalidValueError:
            raise ReviewItemError(
                f"answer {key} with checked, not_checked or not_applicable, not {given[key]!r}"
            ) from None
    return checked


def unconfirmed_items(answers: Mapping[str, str]) -> list[str]:
    """The items answered ``not_checked`` (an approval needs none)."""
    return [key for key, answer in answers.items() if answer == ItemAnswer.NOT_CHECKED.value]
