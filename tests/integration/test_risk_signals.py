"""Risk signals end to end: real commands raise each signal; dispatch opens risks, once.

Runs on every kind of store (memory, SQLite, PostgreSQL). Moderation events carry their real
timestamps, so the comment spike counts on today's Shanghai day (the 7 days before are empty).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import attrs
import pytest
from typer.testing import CliRunner

from libops import Actor, LibOps, Money, Override, Period, cli
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.application.risk_signals import SIGNALS_ACTOR, dispatch_signals, raise_signals
from libops.domain.errors import PublishFailedError
from libops.domain.interaction.moderation import CommentRef
from libops.domain.risk import Risk
from libops.domain.values import MetricSnapshot, PostVariant, ReviewChecklist
from libops.projections import ProjectionEngine
from libops.projections.signals import NAME, OUTBOX, RiskSignalsProjection
from tests.actors import OWNER
from tests.helpers import count_events

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


@pytest.fixture
def weibo(clock: ManualClock) -> SandboxPlatform:
    return SandboxPlatform("weibo", seed="weibo", clock=clock)


@pytest.fixture
def sig(store_url: str, clock: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """libops on each kind of store, with a Weibo sandbox."""
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo]) as opened:
        yield opened


_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _letters() -> str:
    """64 random letters: a text of its own, with no digits the review could take for a
    phone number."""
    return (uuid4().hex + uuid4().hex).translate(_DIGITS_TO_LETTERS)


@attrs.frozen
class Scene:
    """Arranges what each detector looks for, with real commands on one store, as the
    fixtures' people (a planner drafts, a reviewer approves, an admin publishes on Weibo)."""

    ops: LibOps
    weibo: SandboxPlatform
    clock: ManualClock
    planner: Actor
    reviewer: Actor
    admin: Actor

    def draft(self, body: str | None = None) -> UUID:
        """A Weibo post drafted (by default with a text of its own, so the sameness check
        finds no near-duplicates and the homogeneous-content signal stays out of these tests)."""
        return self.ops.posts.draft(
            self.planner,
            title="Book Day",
            body=body or f"Notice {_letters()}",
            content_type="news",
            format="image_text",
            variants=[PostVariant("weibo", "Book Day: new arrivals")],
        )

    def approved(self) -> UUID:
        """A Weibo post approved for publishing."""
        post = self.draft()
        self.ops.posts.submit_for_review(self.planner, post)
        self.ops.posts.review(self.reviewer, post, CHECKED, approve=True)
        return post

    def publish(self, post: UUID) -> None:
        """``post`` published on Weibo."""
        self.ops.publishing.publish(self.admin, post, "weibo")

    def publish_approved(self, times: int) -> None:
        """``times`` new posts approved and published on Weibo, in a row."""
        for _ in range(times):
            self.publish(self.approved())

    def fail_publishing(self, post: UUID, times: int) -> None:
        """Publishing ``post`` on Weibo fails ``times`` times in a row."""
        self.weibo.fail_next(times)
        for _ in range(times):
            with pytest.raises(PublishFailedError):
                self.publish(post)

    def comment_spike(self) -> None:
        """Five comments hidden on Weibo today."""
        post = self.draft()
        for n in range(5):
            subject = self.ops.privacy.subject_id_for("weibo", f"@troll{n}")
            self.ops.moderation.hide(
                self.admin, subject, CommentRef(post, "weibo", f"c{n}"), "abuse"
            )

    def publish_failures(self) -> UUID:
        """Three failed attempts in a row to publish a post on Weibo; returns the post."""
        post = self.approved()
        self.fail_publishing(post, 3)
        return post

    def failures_again(self) -> None:
        """Another episode: a new approved post fails to publish three times in a row."""
        self.fail_publishing(self.approved(), 3)

    def record_reads(self, post: UUID, *reads: int) -> None:
        """A Weibo snapshot of ``post`` with each figure of ``reads``, 10 minutes apart."""
        for figure in reads:
            self.clock.advance(timedelta(minutes=10))
            self.ops.posts.record_metrics(
                self.admin, post, MetricSnapshot("weibo", self.clock.now(), reads=figure)
            )

    def metric_anomaly(self) -> UUID:
        """Twenty ordinary snapshots of one post (100 to 119 reads), then one of 10,000."""
        post = self.approved()
        self.publish(post)
        self.record_reads(post, *range(100, 120), 10_000)
        return post

    def personal_data(self) -> UUID:
        """A draft with a mobile number submitted for review."""
        post = self.draft(body="Questions? Call Ms Li on 13812345678.")
        self.ops.posts.submit_for_review(self.planner, post)
        return post

    def cleaned_and_approved(self, post: UUID) -> None:
        """The post sent back, its phone number taken out, submitted again and approved."""
        posts = self.ops.posts
        posts.review(self.reviewer, post, CHECKED, approve=False, comments="take the number out")
        posts.revise(self.planner, post, body="Questions? Ask at the front desk.")
        posts.submit_for_review(self.planner, post)
        posts.review(self.reviewer, post, CHECKED, approve=True)

    def overspend(self) -> UUID:
        """1,200 committed on a promotion line of 1,000, on the budget owner's authority."""
        budgets = self.ops.budgets
        budget = budgets.open(
            OWNER, name="Social 2026", period=Period(date(2026, 1, 1), date(2026, 12, 31))
        )
        budgets.allocate(OWNER, budget, "promotion", Money(Decimal(1000), "CNY"))
        budgets.commit(
            self.planner,
            budget,
            reference="AD-1",
            amount=Money(Decimal(1200), "CNY"),
            category="promotion",
            override=Override(OWNER, "launch week"),
        )
        return budget


