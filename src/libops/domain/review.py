"""Automatic review checks: personal data and sensitive words in a post's texts.

Pure functions. A finding never repeats what it found in full: phone numbers, ID-card numbers
and e-mail addresses are masked, so recording a finding does not leak the data a second time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Final

from libops.domain.errors import InvalidValueError
from libops.domain.values import Finding, FindingKind

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
