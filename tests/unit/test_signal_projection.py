"""The risk-signals projection: each detector against event sequences worked out by hand.

The events are built directly (with chosen timestamps) and given to the projection's handlers
with a view kept in a dict, as the engine would; no store is involved.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from libops.domain.budget import AllocationChange, Budget, BudgetCategory
from libops.domain.interaction.moderation import CommentRef, ConductRecord, SanctionMeasure
from libops.domain.post import Post
from libops.domain.risk import STANDARD_SIGNALS, Risk, RiskCategory, signal_source
from libops.domain.values import (
    Finding,
    FindingKind,
    MetricSnapshot,
    Money,
    Period,
    Platform,
    PublishReceipt,
)
from libops.projections.signals import NAME, RiskSignalsProjection, signal_id_in
from libops.projections.views import View, event_topic

# 08:00 in Shanghai on 2026-03-02.
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
POST = UUID("00000000-0000-4000-8000-000000000001")
OTHER_POST = UUID("00000000-0000-4000-8000-000000000002")
BUDGET = UUID("00000000-0000-4000-8000-0000000000b1")


def event(cls: type[Any], originator_id: UUID, when: datetime = T0, **fields: Any) -> Any:
    """An event of ``cls`` at ``when`` (version numbers do not matter to the projection)."""
    if issubclass(cls, Aggregate.Created):
        fields["originator_topic"] = "libops:Test"
    return cls(originator_id=originator_id, originator_version=1, timestamp=when, **fields)


class Signals:
    """The projection with its view in a dict, applying events as one engine batch each."""

    def __init__(self, projection: RiskSignalsProjection | None = None) -> None:
        self.projection = projection or RiskSignalsProjection()
        self._texts: dict[str, str] = {}

    def apply(self, *events: Any) -> None:
        """Apply ``events`` in order and store the documents they changed."""
        view = View(NAME, self._texts.get)
        for each in events:
            self.projection.apply(event_topic(type(each)), each, view)
        for key, text in view.changes().items():
            if text is None:
                self._texts.pop(key, None)
            else:
                self._texts[key] = text

    @property
    def docs(self) -> dict[str, Any]:
        """The stored documents, decoded."""
        return {key: json.loads(text) for key, text in self._texts.items()}

    def outbox(self) -> dict[str, dict[str, Any]]:
        """The signals waiting to be dispatched, by signal id."""
        return {
            k.removeprefix("outbox:"): v for k, v in self.docs.items() if k.startswith("outbox:")
        }

    def fired(self) -> list[str]:
        """The signal ids of the firings in the outbox, in firing order."""
        return [d["signal_id"] for d in self.in_order() if d["kind"] == "fired"]

    def cleared(self) -> list[str]:
        """The signal ids of the clearings in the outbox, in order."""
        return [d["signal_id"] for d in self.in_order() if d["kind"] == "cleared"]

    def in_order(self) -> list[dict[str, Any]]:
        """The outbox's documents in the order they were written."""
        return sorted(self.outbox().values(), key=lambda d: int(d["sequence"]))


def hidden(at: datetime, platform: str = "weibo") -> Any:
    """A comment hidden on ``platform`` at ``at``."""
    return event(
        ConductRecord.CommentHidden,
        uuid4(),
        at,
        actor_id="admin-1",
        comment=CommentRef(POST, platform, f"c-{uuid4()}"),
        reason="abuse",
    )


def sanctioned(at: datetime, automatic: bool = False) -> Any:
    """A participant sanctioned on Weibo at ``at`` (by a moderator or by the policy)."""
    comment = CommentRef(POST, "weibo", f"c-{uuid4()}")
    if automatic:
        return event(
            ConductRecord.SanctionedAutomatically,
            uuid4(),
            at,
            actor_id="admin-1",
            comment=comment,
            reason="warnings",
            measure=SanctionMeasure.MUTE,
            warnings=3,
            threshold=3,
        )
    return event(
        ConductRecord.Sanctioned,
        uuid4(),
        at,
        actor_id="admin-1",
        comment=comment,
        reason="abuse",
        measure=SanctionMeasure.MUTE,
    )