@pytest.fixture
def make(
    sig: LibOps,
    weibo: SandboxPlatform,
    clock: ManualClock,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
) -> Scene:
    """The scene on each kind of store (``sig``)."""
    return Scene(sig, weibo, clock, planner, reviewer, admin)


def identified(ops: LibOps) -> list[UUID]:
    """The ids of every risk identified, in log order."""
    return [
        UUID(str(n.originator_id))
        for n in ops.app.recorder.select_notifications(
            0, 10**9, topics=["libops:Risk.Identified"], inclusive_of_start=False
        )
    ]


def _redispatch_after_a_crash(sig: LibOps, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dispatch, crash before the outbox is discarded, then dispatch again: the second
    dispatch recognises the signal by its key and records nothing."""

    def crash(name: str, keys: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(sig.projections, "discard", crash)
        with pytest.raises(KeyboardInterrupt):
            dispatch_signals(sig, sig.projections)
    before = count_events(sig)
    (outcome,) = raise_signals(sig)
    assert outcome.action == "already_recorded"
    assert count_events(sig) == before


def outbox(engine: ProjectionEngine) -> list[str]:
    """The keys of the signals waiting to be dispatched."""
    return sorted(k for k in engine.view(NAME) if k.startswith(OUTBOX))


class TestEachSignal:
    def test_real_commands_raise_the_five_signals(self, sig: LibOps, make: Scene) -> None:
        """Each detector fires on real commands; dispatch opens one risk per signal."""
        make.comment_spike()
        failing = make.publish_failures()
        unusual = make.metric_anomaly()
        leaking = make.personal_data()
        budget = make.overspend()
        outcomes = raise_signals(sig)
        assert [(o.signal, o.scope, o.action) for o in outcomes] == [
            ("negative_comment_spike", "weibo", "identified"),
            ("publish_failures", "weibo", "identified"),
            ("metric_anomaly", f"{unusual}:weibo", "identified"),
            ("personal_data_in_draft", str(leaking), "identified"),
            ("overspend", f"{budget}:promotion:general", "identified"),
        ]
        assert identified(sig) == [o.risk_id for o in outcomes]
        risks = {o.signal: sig.risks.get(o.risk_id) for o in outcomes if o.risk_id}
        for name, risk in risks.items():
            assert risk.source == f"signal:{name}"
            assert risk.identified_by == SIGNALS_ACTOR.id
            assert risk.owner_id == SIGNALS_ACTOR.id
        assert (risks["publish_failures"].likelihood, risks["publish_failures"].impact) == (4, 3)
        assert str(failing) in risks["publish_failures"].description
        assert risks["metric_anomaly"].post_id == unusual
        assert "reads 10000" in risks["metric_anomaly"].description
        assert risks["personal_data_in_draft"].post_id == leaking
        assert "13812345678" not in risks["personal_data_in_draft"].description
        assert "1200.00 committed and spent" in risks["overspend"].description
        assert outbox(sig.projections) == []

    def test_a_second_run_records_nothing(self, sig: LibOps, make: Scene) -> None:
        """Running the engine and dispatching again, however often, records nothing more."""
        make.publish_failures()
        make.personal_data()
        assert len(raise_signals(sig)) == 2
        before = count_events(sig)
        for _ in range(2):
            assert raise_signals(sig) == []
        assert count_events(sig) == before
        assert len(identified(sig)) == 2

    def test_nothing_below_the_thresholds(self, sig: LibOps, make: Scene, planner: Actor) -> None:
        """Two failures, a clean draft and spending within the allocation raise nothing."""
        post = make.approved()
        make.fail_publishing(post, 2)
        clean = make.draft()
        sig.posts.submit_for_review(planner, clean)
        assert_a_dispatch_records_nothing(sig)


class TestExactlyOnce:
    def test_a_rebuild_then_dispatch_records_nothing(self, sig: LibOps, make: Scene) -> None:
        """A rebuilt view makes the old signals again; dispatching them records nothing."""
        make.publish_failures()
        make.overspend()
        first = raise_signals(sig)
        sig.projections.run()
        before = count_events(sig)
        sig.projections.rebuild(NAME)
        assert len(outbox(sig.projections)) == 2
        again = dispatch_signals(sig, sig.projections)
        assert [(o.signal_id, o.action, o.risk_id) for o in again] == [
            (o.signal_id, "already_recorded", o.risk_id) for o in first
        ]
        assert count_events(sig) == before
        assert outbox(sig.projections) == []

    def test_a_crash_before_the_outbox_is_discarded_records_nothing_twice(
        self, sig: LibOps, make: Scene, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Signals acted on but not discarded (a crash) are recognised by their keys."""
        make.publish_failures()
        sig.projections.run()
        _redispatch_after_a_crash(sig, monkeypatch)
        assert len(identified(sig)) == 1

    def test_two_engines_dispatch_each_signal_once(self, sig: LibOps, make: Scene) -> None:
        """A second engine with its own view of the same signals opens no second risk."""
        make.publish_failures()
        with ProjectionEngine(sig, [RiskSignalsProjection()]) as one:
            one.run()
            snapshot = one.view(NAME)
        raise_signals(sig)
        before = count_events(sig)
        # Another process had caught up to the same point and dispatches late.
        assert OUTBOX + "publish_failures:weibo:1" in snapshot
        with ProjectionEngine(sig, [RiskSignalsProjection()]) as other:
            other.rebuild(NAME)
            assert [o.action for o in dispatch_signals(sig, other)] == ["already_recorded"]
        assert count_events(sig) == before


class TestRefusedSignals:
    def test_a_refused_signal_stays_for_the_next_dispatch(
        self, sig: LibOps, make: Scene, planner: Actor
    ) -> None:
        """An actor who may not identify risks: the signal fails, stays, and works later."""
        make.publish_failures()
        sig.projections.run()
        before = count_events(sig)
        (failed,) = dispatch_signals(sig, sig.projections, actor=planner)
        assert (failed.action, failed.recorded, failed.risk_id) == ("failed", False, None)
        assert failed.error is not None
        assert "planner-1" in failed.error
        assert count_events(sig) == before
        assert outbox(sig.projections) == [OUTBOX + "publish_failures:weibo:1"]
        (outcome,) = dispatch_signals(sig, sig.projections)
        assert outcome.action == "identified"
        assert outbox(sig.projections) == []


class TestRepeatedFirings:
    def test_a_repeat_raises_the_open_risk(self, sig: LibOps, make: Scene) -> None:
        """Failures in a row again, after a publish: the open risk is reassessed, not doubled."""
        post = make.publish_failures()
        (first,) = raise_signals(sig)
        make.publish(post)
        make.failures_again()
        (second,) = raise_signals(sig)
        assert (second.signal_id, second.action, second.risk_id) == (
            "publish_failures:weibo:2",
            "reassessed",
            first.risk_id,
        )
        assert first.risk_id is not None
        risk = sig.risks.get(first.risk_id)
        assert (risk.likelihood, risk.impact) == (5, 3)
        assert risk.escalated  # 15 reaches the escalation threshold
        assert identified(sig) == [first.risk_id]

    def test_firings_before_one_dispatch_open_one_risk(self, sig: LibOps, make: Scene) -> None:
        """Two episodes found in one run: the first opens the risk, the second raises it."""
        post = make.publish_failures()
        make.publish(post)
        make.failures_again()
        first, second = raise_signals(sig)
        assert (first.action, second.action) == ("identified", "reassessed")
        assert second.risk_id == first.risk_id
        assert identified(sig) == [first.risk_id]

    def test_after_closing_the_next_firing_opens_a_new_risk(
        self, sig: LibOps, make: Scene, admin: Actor
    ) -> None:
        """A closed signal risk takes no more firings: the next episode opens another."""
        post = make.publish_failures()
        (first,) = raise_signals(sig)
        assert first.risk_id is not None
        sig.risks.close(admin, first.risk_id, "credentials renewed")
        make.publish(post)
        make.failures_again()
        (second,) = raise_signals(sig)
        assert second.action == "identified"
        assert second.risk_id not in (None, first.risk_id)
        assert identified(sig) == [first.risk_id, second.risk_id]
        assert_a_dispatch_records_nothing(sig)

    def test_closed_between_firing_and_dispatch(
        self, sig: LibOps, make: Scene, admin: Actor
    ) -> None:
        """A firing meant for a risk closed before the dispatch opens a new risk instead."""
        post = make.publish_failures()
        (first,) = raise_signals(sig)
        assert first.risk_id is not None
        make.publish(post)
        make.failures_again()
        sig.projections.run()  # the second firing is decided: "update the open risk"
        sig.risks.close(admin, first.risk_id, "credentials renewed")
        (second,) = dispatch_signals(sig, sig.projections)
        assert second.action == "identified"
        assert identified(sig) == [first.risk_id, second.risk_id]
        before = count_events(sig)
        sig.projections.rebuild(NAME)
        assert [o.action for o in dispatch_signals(sig, sig.projections)] == [
            "already_recorded",
            "already_recorded",
        ]
        assert count_events(sig) == before


@pytest.fixture
def failing_store(
    tmp_path: Path,
    weibo: SandboxPlatform,
    clock: ManualClock,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
) -> str:
    """A SQLite store's URL where publishing failed three times in a row (not dispatched)."""
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, clock=clock, migrate=True, gateways=[weibo]) as ops:
        Scene(ops, weibo, clock, planner, reviewer, admin).publish_failures()
    return url


