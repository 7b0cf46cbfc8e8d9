"""The risk-signals projection finds when a signal's condition clears, against hand-built events.

Each detector's clearing, that a clearing is written only while the scope's risk is open, and
the scope's life after it (the next firing opens a new risk). Helpers are those of
``test_signal_projection``: events with chosen timestamps, a view kept in a dict.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from libops.domain.post import Post
from libops.domain.risk import STANDARD_SIGNALS, Risk
from libops.domain.values import FindingKind, MetricSnapshot, ReviewChecklist
from libops.projections.signals import RiskSignalsProjection, signal_id_in, signal_parts
from tests.unit.test_signal_projection import (
    OVERSPEND,
    POST,
    T0,
    Signals,
    adjusted,
    allocated,
    baseline,
    closed,
    committed,
    event,
    failed,
    hidden,
    identified,
    opened,
    published,
    released,
    snapshot,
    submitted,
)

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
ANOMALY = f"metric_anomaly:{POST}:weibo"
PERSONAL = f"personal_data_in_draft:{POST}"


def approved(post: UUID = POST) -> Any:
    """``post`` approved (approval needs a submission with no personal data found)."""
    return event(
        Post.Approved,
        post,
        actor_id="reviewer-1",
        campaign_id=None,
        checklist=CHECKED,
        findings=(),
        comments="",
    )


def retracted(post: UUID = POST) -> Any:
    """``post`` retracted."""
    return event(Post.Retracted, post, actor_id="admin-1", campaign_id=None, reason="withdrawn")


def voided(reads: int, minutes: int, post: UUID = POST) -> Any:
    """The Weibo snapshot of ``post`` with ``reads`` observed ``minutes`` after T0, voided."""
    shot = MetricSnapshot("weibo", T0 + timedelta(minutes=minutes), reads=reads)
    return event(
        Post.MetricsVoided,
        post,
        actor_id="tech-1",
        campaign_id=None,
        voided=shot,
        latest=None,
        reason="typed a zero too many",
    )


def reassessed(risk_id: UUID, signal_id: str) -> Any:
    """A signal's dispatch raised ``risk_id`` (the reason ends with the signal id)."""
    return event(
        Risk.Reassessed,
        risk_id,
        actor_id="libops-signals",
        likelihood=5,
        impact=3,
        reason=f"Again.\nSignal: {signal_id}.",
        source=f"signal:{signal_id.partition(':')[0]}",
        escalation_threshold=15,
    )


def spike(day: int) -> list[Any]:
    """Five comments hidden on Weibo on day ``day`` after T0 (a spike on a quiet week)."""
    return [hidden(T0 + timedelta(days=day, minutes=m)) for m in range(5)]