def failed(platform: str = "weibo", post: UUID = POST) -> Any:
    """A publish failure on ``platform``."""
    return event(
        Post.PublishFailed,
        post,
        actor_id="admin-1",
        campaign_id=None,
        platform=Platform(platform),
        error="HTTP 503",
        retryable=True,
        at=T0,
    )


def published(platform: str = "weibo", post: UUID = POST) -> Any:
    """A successful publish on ``platform``."""
    receipt = PublishReceipt(platform, "ext-1", "https://example.invalid/1", T0)
    return event(Post.Published, post, actor_id="admin-1", campaign_id=None, receipt=receipt)


def snapshot(reads: int, post: UUID = POST, minutes: int = 0, corrected: bool = False) -> Any:
    """A Weibo snapshot of ``post`` with ``reads`` and every other count 0."""
    shot = MetricSnapshot("weibo", T0 + timedelta(minutes=minutes), reads=reads)
    if corrected:
        return event(
            Post.MetricsCorrected,
            post,
            actor_id="tech-1",
            campaign_id=None,
            snapshot=shot,
            lowered=("reads",),
        )
    return event(Post.MetricsRecorded, post, actor_id="tech-1", campaign_id=None, snapshot=shot)


def submitted(*kinds: FindingKind, post: UUID = POST) -> Any:
    """``post`` submitted for review with one finding of each of ``kinds`` in its body."""
    findings = tuple(Finding(kind, "body", "1**********") for kind in kinds)
    return event(
        Post.SubmittedForReview, post, actor_id="planner-1", campaign_id=None, findings=findings
    )


def cny(amount: str) -> Money:
    """An amount in yuan."""
    return Money(Decimal(amount), "CNY")


def opened() -> Any:
    """The test budget opened."""
    period = Period(datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date())
    return event(
        Budget.Opened, BUDGET, actor_id="owner-1", name="Social 2026", period=period, currency="CNY"
    )


def allocated(amount: str) -> Any:
    """Money allocated to the general promotion line."""
    return event(
        Budget.Allocated,
        BUDGET,
        actor_id="owner-1",
        category=BudgetCategory.PROMOTION,
        campaign_id=None,
        amount=cny(amount),
    )


def committed(reference: str, amount: str) -> Any:
    """Money committed on the general promotion line (with an override if past it)."""
    return event(
        Budget.Committed,
        BUDGET,
        actor_id="owner-1",
        reference=reference,
        category=BudgetCategory.PROMOTION,
        campaign_id=None,
        amount=cny(amount),
        override_approver_id=None,
        override_reason=None,
    )


def released(reference: str, amount: str) -> Any:
    """Part of a commitment released."""
    return event(
        Budget.Released,
        BUDGET,
        actor_id="owner-1",
        reference=reference,
        amount=cny(amount),
        reason="smaller campaign",
    )


def invoiced(amount: str, settles: str | None = None, settled: str = "0") -> Any:
    """An invoice on the general promotion line, settling part of a commitment if named."""
    return event(
        Budget.ExpenseRecorded,
        BUDGET,
        actor_id="owner-1",
        invoice_reference=f"INV-{uuid4()}",
        vendor="printer",
        category=BudgetCategory.PROMOTION,
        campaign_id=None,
        amount=cny(amount),
        settles=settles,
        settled=cny(settled),
        override_approver_id=None,
        override_reason=None,
    )


def adjusted(before: str, after: str) -> Any:
    """The general promotion line's allocation changed from ``before`` to ``after``."""
    change = AllocationChange(BudgetCategory.PROMOTION, None, cny(before), cny(after))
    return event(
        Budget.Adjusted,
        BUDGET,
        actor_id="owner-1",
        approver_id="owner-1",
        reason="more promotion",
        changes=(change,),
    )


