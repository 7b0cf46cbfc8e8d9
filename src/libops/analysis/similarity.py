"""How alike two posts' texts are, in Chinese and English: the sameness check's measure.

The score is rapidfuzz's ``token_sort_ratio`` (0 to 100) on a *comparable form* of each text:
NFKC-normalised (full-width letters and digits read as ASCII), case-folded, punctuation
dropped, every CJK character a token of its own and every run of other letters or digits
(an English word, a number) one token, the tokens sorted. Sorting makes the score ignore
word and character order ("4月23日世界读书日，图书馆全天开放" and "世界读书日：图书馆4月23日全天
开放" score near 100); splitting CJK characters makes Chinese comparable without a word
segmenter. As the tokens are sorted once, when a text is prepared, a check is then plain
``ratio`` (normalised Indel distance, in C++) of the draft against each prepared text.

docs/sameness.md gives the measurements behind the choice (rapidfuzz rather than
scikit-learn's TF-IDF or jieba) and the default threshold (:data:`DEFAULT_THRESHOLD`).
Pure functions: nothing here reads a store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping
from typing import Final, Generic, TypeVar

import attrs
from rapidfuzz import fuzz, process

from libops.domain.errors import InvalidValueError

DEFAULT_THRESHOLD: Final = 70
"""The score (0 to 100) from which two texts count as near-duplicates.

Measured (docs/sameness.md): rewordings of one announcement score 81 to 96, unrelated
library posts 28 to 48, in Chinese and English alike."""

DEFAULT_LIMIT: Final = 3
"""How many of the most similar posts a finding names at most."""

_CJK: Final = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af])")
_NOT_WORD: Final = re.compile(r"[\W_]+")

K = TypeVar("K", bound=Hashable)


def comparable(text: str) -> str:
    """``text`` in the form scores are computed on: normalised, tokenised, tokens sorted."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    spaced = _CJK.sub(r" \1 ", _NOT_WORD.sub(" ", folded))
    return " ".join(sorted(spaced.split()))


def score(first: str, second: str) -> int:
    """How alike two texts are, 0 (nothing shared) to 100 (the same tokens)."""
    return round(fuzz.ratio(comparable(first), comparable(second)))


def threshold(value: object) -> int:
    """Validate a near-duplicate threshold: a whole number from 1 to 100."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise InvalidValueError(
            f"a sameness threshold is a whole number from 1 to 100, not {value!r}"
        )
    return value


@attrs.frozen
class Match(Generic[K]):
    """One prepared text that came close to the text checked."""

    key: K
    score: int


def most_similar(
    text: str,
    prepared: Mapping[K, str],
    *,
    at_least: int = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_LIMIT,
) -> list[Match[K]]:
    """The entries of ``prepared`` (texts already passed through :func:`comparable`) that
    score ``at_least`` against ``text``, the most similar first (ties: in ``prepared``'s
    order), at most ``limit``."""
    threshold(at_least)
    if limit < 1:
        raise InvalidValueError(f"the number of similar posts named is at least 1, not {limit}")
    query = comparable(text)
    if not query or not prepared:
        return []
    found = process.extract(
        query,
        prepared,
        scorer=fuzz.ratio,
        processor=None,
        score_cutoff=at_least,
        limit=limit,
    )
    return [Match(key, round(value)) for _, value, key in found]


def prepare(texts: Iterable[tuple[K, str]]) -> dict[K, str]:
    """Each ``(key, text)`` as ``{key: comparable(text)}``, for :func:`most_similar`."""
    return {key: comparable(text) for key, text in texts}