class TestCommandLine:
    def test_project_run_dispatches_the_signals(self, failing_store: str) -> None:
        """``project run --json`` lists the risks raised; a second run raises none."""
        assert cli.SIGNALS_VIEW == NAME
        url = failing_store
        runner = CliRunner()
        result = runner.invoke(cli.app, ["project", "run", "--store", url, "--json"])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        (row,) = payload["signals"]
        assert (row["signal_id"], row["action"]) == ("publish_failures:weibo:1", "identified")
        with LibOps.open(url) as ops:
            assert count_events(ops) == payload["last_notification_id"]
            assert identified(ops) == [UUID(row["risk_id"])]
        # The risk recorded is already in the views: nothing is left to apply.
        assert payload["projections"]["risks"]["caught_up"] is True
        again = json.loads(
            runner.invoke(cli.app, ["project", "run", "--store", url, "--json"]).stdout
        )
        assert again["signals"] == []
        assert all(row["applied"] == 0 for row in again["projections"].values())
        text = runner.invoke(cli.app, ["project", "run", "--store", url]).stdout
        assert "signals raised" in text

    def test_no_signals_leaves_the_outbox(self, failing_store: str) -> None:
        """``--no-signals`` only catches up: the signals wait for a later dispatch."""
        url = failing_store
        with LibOps.open(url) as ops:
            before = count_events(ops)
        result = CliRunner().invoke(
            cli.app, ["project", "run", "--store", url, "--json", "--no-signals"]
        )
        assert result.exit_code == 0, result.output
        assert "signals" not in json.loads(result.stdout)
        with LibOps.open(url) as ops:
            assert count_events(ops) == before
            assert outbox(ops.projections) == [OUTBOX + "publish_failures:weibo:1"]