def identified(
    signal_id: str, risk_id: UUID, source: str | None = None, description: str | None = None
) -> Any:
    """The risk a dispatch of ``signal_id`` opens (its description ends with the id)."""
    return event(
        Risk.Identified,
        risk_id,
        actor_id="libops-signals",
        title="t",
        description=f"What happened.\nSignal: {signal_id}." if description is None else description,
        category=RiskCategory.TECHNICAL,
        likelihood=4,
        impact=3,
        owner_id="libops-signals",
        campaign_id=None,
        post_id=None,
        source=source or signal_source(signal_id.partition(":")[0]),
        escalation_threshold=15,
    )


def closed(risk_id: UUID) -> Any:
    """A risk closed."""
    return event(Risk.Closed, risk_id, actor_id="admin-1", reason="handled")


LINE = f"line:{BUDGET}:promotion:general"
OVERSPEND = f"overspend:{BUDGET}:promotion:general"


class TestNegativeCommentSpike:
    def test_fires_at_the_fifth_on_a_quiet_week(self) -> None:
        """Four hidden comments in a day raise nothing; the fifth raises the spike."""
        signals = Signals()
        signals.apply(*(hidden(T0 + timedelta(minutes=m)) for m in range(4)))
        assert signals.outbox() == {}
        signals.apply(hidden(T0 + timedelta(minutes=5)))
        assert signals.fired() == ["negative_comment_spike:weibo:1"]
        doc = signals.outbox()["negative_comment_spike:weibo:1"]
        assert (doc["signal"], doc["scope"], doc["action"]) == (
            "negative_comment_spike",
            "weibo",
            "identify",
        )
        assert (doc["category"], doc["likelihood"], doc["impact"]) == ("content", 3, 3)
        assert "5 comments" in doc["description"]
        assert "2026-03-02" in doc["description"]

    def test_sanctions_count_with_hidden_comments(self) -> None:
        """Hidden comments, sanctions and automatic sanctions add up to one day's count."""
        signals = Signals()
        signals.apply(hidden(T0), hidden(T0), sanctioned(T0), sanctioned(T0, automatic=True))
        assert signals.outbox() == {}
        signals.apply(sanctioned(T0))
        assert signals.fired() == ["negative_comment_spike:weibo:1"]

    def test_needs_three_times_the_mean_of_the_week_before(self) -> None:
        """After 14 in the 7 days before (mean 2), 5 is not a spike and 6 is (3 x 2)."""
        signals = Signals()
        for back in range(1, 8):
            signals.apply(*(hidden(T0 - timedelta(days=back)) for _ in range(2)))
        signals.apply(*(hidden(T0) for _ in range(5)))
        assert signals.outbox() == {}
        signals.apply(hidden(T0))
        assert signals.fired() == ["negative_comment_spike:weibo:1"]
        assert "mean of 2.0" in signals.outbox()["negative_comment_spike:weibo:1"]["description"]

    def test_days_are_shanghai_days(self) -> None:
        """15:59 UTC is still the day before in Shanghai; 16:00 UTC starts the next day."""
        signals = Signals()
        late = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)
        signals.apply(*(hidden(late) for _ in range(4)))
        signals.apply(hidden(late + timedelta(minutes=1)))
        assert signals.outbox() == {}
        assert signals.docs["comments:weibo"]["days"] == {"2026-03-01": 4, "2026-03-02": 1}

    def test_platforms_are_counted_apart(self) -> None:
        """Three on Weibo and three on Douyin on one day are no spike anywhere."""
        signals = Signals()
        signals.apply(*(hidden(T0, "weibo") for _ in range(3)))
        signals.apply(*(hidden(T0, "douyin") for _ in range(3)))
        assert signals.outbox() == {}

    def test_once_per_run_of_spiking_days(self) -> None:
        """More that day, and a spiking next day, raise nothing more; after a quiet day, again."""
        signals = Signals()
        day = timedelta(days=1)
        signals.apply(*(hidden(T0) for _ in range(9)))
        # The next day: the mean of the week before is 9/7, and 5 reaches 3 x that.
        signals.apply(*(hidden(T0 + day) for _ in range(6)))
        assert signals.fired() == ["negative_comment_spike:weibo:1"]
        # A quiet day (none), then 15 over the week before: 7 x 7 >= 3 x 15 is a spike.
        signals.apply(*(hidden(T0 + 3 * day) for _ in range(7)))
        assert signals.fired() == [
            "negative_comment_spike:weibo:1",
            "negative_comment_spike:weibo:2",
        ]

    def test_keeps_only_eight_days(self) -> None:
        """A month of hidden comments leaves the counts of the newest day and 7 before."""
        signals = Signals()
        for back in range(30):
            signals.apply(hidden(T0 + timedelta(days=back)))
        days = signals.docs["comments:weibo"]["days"]
        assert len(days) == 8
        assert max(days) == (T0 + timedelta(days=29)).date().isoformat()


