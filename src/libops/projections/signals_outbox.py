"""The base of the risk-signals projection (:mod:`libops.projections.signals`): the detectors'
thresholds and ratings, the outbox that firings and clearings are written to, and the risks a
signal opened (read back from the log).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, ClassVar
from uuid import UUID

from libops.domain.risk import Risk, signal_source
from libops.projections.signals_rules import (
    BRIEF_OVERDUE,
    CLEARED,
    CLEARED_SUFFIX,
    FIRED,
    HOMOGENEOUS_CONTENT,
    KEY_PREFIX,
    METRIC_ANOMALY,
    NEGATIVE_COMMENT_SPIKE,
    OUTBOX,
    OVERSPEND,
    PERSONAL_DATA_IN_DRAFT,
    PUBLISH_FAILURES,
    TRAILER,
    signal_id_in,
    signal_parts,
)
from libops.projections.views import Projection, View, handles, uuid_text


class SignalOutbox(Projection):
    """The thresholds, the ratings and the outbox every detector writes to; the risks the
    signals opened. The detectors are the classes built on it, one responsibility each
    (:class:`~libops.projections.signals.RiskSignalsProjection` is the last of them).
    """

    SPIKE_MINIMUM: ClassVar[int] = 5
    """Hidden plus sanctioned comments on one platform and day needed for a spike."""
    SPIKE_FACTOR: ClassVar[Fraction] = Fraction(3)
    """How many times the mean of the 7 days before a spiking day must be reached."""
    FAILURES_IN_A_ROW: ClassVar[int] = 3
    """Publish failures on one platform, with no publish in between, that raise a signal."""
    ANOMALY_Z: ClassVar[Fraction] = Fraction(4)
    """The size of z-score (standard deviations from the mean) that makes a count anomalous."""
    ANOMALY_MIN_OBSERVATIONS: ClassVar[int] = 20
    """Earlier snapshots of a count on a platform needed before it is judged."""
    ANOMALY_MIN_SD: ClassVar[Fraction] = Fraction(1)
    """The smallest standard deviation a z-score divides by."""
    OVERSPEND_COUNTS_COMMITMENTS: ClassVar[bool] = True
    """Whether committed money counts towards going past an allocation (else spent only)."""
    SPIKE_QUIET_DAYS: ClassVar[int] = 7
    """Whole days with no spiking day after the last one that clear a comment spike."""
    PUBLISHES_TO_CLEAR: ClassVar[int] = 3
    """Successful publishes in a row on a platform, after its last failure, that clear its
    publish-failures risk."""
    ANOMALY_CLEAR_SNAPSHOTS: ClassVar[int] = 2
    """Snapshots of a post on a platform in range, one after another after its last unusual
    one, that clear its unusual-metrics risk."""
    ANOMALY_QUIET_DAYS: ClassVar[int] = 7
    """Days after a post's last unusual snapshot on a platform (by the snapshots' observed
    days) with no unusual one that clear its unusual-metrics risk."""
    SAMENESS_SHARE: ClassVar[Fraction] = Fraction(1, 4)
    """The share of a month's submitted posts found close to a recent post (a
    ``similar_post`` finding) from which homogeneous content is a market risk."""
    SAMENESS_MIN_POSTS: ClassVar[int] = 4
    """Posts submitted in the month needed before their share is judged."""
    OUTLIERS_KEPT: ClassVar[int] = 20
    """Unusual snapshots remembered per post waiting to clear (voiding all of them clears)."""

    _weights: tuple[tuple[Fraction, Fraction], tuple[int, int, int]] | None = None
    EPISODES_KEPT: ClassVar[int] = 200
    """Open metric episodes kept per platform, and drafts with personal data kept: the
    oldest is forgotten beyond that (so it may fire again), and the state stays bounded."""

    RATINGS: ClassVar[Mapping[str, tuple[str, int, int]]] = {
        # A wave of hidden and sanctioned comments: a controversy in the making.
        NEGATIVE_COMMENT_SPIKE: ("content", 3, 3),
        # Posts not going out: a platform or credential problem.
        PUBLISH_FAILURES: ("technical", 4, 3),
        # Unusual attention (or a counting error) on one post: check what drew it.
        METRIC_ANOMALY: ("content", 2, 3),
        # Readers' personal data about to be published (PIPL).
        PERSONAL_DATA_IN_DRAFT: ("content", 3, 4),
        # Public money spent past what was approved: an audit finding.
        OVERSPEND: ("regulatory", 3, 3),
        # Drafts repeating recent posts: homogeneous content loses readers (a market risk).
        HOMOGENEOUS_CONTENT: ("market", 3, 2),
        # A planned brief past its due day: a gap in the calendar readers will notice.
        BRIEF_OVERDUE: ("market", 2, 2),
    }
    """Each signal's risk category, likelihood and impact when it opens a risk."""

    # --- the outbox ----------------------------------------------------------------------

    def _fire(
        self,
        view: View,
        event: Any,
        signal: str,
        scope: str,
        *,
        title: str,
        description: str,
        campaign_id: UUID | None = None,
        post_id: UUID | None = None,
    ) -> None:
        """Record a firing of ``signal`` for ``scope`` in the outbox."""
        scope_key = f"scope:{signal}:{scope}"
        state = view.get(scope_key) or {"firings": 0, "opened_by": None, "risk_id": None}
        state["firings"] += 1
        signal_id = f"{signal}:{scope}:{state['firings']}"
        action = "identify" if state["opened_by"] is None else "update"
        opened_by = state["opened_by"]
        if action == "identify":
            state["opened_by"] = signal_id
            state["risk_id"] = None
        view.put(scope_key, state)
        sequence = view.get("sequence", 0) + 1
        view.put("sequence", sequence)
        category, likelihood, impact = self.RATINGS[signal]
        view.put(
            OUTBOX + signal_id,
            {
                "signal_id": signal_id,
                "kind": FIRED,
                "signal": signal,
                "scope": scope,
                "sequence": sequence,
                "action": action,
                "opened_by": opened_by,
                "title": title[:200],
                "category": category,
                "likelihood": likelihood,
                "impact": impact,
                "description": f"{description[:1800]}\n{TRAILER}{signal_id}.",
                "campaign_id": None if campaign_id is None else str(campaign_id),
                "post_id": None if post_id is None else str(post_id),
                "fired_at": event.timestamp.isoformat(),
            },
        )

    def policy(self, signal: str) -> str:
        """When a risk ``signal`` opened is closed automatically, in words (with this
        projection's thresholds), as a closing reason states it."""
        policies = {
            NEGATIVE_COMMENT_SPIKE: (
                f"a comment spike on a platform clears after {self.SPIKE_QUIET_DAYS} days "
                "with no spiking day"
            ),
            PUBLISH_FAILURES: (
                f"publish failures on a platform clear after {self.PUBLISHES_TO_CLEAR} "
                "successful publishes in a row there"
            ),
            METRIC_ANOMALY: (
                "unusual metrics of a post on a platform clear after "
                f"{self.ANOMALY_CLEAR_SNAPSHOTS} snapshots in a row back in range, after "
                f"{self.ANOMALY_QUIET_DAYS} days with no unusual snapshot, or when the unusual "
                "snapshots are voided"
            ),
            PERSONAL_DATA_IN_DRAFT: (
                "personal data in a draft clears when the post, revised, is approved, or "
                "when it is retracted"
            ),
            OVERSPEND: "an overspent budget line clears when it is back within its allocation",
            HOMOGENEOUS_CONTENT: (
                "homogeneous content clears when, with at least "
                f"{self.SAMENESS_MIN_POSTS} posts submitted in a month, the share of "
                f"near-duplicates is below {self.SAMENESS_SHARE}"
            ),
            BRIEF_OVERDUE: (
                "an overdue content brief clears when it is drafted, dropped or replanned to "
                "a day not yet past"
            ),
        }
        return policies.get(signal, f"the {signal} signal's condition cleared")

    def _clear(self, view: View, event: Any, signal: str, scope: str, evidence: str) -> None:
        """Record in the outbox that the condition of ``signal`` for ``scope`` cleared.

        Only when the scope has an open risk (or one about to be opened): if a person closed
        it first, or none was opened, nothing is written. The scope then has no open risk:
        its next firing opens a new one.
        """
        scope_key = f"scope:{signal}:{scope}"
        state = view.get(scope_key)
        if state is None or state.get("opened_by") is None:
            return
        firings = int(state["firings"])
        signal_id = f"{signal}:{scope}:{firings}{CLEARED_SUFFIX}"
        opened_by, risk_id = state["opened_by"], state.get("risk_id")
        view.put(scope_key, {**state, "opened_by": None, "risk_id": None})
        sequence = view.get("sequence", 0) + 1
        view.put("sequence", sequence)
        view.put(
            OUTBOX + signal_id,
            {
                "signal_id": signal_id,
                "kind": CLEARED,
                "signal": signal,
                "scope": scope,
                "sequence": sequence,
                "action": "close",
                "opened_by": opened_by,
                "risk_id": risk_id,
                "firings": firings,
                "reason": (
                    f"Closed automatically by the risk-signals policy: {self.policy(signal)}. "
                    f"{evidence[:1400]}\n{TRAILER}{signal_id}."
                ),
                "cleared_at": event.timestamp.isoformat(),
            },
        )

    @handles(Risk.Identified)
    def risk_identified(self, event: Risk.Identified, view: View) -> None:
        """A dispatched signal opened a risk: it is now the open risk of the signal's scope,
        unless the scope moved on (its condition cleared, or another firing opens a risk).

        The signal id is read from the description's last line, ``Signal: <signal id>.``,
        which every signal's description ends with.
        """
        self._claim(view, event, event.description)

    @handles(Risk.Reassessed)
    def risk_reassessed(self, event: Risk.Reassessed, view: View) -> None:
        """A firing that was to open a risk raised one instead (a dispatch from before
        clearings existed did that for a scope whose risk was open): that risk is the
        scope's open risk. Reassessments by people, and raises of the scope's risk, change
        nothing here."""
        self._claim(view, event, event.reason)

    def _claim(self, view: View, event: Any, text: str) -> None:
        if not event.source.startswith(KEY_PREFIX):
            return
        signal_id = signal_id_in(text)
        parts = None if signal_id is None else signal_parts(signal_id)
        if signal_id is None or parts is None:
            return
        signal, scope, _n = parts
        if event.source != signal_source(signal):
            return
        risk_id = uuid_text(event.originator_id)
        scope_key = f"scope:{signal}:{scope}"
        state = view.get(scope_key)
        identified = isinstance(event, Risk.Identified)
        if state is not None and state.get("opened_by") == signal_id:
            view.put(scope_key, {**state, "risk_id": risk_id})
        elif state is None and identified:
            # A risk whose firing this view never saw (a view of later events only).
            view.put(scope_key, {"firings": 0, "opened_by": signal_id, "risk_id": risk_id})
        elif not identified:
            return
        # Open risks a signal opened, so that closing one frees its scope.
        view.put(f"risk:{risk_id}", {"signal": signal, "scope": scope})

    @handles(Risk.Closed)
    def risk_closed(self, event: Risk.Closed, view: View) -> None:
        """A closed risk no longer takes a signal's firings: the next one opens a new risk."""
        risk_key = f"risk:{uuid_text(event.originator_id)}"
        opened = view.get(risk_key)
        if opened is None:
            return
        view.delete(risk_key)
        scope_key = f"scope:{opened['signal']}:{opened['scope']}"
        state = view.get(scope_key)
        if state is not None and state["risk_id"] == uuid_text(event.originator_id):
            view.put(scope_key, {**state, "opened_by": None, "risk_id": None})