# --- clearing: the condition of a signal goes away, and its risk is closed ----------------


def closings(ops: LibOps) -> list[tuple[UUID, str]]:
    """Each risk closed, in log order, with who closed it."""
    found = []
    for n in ops.app.recorder.select_notifications(
        0, 10**9, topics=["libops:Risk.Closed"], inclusive_of_start=False
    ):
        (event,) = [
            e
            for e in ops.app.repository.event_store.get(UUID(str(n.originator_id)))
            if isinstance(e, Risk.Closed)
        ]
        found.append((UUID(str(n.originator_id)), event.actor_id))
    return found


def closure_reason(ops: LibOps, risk_id: UUID) -> str:
    """Why the risk was closed (it is closed)."""
    reason = ops.risks.get(risk_id).closure_reason
    assert reason is not None
    return str(reason)


def assert_a_dispatch_records_nothing(ops: LibOps) -> None:
    """Running the engine and dispatching finds no signal and records nothing."""
    before = count_events(ops)
    assert raise_signals(ops) == []
    assert count_events(ops) == before


def closes(ops: LibOps, risk_id: UUID) -> str:
    """Dispatch: exactly one outcome, the risk ``risk_id`` closed; the reason it was given."""
    (outcome,) = raise_signals(ops)
    assert (outcome.action, outcome.risk_id) == ("closed", risk_id)
    return closure_reason(ops, risk_id)