class TestPublishFailures:
    def test_fires_at_the_third_in_a_row(self) -> None:
        """Two failures raise nothing; the third does; a fourth raises nothing more."""
        signals = Signals()
        signals.apply(failed(), failed())
        assert signals.outbox() == {}
        signals.apply(failed(post=OTHER_POST))
        assert signals.fired() == ["publish_failures:weibo:1"]
        signals.apply(failed())
        assert signals.fired() == ["publish_failures:weibo:1"]
        doc = signals.outbox()["publish_failures:weibo:1"]
        assert (doc["category"], doc["likelihood"], doc["impact"]) == ("technical", 4, 3)
        assert "3 times in a row" in doc["description"]
        assert "HTTP 503" in doc["description"]

    def test_a_publish_rearms_it(self) -> None:
        """A publish in between breaks the run; three more in a row raise it again."""
        signals = Signals()
        signals.apply(failed(), failed(), published(), failed(), failed())
        assert signals.outbox() == {}
        signals.apply(failed())
        assert signals.fired() == ["publish_failures:weibo:1"]
        signals.apply(published(), failed(), failed(), failed())
        assert signals.fired() == ["publish_failures:weibo:1", "publish_failures:weibo:2"]

    def test_platforms_are_counted_apart(self) -> None:
        """A publish on WeChat does not break a run of failures on Weibo."""
        signals = Signals()
        signals.apply(failed(), failed("wechat"), failed(), published("wechat"), failed())
        assert signals.fired() == ["publish_failures:weibo:1"]


def baseline(signals: Signals, values: list[int]) -> None:
    """Snapshots of other posts with ``values`` reads."""
    signals.apply(*(snapshot(v, post=uuid4()) for v in values))