def later(days: int, minutes: int = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


class TestEachDetectorClears:
    def test_a_comment_spike_clears_after_a_quiet_week(self) -> None:
        """The first event more than 7 whole days after the last spiking day clears it."""
        signals = Signals()
        signals.apply(*spike(0))
        signals.apply(hidden(later(7)))  # day 7: the 7th quiet day is not over yet
        assert signals.cleared() == []
        # A metric snapshot (any platform) on day 8 shows the 7 days passed quietly.
        signals.apply(
            event(
                Post.MetricsRecorded,
                uuid4(),
                later(8),
                actor_id="tech-1",
                campaign_id=None,
                snapshot=MetricSnapshot("wechat", later(8), reads=5),
            )
        )
        assert signals.cleared() == ["negative_comment_spike:weibo:1:cleared"]
        doc = signals.outbox()["negative_comment_spike:weibo:1:cleared"]
        assert (doc["kind"], doc["action"], doc["scope"]) == ("cleared", "close", "weibo")
        assert "for 7 days after the last one, 2026-03-02" in doc["reason"]
        assert signals.docs["spikes_to_clear"] == {}

    def test_a_later_spiking_day_restarts_the_quiet_week(self) -> None:
        """A second spike on day 3 (another episode, the same risk): quiet from day 3."""
        signals = Signals()
        signals.apply(*spike(0))
        signals.apply(*spike(3))
        assert signals.fired() == [
            "negative_comment_spike:weibo:1",
            "negative_comment_spike:weibo:2",
        ]
        signals.apply(hidden(later(10)))
        assert signals.cleared() == []
        signals.apply(hidden(later(11)))
        assert signals.cleared() == ["negative_comment_spike:weibo:2:cleared"]
        assert signals.outbox()["negative_comment_spike:weibo:2:cleared"]["opened_by"] == (
            "negative_comment_spike:weibo:1"
        )

    def test_publish_failures_clear_after_three_publishes_in_a_row(self) -> None:
        """A failure between the publishes starts the count again."""
        signals = Signals()
        signals.apply(failed(), failed(), failed(), published(), published(), failed())
        signals.apply(published(), published())
        assert signals.cleared() == []
        signals.apply(published())
        assert signals.cleared() == ["publish_failures:weibo:1:cleared"]
        doc = signals.outbox()["publish_failures:weibo:1:cleared"]
        assert "3 publishes in a row succeeded on weibo" in doc["reason"]
        assert doc["opened_by"] == "publish_failures:weibo:1"

    def test_unusual_metrics_clear_after_two_snapshots_in_range(self) -> None:
        """10,000 reads among snapshots of 100; corrected back to 100 twice: cleared."""
        signals = Signals()
        baseline(signals, [100] * 20)
        signals.apply(snapshot(10_000, minutes=1))
        signals.apply(snapshot(100, minutes=2, corrected=True))
        assert signals.cleared() == []
        signals.apply(snapshot(100, minutes=3))
        assert signals.cleared() == [f"{ANOMALY}:1:cleared"]
        reason = signals.outbox()[f"{ANOMALY}:1:cleared"]["reason"]
        assert "The next 2 weibo snapshots" in reason
        assert "2026-03-02T00:02:00+00:00, 2026-03-02T00:03:00+00:00" in reason
        assert signals.docs["metrics:weibo"]["watch"] == {}

    def test_an_unusual_snapshot_in_between_restarts_the_count(self) -> None:
        """In range, far out again (the same episode's risk is raised), in range: not yet."""
        signals = Signals()
        baseline(signals, [100] * 20)
        signals.apply(snapshot(10_000, minutes=1), snapshot(100, minutes=2, corrected=True))
        signals.apply(snapshot(50_000, minutes=3), snapshot(100, minutes=4, corrected=True))
        assert signals.cleared() == []
        assert signals.fired() == [f"{ANOMALY}:1", f"{ANOMALY}:2"]
        assert signals.outbox()[f"{ANOMALY}:2"]["action"] == "update"
        signals.apply(snapshot(100, minutes=5))
        assert signals.cleared() == [f"{ANOMALY}:2:cleared"]

    def test_unusual_metrics_clear_after_a_quiet_week(self) -> None:
        """Cumulative counts stay high: no unusual snapshot for 7 days clears it too."""
        signals = Signals()
        baseline(signals, [100] * 20)
        signals.apply(snapshot(10_000, minutes=1))
        signals.apply(snapshot(100, post=uuid4(), minutes=7 * 24 * 60))  # day 7: not yet
        assert signals.cleared() == []
        signals.apply(snapshot(100, post=uuid4(), minutes=8 * 24 * 60))
        assert signals.cleared() == [f"{ANOMALY}:1:cleared"]
        reason = signals.outbox()[f"{ANOMALY}:1:cleared"]["reason"]
        assert "No unusual weibo snapshot of post" in reason
        assert "observed at 2026-03-02T00:01:00+00:00" in reason
        # The post's next unusual snapshot is a new episode: it fires again.
        signals.apply(snapshot(90_000, minutes=8 * 24 * 60 + 1))
        assert signals.fired() == [f"{ANOMALY}:1", f"{ANOMALY}:2"]
        assert signals.outbox()[f"{ANOMALY}:2"]["action"] == "identify"

    def test_voiding_the_unusual_snapshot_clears_it(self) -> None:
        """The snapshot that fired was a typing error: voided, the risk clears."""
        signals = Signals()
        baseline(signals, [100] * 20)
        signals.apply(snapshot(10_000, minutes=1))
        signals.apply(voided(100, minutes=5))  # another snapshot voided: nothing
        assert signals.cleared() == []
        signals.apply(voided(10_000, minutes=1))
        assert signals.cleared() == [f"{ANOMALY}:1:cleared"]
        reason = signals.outbox()[f"{ANOMALY}:1:cleared"]["reason"]
        assert "was voided: typed a zero too many" in reason
        assert signals.docs["metrics:weibo"]["anomalous"] == []

    def test_personal_data_clears_when_the_post_is_approved(self) -> None:
        """Revised, submitted clean and approved: the draft's personal data is gone."""
        signals = Signals()
        signals.apply(submitted(FindingKind.MOBILE_NUMBER))
        signals.apply(submitted())
        assert signals.cleared() == []
        signals.apply(approved())
        assert signals.cleared() == [f"{PERSONAL}:1:cleared"]
        reason = signals.outbox()[f"{PERSONAL}:1:cleared"]["reason"]
        assert "approved by reviewer-1 on 2026-03-02" in reason

    def test_personal_data_clears_when_the_post_is_retracted(self) -> None:
        signals = Signals()
        signals.apply(submitted(FindingKind.ID_CARD_NUMBER), retracted())
        assert signals.cleared() == [f"{PERSONAL}:1:cleared"]
        assert "was retracted by admin-1" in signals.outbox()[f"{PERSONAL}:1:cleared"]["reason"]

    def test_approving_a_post_never_flagged_clears_nothing(self) -> None:
        signals = Signals()
        signals.apply(submitted(), approved(), retracted())
        assert signals.outbox() == {}

    def test_an_overspent_line_clears_when_back_within_its_allocation(self) -> None:
        """A release brings the line back within: cleared; past it again: a new firing."""
        signals = Signals()
        signals.apply(opened(), allocated("1000"), committed("AD-1", "1200"))
        signals.apply(released("AD-1", "100"))
        assert signals.cleared() == []
        signals.apply(released("AD-1", "100"))
        assert signals.cleared() == [f"{OVERSPEND}:1:cleared"]
        reason = signals.outbox()[f"{OVERSPEND}:1:cleared"]["reason"]
        assert "is back within its allocation: 1000" in reason
        signals.apply(adjusted("1000", "900"))
        assert signals.fired() == [f"{OVERSPEND}:1", f"{OVERSPEND}:2"]
        assert signals.outbox()[f"{OVERSPEND}:2"]["action"] == "identify"


class TestOnlyOpenRisksClear:
    def test_the_clearing_names_the_risk_to_close(self) -> None:
        """Seen opened by the dispatch: the clearing carries the risk's id and trailer."""
        signals = Signals()
        risk = uuid4()
        signals.apply(submitted(FindingKind.EMAIL_ADDRESS))
        signals.apply(identified(f"{PERSONAL}:1", risk))
        signals.apply(approved())
        doc = signals.outbox()[f"{PERSONAL}:1:cleared"]
        assert (doc["risk_id"], doc["opened_by"], doc["firings"]) == (
            str(risk),
            f"{PERSONAL}:1",
            1,
        )
        assert signal_id_in(doc["reason"]) == f"{PERSONAL}:1:cleared"
        assert doc["reason"].startswith(
            "Closed automatically by the risk-signals policy: personal data in a draft "
            "clears when the post, revised, is approved, or when it is retracted. "
        )
        assert signals.docs[f"scope:{PERSONAL}"] == {
            "firings": 1,
            "opened_by": None,
            "risk_id": None,
        }

    def test_a_risk_a_person_closed_first_gets_no_clearing(self) -> None:
        signals = Signals()
        risk = uuid4()
        signals.apply(submitted(FindingKind.EMAIL_ADDRESS), identified(f"{PERSONAL}:1", risk))
        signals.apply(closed(risk), approved())
        assert signals.cleared() == []

    def test_it_clears_once(self) -> None:
        """Approved, retracted later: the risk was cleared already."""
        signals = Signals()
        signals.apply(submitted(FindingKind.EMAIL_ADDRESS), approved(), retracted())
        assert signals.cleared() == [f"{PERSONAL}:1:cleared"]

    def test_the_risk_opened_after_its_clearing_does_not_take_the_scope_again(self) -> None:
        """Fired and cleared before the dispatch: the risk opened later (and closed by the
        clearing's dispatch) leaves the scope free; the next firing opens a new one."""
        signals = Signals()
        risk = uuid4()
        signals.apply(failed(), failed(), failed(), published(), published(), published())
        signals.apply(identified("publish_failures:weibo:1", risk))
        assert signals.docs["scope:publish_failures:weibo"] == {
            "firings": 1,
            "opened_by": None,
            "risk_id": None,
        }
        assert signals.docs[f"risk:{risk}"] == {"signal": "publish_failures", "scope": "weibo"}
        signals.apply(closed(risk))
        signals.apply(failed(), failed(), failed())
        assert signals.outbox()["publish_failures:weibo:2"]["action"] == "identify"

    def test_a_firing_raised_before_clearings_existed_takes_the_scope(self) -> None:
        """History from before: the second firing raised the first one's risk (no clearing
        then). Replayed, that risk is the second episode's, and its clearing names it."""
        signals = Signals()
        risk = uuid4()
        signals.apply(failed(), failed(), failed(), identified("publish_failures:weibo:1", risk))
        signals.apply(published(), published(), published())  # cleared (replayed today)
        signals.apply(failed(), failed(), failed(), reassessed(risk, "publish_failures:weibo:2"))
        assert signals.docs["scope:publish_failures:weibo"] == {
            "firings": 2,
            "opened_by": "publish_failures:weibo:2",
            "risk_id": str(risk),
        }
        signals.apply(published(), published(), published())
        assert signals.cleared() == [
            "publish_failures:weibo:1:cleared",
            "publish_failures:weibo:2:cleared",
        ]
        assert signals.outbox()["publish_failures:weibo:2:cleared"]["risk_id"] == str(risk)

    def test_a_persons_reassessment_changes_nothing(self) -> None:
        signals = Signals()
        risk = uuid4()
        signals.apply(submitted(FindingKind.EMAIL_ADDRESS), identified(f"{PERSONAL}:1", risk))
        manual = event(
            Risk.Reassessed,
            risk,
            actor_id="admin-1",
            likelihood=1,
            impact=1,
            reason="checked",
            source="manual",
            escalation_threshold=15,
        )
        before = signals.docs
        signals.apply(manual)
        assert signals.docs == before
        signals.apply(approved())
        assert signals.cleared() == [f"{PERSONAL}:1:cleared"]


class TestPolicy:
    @pytest.mark.parametrize("signal", STANDARD_SIGNALS)
    def test_each_standard_signal_has_its_policy_in_words(self, signal: str) -> None:
        assert "clear" in RiskSignalsProjection().policy(signal)

    def test_the_policy_states_the_thresholds_of_the_subclass(self) -> None:
        class Patient(RiskSignalsProjection):
            name = "patient_signals"
            ANOMALY_CLEAR_SNAPSHOTS = 5
            ANOMALY_QUIET_DAYS = 30

        words = Patient().policy("metric_anomaly")
        assert "after 5 snapshots in a row back in range, after 30 days" in words

    def test_signal_ids_parse(self) -> None:
        assert signal_parts(f"{ANOMALY}:12") == ("metric_anomaly", f"{POST}:weibo", 12)
        assert signal_parts(f"{ANOMALY}:1:cleared") is None
        assert signal_parts("publish_failures:weibo:01") is None
        assert signal_parts("publish_failures:1") is None