def opened_risk(ops: LibOps) -> UUID:
    """Dispatch: exactly one risk is opened; its id."""
    (outcome,) = raise_signals(ops)
    assert outcome.action == "identified"
    assert outcome.risk_id is not None
    return outcome.risk_id


class TestClearing:
    def test_personal_data_risk_closes_once_the_revised_post_is_approved(
        self, sig: LibOps, make: Scene, reviewer: Actor
    ) -> None:
        """Closed by the signals' actor, with the policy and the evidence in the reason."""
        post = make.personal_data()
        risk_id = opened_risk(sig)
        make.cleaned_and_approved(post)
        (outcome,) = raise_signals(sig)
        assert (outcome.signal_id, outcome.action, outcome.risk_id) == (
            f"personal_data_in_draft:{post}:1:cleared",
            "closed",
            risk_id,
        )
        assert outcome.closed
        assert not outcome.recorded  # recorded: opened or raised
        assert outcome.cleared
        assert sig.risks.get(risk_id).is_closed
        reason = closure_reason(sig, risk_id)
        assert reason.startswith("Closed automatically by the risk-signals policy")
        assert f"Post {post} was revised" in reason
        assert f"approved by {reviewer.id}" in reason
        assert closings(sig) == [(risk_id, SIGNALS_ACTOR.id)]
        assert outbox(sig.projections) == []
        assert_a_dispatch_records_nothing(sig)

    def test_personal_data_risk_closes_when_the_post_is_retracted(
        self, sig: LibOps, make: Scene, admin: Actor
    ) -> None:
        post = make.personal_data()
        risk_id = opened_risk(sig)
        sig.posts.retract(admin, post, "not needed after all")
        assert "was retracted" in closes(sig, risk_id)

    def test_unusual_metrics_close_after_two_snapshots_in_range(
        self, sig: LibOps, make: Scene
    ) -> None:
        """The platform corrected the count: two snapshots in range close the risk."""
        post = make.metric_anomaly()
        risk_id = opened_risk(sig)
        make.record_reads(post, 120, 121)
        assert "The next 2 weibo snapshots" in closes(sig, risk_id)

    def test_unusual_metrics_close_when_the_snapshot_is_voided(
        self, sig: LibOps, make: Scene, clock: ManualClock, admin: Actor
    ) -> None:
        post = make.metric_anomaly()
        risk_id = opened_risk(sig)
        sig.publishing.void_metrics(admin, post, "weibo", clock.now(), reason="Export misread")
        assert "was voided: Export misread" in closes(sig, risk_id)

    def test_unusual_metrics_close_after_a_quiet_week(
        self, sig: LibOps, make: Scene, clock: ManualClock, admin: Actor
    ) -> None:
        """Still high (cumulative), but no unusual snapshot for 7 days: closed."""
        make.metric_anomaly()
        risk_id = opened_risk(sig)
        other = make.approved()
        make.publish(other)
        clock.advance(timedelta(days=8))
        sig.posts.record_metrics(admin, other, MetricSnapshot("weibo", clock.now(), reads=110))
        assert "No unusual weibo snapshot" in closes(sig, risk_id)

    def test_publish_failures_close_after_three_publishes_in_a_row(
        self, sig: LibOps, make: Scene
    ) -> None:
        post = make.publish_failures()
        risk_id = opened_risk(sig)
        make.publish(post)
        make.publish(make.approved())
        assert raise_signals(sig) == []
        make.publish(make.approved())
        assert "3 publishes in a row succeeded on weibo" in closes(sig, risk_id)

    def test_overspend_closes_when_the_line_is_back_within_its_allocation(
        self, sig: LibOps, make: Scene
    ) -> None:
        budget = make.overspend()
        risk_id = opened_risk(sig)
        sig.budgets.release(OWNER, budget, "AD-1", reason="smaller launch", amount=None)
        assert "back within its allocation" in closes(sig, risk_id)

    def test_a_comment_spike_closes_after_a_quiet_week(
        self, sig: LibOps, make: Scene, clock: ManualClock
    ) -> None:
        """Events carry the clock's time: a publish 8 days on shows the week was quiet."""
        make.comment_spike()
        risk_id = opened_risk(sig)
        post = make.approved()
        clock.advance(timedelta(days=7))
        make.publish(post)
        assert raise_signals(sig) == []
        clock.advance(timedelta(days=1))
        make.publish(make.approved())
        assert "for 7 days after the last one" in closes(sig, risk_id)