class TestMetricAnomaly:
    def test_not_judged_before_twenty_snapshots(self) -> None:
        """With 19 earlier snapshots of 100 reads, 10,000 reads raise nothing."""
        signals = Signals()
        baseline(signals, [100] * 19)
        signals.apply(snapshot(10_000))
        assert signals.outbox() == {}

    def test_fires_at_four_standard_deviations(self) -> None:
        """90 and 110 ten times each: sd = sqrt(2000/19) ~ 10.26; 141 is z 3.996, 142 is 4.09."""
        below = Signals()
        baseline(below, [90, 110] * 10)
        below.apply(snapshot(141))
        assert below.outbox() == {}
        signals = Signals()
        baseline(signals, [90, 110] * 10)
        signals.apply(snapshot(142))
        assert signals.fired() == [f"metric_anomaly:{POST}:weibo:1"]
        doc = signals.outbox()[f"metric_anomaly:{POST}:weibo:1"]
        assert (doc["scope"], doc["post_id"]) == (f"{POST}:weibo", str(POST))
        assert "reads 142 (mean 100.0 over 20 snapshots, z = 4.1)" in doc["description"]

    def test_far_below_fires_too(self) -> None:
        """A snapshot 4 standard deviations under the mean is as unusual as one above."""
        signals = Signals()
        baseline(signals, [90, 110] * 10)
        signals.apply(snapshot(58))
        assert signals.fired() == [f"metric_anomaly:{POST}:weibo:1"]
        assert "z = -4.1" in signals.outbox()[f"metric_anomaly:{POST}:weibo:1"]["description"]

    def test_a_constant_count_is_judged_with_a_standard_deviation_of_one(self) -> None:
        """Twenty snapshots of exactly 100: 103 is within range, 104 is 4 away."""
        within = Signals()
        baseline(within, [100] * 20)
        within.apply(snapshot(103))
        assert within.outbox() == {}
        signals = Signals()
        baseline(signals, [100] * 20)
        signals.apply(snapshot(104))
        assert signals.fired() == [f"metric_anomaly:{POST}:weibo:1"]

    def test_once_per_episode_of_the_post(self) -> None:
        """A post far out raises one signal until a snapshot of it is back within range."""
        signals = Signals()
        baseline(signals, [100] * 20)
        # n 20, mean 100, sd floor 1: 10,000 is far out.
        signals.apply(snapshot(10_000, minutes=1))
        # n 21: mean 571.4, sd 2160.4: 10,001 is z 4.4, still out: the same episode.
        signals.apply(snapshot(10_001, minutes=2))
        assert signals.fired() == [f"metric_anomaly:{POST}:weibo:1"]
        # n 22: mean 1000, sd 2913.2: a correction to 100 is z -0.3, back within range.
        signals.apply(snapshot(100, minutes=3, corrected=True))
        assert signals.docs["metrics:weibo"]["anomalous"] == []
        # n 23: mean 960.9, sd 2852.4: 20,000 is z 6.7: a new episode.
        signals.apply(snapshot(20_000, minutes=4))
        assert signals.fired() == [
            f"metric_anomaly:{POST}:weibo:1",
            f"metric_anomaly:{POST}:weibo:2",
        ]

    def test_keeps_three_whole_numbers_per_count(self) -> None:
        """The platform's statistics are a count, a sum and a sum of squares, per count."""
        signals = Signals()
        baseline(signals, [3, 4])
        counts = signals.docs["metrics:weibo"]["counts"]
        assert counts["reads"] == [2, 7, 25]
        assert counts["likes"] == [2, 0, 0]
        assert "followers_gained" not in counts

    def test_remembers_a_bounded_number_of_episodes(self) -> None:
        """Beyond EPISODES_KEPT open episodes, the oldest is forgotten (and may fire again)."""

        class FewEpisodes(RiskSignalsProjection):
            name = "few-episodes"
            EPISODES_KEPT = 2

        signals = Signals(FewEpisodes())
        baseline(signals, [100] * 20)
        posts = [uuid4() for _ in range(3)]
        # Each far above everything before it (10^6, then 10^8, then 10^10 reads).
        signals.apply(*(snapshot(10 ** (6 + 2 * i), post=p) for i, p in enumerate(posts)))
        assert len(signals.fired()) == 3
        assert signals.docs["metrics:weibo"]["anomalous"] == [str(p) for p in posts[1:]]


