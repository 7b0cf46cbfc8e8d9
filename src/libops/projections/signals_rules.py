"""The risk signals' names, the keys of their documents and the small rules they share (signal ids,
the Asia/Shanghai day, exact z-scores): the vocabulary of :mod:`libops.projections.signals` and
of its dispatch.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Context, Decimal
from fractions import Fraction
from typing import Final
from uuid import UUID

from libops.domain.risk import STANDARD_SIGNALS
from libops.projections.views import LOCAL_ZONE

NAME: Final = "risk_signals"
"""The name of the standard risk-signals projection."""

(
    NEGATIVE_COMMENT_SPIKE,
    PUBLISH_FAILURES,
    METRIC_ANOMALY,
    PERSONAL_DATA_IN_DRAFT,
    OVERSPEND,
    HOMOGENEOUS_CONTENT,
    BRIEF_OVERDUE,  # a content brief past its due day, not drafted or dropped (issue 17)
) = STANDARD_SIGNALS

KEY_PREFIX: Final = "signal:"
"""A signal's idempotency key is this followed by its signal id."""

TRAILER: Final = "Signal: "
"""The last line of a signal's description: this, the signal id and a full stop."""

OUTBOX: Final = "outbox:"
"""The key prefix of the signals waiting to be dispatched."""

SAMENESS: Final = "sameness"
"""The key of the sameness detector's state."""

DRAFTS: Final = "drafts_with_personal_data"
"""The key of the ids of the posts in a personal-data episode."""

SPIKES: Final = "spikes_to_clear"
"""The key of the platforms whose comment spike waits for a quiet period, with the last
spiking day of each."""

FIRED: Final = "fired"
"""The ``kind`` of an outbox document that opens or raises a risk."""

CLEARED: Final = "cleared"
"""The ``kind`` of an outbox document that closes a risk because its condition cleared."""

CLEARED_SUFFIX: Final = ":cleared"
"""A clearing's signal id is ``<signal>:<scope>:<n>`` followed by this (``n``: the firings of
the scope so far), so it never equals a firing's id."""

ZONE: Final = LOCAL_ZONE
_EXACT: Final = Context(prec=200)
_SHOWN: Final = Context(prec=28)
_WINDOW: Final = 7
"""Days before the day judged that the comment spike compares with."""


BRIEFS_DUE: Final = "briefs_due"
"""The key of the planned briefs not yet overdue, with their due days."""


def _far_out(value: int, n: int, total: int, squares: int, weights: tuple[int, int, int]) -> bool:
    """Whether |z| >= Z for ``value`` against n earlier values summing to ``total`` (squares
    summing to ``squares``), in whole numbers: no rounding, and fast.

    With d = n x - S and V = n (n Q - S^2), |z| >= Z with sd at least f is
    d^2 (n - 1) >= Z^2 max(V, n^2 (n - 1) f^2); Z and f are fractions zn/zd, fn/fd, so
    d^2 (n - 1) zd^2 fd^2 >= max(zn^2 fd^2 V, zn^2 fn^2 n^2 (n - 1)); ``weights`` are
    (zd^2 fd^2, zn^2 fd^2, zn^2 fn^2).
    """
    far, spread_weight, least_weight = weights
    deviation = n * value - total
    return deviation * deviation * (n - 1) * far >= max(
        spread_weight * n * (n * squares - total * total), least_weight * n * n * (n - 1)
    )


def signal_id_in(description: str) -> str | None:
    """The signal id a signal's risk description ends with (``Signal: <id>.``), if any."""
    last = description.rpartition("\n")[2]
    if not last.startswith(TRAILER) or not last.endswith("."):
        return None
    return last[len(TRAILER) : -1] or None


def signal_parts(signal_id: str) -> tuple[str, str, int] | None:
    """The signal, scope and firing number of a firing's signal id
    (``<signal>:<scope>:<n>``), or None if ``signal_id`` is not one."""
    signal, _, rest = signal_id.partition(":")
    scope, _, number = rest.rpartition(":")
    if not signal or not scope or not number.isdigit() or number.startswith("0"):
        return None
    return signal, scope, int(number)


def signal_key(signal_id: str) -> str:
    """The idempotency key a signal's dispatch uses."""
    return KEY_PREFIX + signal_id


def _optional_uuid(text: str | None) -> UUID | None:
    return None if text is None else UUID(text)


def _iso_days_before(day: date, days: int) -> str:
    """The ISO text of the day ``days`` before ``day``: an ISO day before it (compared as
    text) is more than ``days`` days before ``day``. Before the first day there is: ``""``."""
    try:
        return (day - timedelta(days=days)).isoformat()
    except OverflowError:
        return ""


def _money(value: Decimal) -> str:
    return str(value)


def _one_place(value: Fraction) -> str:
    """``value`` as Decimal text with one decimal place (deterministic, for descriptions)."""
    shown = _SHOWN.divide(Decimal(value.numerator), Decimal(value.denominator))
    return str(shown.quantize(Decimal("0.1")))