class TestClearingRules:
    def test_a_second_firing_while_open_raises_the_risk_with_its_evidence(
        self, sig: LibOps, make: Scene
    ) -> None:
        """Far out, back in range once, far out again: one risk, raised with the new figures."""
        post = make.metric_anomaly()
        risk_id = opened_risk(sig)
        make.record_reads(post, 120, 50_000)
        (raised,) = raise_signals(sig)
        assert (raised.signal_id, raised.action, raised.risk_id) == (
            f"metric_anomaly:{post}:weibo:2",
            "reassessed",
            risk_id,
        )
        (event,) = [
            e for e in sig.app.repository.event_store.get(risk_id) if isinstance(e, Risk.Reassessed)
        ]
        assert "reads 50000" in event.reason
        assert event.actor_id == SIGNALS_ACTOR.id
        assert identified(sig) == [risk_id]

    def test_fired_and_cleared_before_one_dispatch(self, sig: LibOps, make: Scene) -> None:
        """Both in the outbox: the risk is opened, then closed, in that order."""
        post = make.personal_data()
        make.cleaned_and_approved(post)
        opened, closed = raise_signals(sig)
        assert (opened.action, closed.action) == ("identified", "closed")
        assert closed.risk_id == opened.risk_id
        assert opened.risk_id is not None
        assert sig.risks.get(opened.risk_id).is_closed

    def test_a_person_closed_it_first(self, sig: LibOps, make: Scene, admin: Actor) -> None:
        """Closed by hand before the clearing is seen: the clearing records nothing."""
        post = make.personal_data()
        risk_id = opened_risk(sig)
        sig.risks.close(admin, risk_id, "number removed by hand")
        make.cleaned_and_approved(post)
        assert_a_dispatch_records_nothing(sig)
        assert closure_reason(sig, risk_id) == "number removed by hand"

    def test_a_person_closed_it_after_the_clearing_was_found(
        self, sig: LibOps, make: Scene, admin: Actor
    ) -> None:
        """Closed by hand between the projection and the dispatch: nothing more recorded."""
        post = make.personal_data()
        risk_id = opened_risk(sig)
        make.cleaned_and_approved(post)
        sig.projections.run()
        sig.risks.close(admin, risk_id, "number removed by hand")
        before = count_events(sig)
        (outcome,) = dispatch_signals(sig, sig.projections)
        assert (outcome.action, outcome.risk_id, outcome.recorded) == ("not_open", risk_id, False)
        assert count_events(sig) == before
        assert outbox(sig.projections) == []

    def test_a_persons_reassessment_does_not_stop_the_closing(
        self, sig: LibOps, make: Scene, admin: Actor
    ) -> None:
        post = make.personal_data()
        risk_id = opened_risk(sig)
        sig.risks.reassess(admin, risk_id, likelihood=5, impact=5, reason="a journalist asked")
        make.cleaned_and_approved(post)
        closes(sig, risk_id)

    def test_an_open_incident_keeps_the_closing_waiting(
        self, sig: LibOps, make: Scene, admin: Actor
    ) -> None:
        """The risk happened and is being handled: closing waits until it is resolved."""
        post = make.personal_data()
        risk_id = opened_risk(sig)
        sig.risks.report_incident(admin, risk_id, severity="minor", affected="one draft")
        make.cleaned_and_approved(post)
        before = count_events(sig)
        (waiting,) = raise_signals(sig)
        assert (waiting.action, waiting.risk_id) == ("failed", None)
        assert waiting.error is not None
        assert "incidents are open" in waiting.error
        assert count_events(sig) == before
        assert outbox(sig.projections) == [OUTBOX + waiting.signal_id]
        sig.risks.resolve_incident(admin, risk_id, 1, resolution="draft fixed")
        closes(sig, risk_id)

    def test_the_clearing_of_a_refused_firing_waits_for_it(
        self, sig: LibOps, make: Scene, planner: Actor
    ) -> None:
        """The risk could not be opened: its closing is not tried before it is."""
        post = make.personal_data()
        make.cleaned_and_approved(post)
        sig.projections.run()
        refused, waiting = dispatch_signals(sig, sig.projections, actor=planner)
        assert (refused.action, waiting.action) == ("failed", "failed")
        assert waiting.error is not None
        assert refused.signal_id in waiting.error
        assert len(outbox(sig.projections)) == 2
        opened, closed = dispatch_signals(sig, sig.projections)
        assert (opened.action, closed.action) == ("identified", "closed")

    def test_after_a_clearing_the_next_firing_opens_a_new_risk(
        self, sig: LibOps, make: Scene
    ) -> None:
        """One risk per cause and subject while it is open; a new one once it closed."""
        post = make.publish_failures()
        first = opened_risk(sig)
        make.publish(post)
        make.publish_approved(2)
        make.failures_again()
        closed, opened = raise_signals(sig)
        assert (closed.action, closed.risk_id) == ("closed", first)
        assert opened.action == "identified"
        assert opened.risk_id not in (None, first)