class TestPersonalDataInDraft:
    def test_fires_for_personal_data_only(self) -> None:
        """A sensitive word raises nothing; a mobile number in the draft raises the signal."""
        signals = Signals()
        signals.apply(submitted(FindingKind.SENSITIVE_WORD, post=OTHER_POST))
        assert signals.outbox() == {}
        signals.apply(submitted(FindingKind.MOBILE_NUMBER, FindingKind.EMAIL_ADDRESS))
        assert signals.fired() == [f"personal_data_in_draft:{POST}:1"]
        doc = signals.outbox()[f"personal_data_in_draft:{POST}:1"]
        assert (doc["post_id"], doc["category"], doc["impact"]) == (str(POST), "content", 4)
        assert "email address in body, mobile number in body" in doc["description"]
        assert "1*****" not in doc["description"]  # kinds and places, never the excerpts

    def test_once_until_a_clean_submission(self) -> None:
        """Resubmitted with the number still in: nothing new; clean, then again: a new one."""
        signals = Signals()
        signals.apply(submitted(FindingKind.ID_CARD_NUMBER), submitted(FindingKind.MOBILE_NUMBER))
        assert signals.fired() == [f"personal_data_in_draft:{POST}:1"]
        signals.apply(submitted(), submitted(FindingKind.MOBILE_NUMBER))
        assert signals.fired() == [
            f"personal_data_in_draft:{POST}:1",
            f"personal_data_in_draft:{POST}:2",
        ]
        assert signals.outbox()[f"personal_data_in_draft:{POST}:2"]["action"] == "update"

    def test_a_retraction_ends_the_episode(self) -> None:
        """A retracted draft is forgotten: resubmitted with personal data, it fires again."""
        signals = Signals()
        signals.apply(submitted(FindingKind.MOBILE_NUMBER))
        signals.apply(
            event(Post.Retracted, POST, actor_id="admin-1", campaign_id=None, reason="withdrawn")
        )
        assert signals.docs["drafts_with_personal_data"] == []
        signals.apply(submitted(FindingKind.EMAIL_ADDRESS))
        assert len(signals.fired()) == 2


class TestOverspend:
    def test_fires_past_the_allocation_not_at_it(self) -> None:
        """Committing exactly the allocation raises nothing; one yuan more does."""
        signals = Signals()
        signals.apply(opened(), allocated("1000.00"), committed("C1", "600.00"), invoiced("400.00"))
        assert signals.outbox() == {}
        assert signals.docs[LINE]["over"] is False
        signals.apply(committed("C2", "1.00"))
        assert signals.fired() == [f"{OVERSPEND}:1"]
        doc = signals.outbox()[f"{OVERSPEND}:1"]
        assert (doc["category"], doc["campaign_id"]) == ("regulatory", None)
        assert doc["title"] == "Over allocation: Social 2026 / promotion / general"
        assert "1001.00 committed and spent" in doc["description"]
        assert "1.00 over" in doc["description"]

    def test_an_invoice_settling_a_commitment_is_not_counted_twice(self) -> None:
        """800 committed, then invoiced in full against it: 800 used of 1,000."""
        signals = Signals()
        signals.apply(
            opened(),
            allocated("1000.00"),
            committed("C1", "800.00"),
            invoiced("800.00", settles="C1", settled="800.00"),
        )
        assert signals.outbox() == {}
        assert (signals.docs[LINE]["committed"], signals.docs[LINE]["spent"]) == (
            "0.00",
            "800.00",
        )
        assert f"commitment:{BUDGET}:C1" not in signals.docs  # settled in full

    def test_once_until_back_within_the_allocation(self) -> None:
        """Releases bring the line back within; going past again raises a second signal."""
        signals = Signals()
        signals.apply(
            opened(), allocated("1000.00"), committed("C1", "1200.00"), committed("C2", "50.00")
        )
        assert signals.fired() == [f"{OVERSPEND}:1"]
        signals.apply(released("C1", "300.00"))
        assert signals.docs[LINE]["over"] is False
        assert signals.docs[f"commitment:{BUDGET}:C1"]["outstanding"] == "900.00"
        signals.apply(invoiced("100.00"))
        assert signals.fired() == [f"{OVERSPEND}:1", f"{OVERSPEND}:2"]

    def test_an_adjustment_rearms_it(self) -> None:
        """Raising the allocation above what is used ends the episode."""
        signals = Signals()
        signals.apply(opened(), allocated("100.00"), invoiced("150.00"))
        signals.apply(adjusted("100.00", "200.00"), invoiced("60.00"))
        assert signals.fired() == [f"{OVERSPEND}:1", f"{OVERSPEND}:2"]

    def test_spent_only(self) -> None:
        """With commitments not counted, only spending past the allocation fires."""

        class SpentOnly(RiskSignalsProjection):
            name = "spent-only-signals"
            OVERSPEND_COUNTS_COMMITMENTS = False

        signals = Signals(SpentOnly())
        signals.apply(opened(), allocated("100.00"), committed("C1", "500.00"))
        assert signals.outbox() == {}
        signals.apply(invoiced("100.01"))
        assert signals.fired() == [f"{OVERSPEND}:1"]
        assert "100.01 spent" in signals.outbox()[f"{OVERSPEND}:1"]["description"]


class TestOutbox:
    def test_signal_names_are_the_standard_ones(self) -> None:
        """Each detector's signal is one of STANDARD_SIGNALS, with a rating for its risk."""
        assert set(RiskSignalsProjection.RATINGS) == set(STANDARD_SIGNALS)
        assert all(signal_source(name).startswith("signal:") for name in STANDARD_SIGNALS)

    def test_a_second_firing_updates_the_risk_the_first_one_opens(self) -> None:
        """Two firings before any dispatch: the second names the first as the risk's opener."""
        signals = Signals()
        signals.apply(failed(), failed(), failed(), published(), failed(), failed(), failed())
        first, second = signals.fired()
        assert signals.outbox()[first]["action"] == "identify"
        assert (signals.outbox()[second]["action"], signals.outbox()[second]["opened_by"]) == (
            "update",
            first,
        )
        assert [d["sequence"] for d in signals.outbox().values()] == [1, 2]

    def test_a_closed_risk_lets_the_next_firing_open_a_new_one(self) -> None:
        """The dispatch's record links the risk to the scope; its closure unlinks it."""
        signals = Signals()
        risk = uuid4()
        signals.apply(failed(), failed(), failed())
        signals.apply(identified("publish_failures:weibo:1", risk))
        assert signals.docs["scope:publish_failures:weibo"] == {
            "firings": 1,
            "opened_by": "publish_failures:weibo:1",
            "risk_id": str(risk),
        }
        assert signals.docs[f"risk:{risk}"] == {"signal": "publish_failures", "scope": "weibo"}
        signals.apply(closed(risk))
        assert f"risk:{risk}" not in signals.docs
        signals.apply(published(), failed(), failed(), failed())
        assert signals.outbox()["publish_failures:weibo:2"]["action"] == "identify"

    def test_other_risks_are_ignored(self) -> None:
        """Manual risks, descriptions without a signal id and other closures change nothing."""
        signals = Signals()
        signals.apply(
            identified("publish_failures:weibo:1", uuid4(), source="manual"),
            identified("publish_failures:weibo:1", uuid4(), description="Outage."),
            identified("publish_failures:weibo:1", uuid4(), source="signal:overspend"),
            closed(uuid4()),
        )
        assert signals.docs == {}

    def test_descriptions_end_with_the_signal_id(self) -> None:
        """Each outbox description's last line names its signal id, however long the rest."""
        signals = Signals()
        signals.apply(
            failed(),
            failed(),
            event(
                Post.PublishFailed,
                POST,
                actor_id="admin-1",
                campaign_id=None,
                platform=Platform.WEIBO,
                error="x" * 4000,
                retryable=False,
                at=T0,
            ),
        )
        description = signals.outbox()["publish_failures:weibo:1"]["description"]
        assert len(description) <= 2000
        assert signal_id_in(description) == "publish_failures:weibo:1"
        assert signal_id_in("Signal: x") is None
        assert signal_id_in("nothing here.") is None

    def test_the_same_events_give_the_same_documents(self) -> None:
        """Handlers are deterministic: a replay of the same events gives the same view."""
        events = [
            opened(),
            allocated("10.00"),
            invoiced("11.00"),
            failed(),
            failed(),
            failed(),
            submitted(FindingKind.MOBILE_NUMBER),
            *(hidden(T0) for _ in range(5)),
        ]
        first, second = Signals(), Signals()
        first.apply(*events)
        for each in events:
            second.apply(each)
        assert first.docs == second.docs
        assert len(first.fired()) == 4