class TestClearingExactlyOnce:
    def test_a_rebuild_neither_reopens_nor_closes_again(self, sig: LibOps, make: Scene) -> None:
        post = make.personal_data()
        raise_signals(sig)
        make.cleaned_and_approved(post)
        first = raise_signals(sig)
        sig.projections.run()
        before = count_events(sig)
        sig.projections.rebuild(NAME)
        again = dispatch_signals(sig, sig.projections)
        assert [(o.signal_id, o.action) for o in again] == [
            (f"personal_data_in_draft:{post}:1", "already_recorded"),
            (first[0].signal_id, "already_recorded"),
        ]
        assert count_events(sig) == before
        assert len(closings(sig)) == 1

    def test_a_crash_before_the_outbox_is_discarded_closes_once(
        self, sig: LibOps, make: Scene, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        post = make.personal_data()
        raise_signals(sig)
        make.cleaned_and_approved(post)
        sig.projections.run()
        _redispatch_after_a_crash(sig, monkeypatch)
        assert len(closings(sig)) == 1

    def test_a_store_from_before_clearings(
        self, sig: LibOps, make: Scene, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """History recorded without clearings (as the dispatch did before): a personal-data
        risk left open after its post was approved, and publish failures whose second
        episode raised the first one's risk. Rebuilt and dispatched: the first is closed,
        matched by signal and subject; the second stays open (it stands for the later
        episode) until that episode clears."""
        with monkeypatch.context() as patch:
            patch.setattr(RiskSignalsProjection, "_clear", lambda *args, **kwargs: None)
            post = make.personal_data()
            failing = make.publish_failures()
            leak, failures = raise_signals(sig)
            make.cleaned_and_approved(post)
            make.publish(failing)
            make.publish_approved(2)
            make.failures_again()
            (raised,) = raise_signals(sig)
            assert (raised.action, raised.risk_id) == ("reassessed", failures.risk_id)
            sig.projections.run()
        assert failures.risk_id is not None
        sig.projections.rebuild(NAME)
        outcomes = {o.signal_id: o.action for o in dispatch_signals(sig, sig.projections)}
        assert outcomes == {
            f"personal_data_in_draft:{post}:1": "already_recorded",
            "publish_failures:weibo:1": "already_recorded",
            f"personal_data_in_draft:{post}:1:cleared": "closed",
            "publish_failures:weibo:1:cleared": "continued",
            "publish_failures:weibo:2": "already_recorded",
        }
        assert closings(sig) == [(leak.risk_id, SIGNALS_ACTOR.id)]
        make.publish_approved(3)
        (outcome,) = raise_signals(sig)
        assert (outcome.signal_id, outcome.action, outcome.risk_id) == (
            "publish_failures:weibo:2:cleared",
            "closed",
            failures.risk_id,
        )

    def test_a_store_from_before_clearings_dispatched_at_the_end(
        self, sig: LibOps, make: Scene, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two episodes, both cleared, dispatched once at the end without clearings: the
        second raised the first's risk. Rebuilt: the risk is found through the second
        firing's raise, and closed once, by the second clearing."""

        with monkeypatch.context() as patch:
            patch.setattr(RiskSignalsProjection, "_clear", lambda *args, **kwargs: None)
            make.publish_failures()
            make.publish_approved(3)
            make.failures_again()
            make.publish_approved(3)
            first, second = raise_signals(sig)
            assert (first.action, second.action) == ("identified", "reassessed")
            sig.projections.run()
        sig.projections.rebuild(NAME)
        outcomes = [(o.signal_id, o.action) for o in dispatch_signals(sig, sig.projections)]
        assert outcomes == [
            ("publish_failures:weibo:1", "already_recorded"),
            ("publish_failures:weibo:1:cleared", "continued"),
            ("publish_failures:weibo:2", "already_recorded"),
            ("publish_failures:weibo:2:cleared", "closed"),
        ]
        assert first.risk_id is not None
        assert closings(sig) == [(first.risk_id, SIGNALS_ACTOR.id)]
        before = count_events(sig)
        sig.projections.rebuild(NAME)
        assert {o.action for o in dispatch_signals(sig, sig.projections)} <= {
            "already_recorded",
            "continued",
        }
        assert count_events(sig) == before
