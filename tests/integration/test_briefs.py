"""Content briefs end to end, on every kind of store: the commands, bad input (a specific
error, nothing recorded) and the overdue-brief signal firing and clearing."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from libops import Actor, LibOps, Period, build_command
from libops.adapters.clock import ManualClock
from libops.application.risk_signals import raise_signals
from libops.domain.brief import BriefReference, BriefStatus, ReferenceKind
from libops.domain.errors import (
    BriefDueDateError,
    BriefEndedError,
    BriefPostMismatchError,
    BriefRequirementsError,
    InvalidTransitionError,
    InvalidValueError,
    LimitExceededError,
    PermissionDeniedError,
    UnknownIdError,
)
from libops.domain.risk import Risk, RiskStatus
from libops.domain.values import PostVariant
from libops.projections.signals import BRIEF_OVERDUE
from tests.helpers import count_events, refused

# The clock fixture starts on 1 March 2026, 08:00 UTC (16:00 in Shanghai).
TODAY = date(2026, 3, 1)


def brief(ops: LibOps, planner: Actor, **changes: object) -> UUID:
    fields: dict[str, object] = {
        "title": "Poetry picks for World Book Day",
        "need": "Readers ask which poetry to start with (12 questions in March).",
        "content_type": "knowledge",
        "format": "image_text",
        "platforms": ["weibo", "wechat"],
        "references": [
            BriefReference("12 questions asked for poetry picks", kind="question"),
            "the reading survey's top wish",
        ],
    }
    fields.update(changes)
    return ops.briefs.propose(planner, **fields)  # type: ignore[arg-type]


def post(ops: LibOps, planner: Actor, campaign_id: UUID | None = None) -> UUID:
    return ops.posts.draft(
        planner,
        title="Poetry picks",
        body="Five books of poems to start with.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant("weibo", "Five books of poems to start with")],
        campaign_id=campaign_id,
    )


def test_a_brief_goes_from_idea_to_draft(ops: LibOps, planner: Actor, admin: Actor) -> None:
    brief_id = brief(ops, planner)
    proposed = ops.briefs.get(brief_id)
    assert proposed.status is BriefStatus.IDEA
    assert proposed.references == (
        BriefReference("12 questions asked for poetry picks", ReferenceKind.QUESTION),
        BriefReference("the reading survey's top wish", ReferenceKind.NOTE),
    )
    ops.briefs.plan(planner, brief_id, due_on=TODAY + timedelta(days=5), assignee="planner-1")
    ops.briefs.replan(admin, brief_id, assignee="planner-2")
    ops.briefs.start(planner, brief_id)
    post_id = post(ops, planner)
    ops.briefs.mark_drafted(planner, brief_id, post_id)
    done = ops.briefs.get(brief_id)
    assert (done.status, done.post_id, done.assignee, done.due_on) == (
        BriefStatus.DRAFTED,
        post_id,
        "planner-2",
        TODAY + timedelta(days=5),
    )
    assert [b.id for b in ops.briefs.list("drafted")] == [brief_id]
    assert ops.briefs.list(BriefStatus.IDEA) == ()


def test_a_brief_may_be_given_as_json(ops: LibOps, planner: Actor) -> None:
    command = build_command(
        "brief.propose",
        {
            "title": "Live reading",
            "need": "Night readers",
            "content_type": "interactive",
            "format": "live",
            "platforms": ["douyin"],
            "references": [{"note": "NPS 41", "kind": "survey", "ref": "survey-7"}],
        },
    )
    brief_id = ops.execute(planner, command)
    assert ops.briefs.get(brief_id).references[0].ref == "survey-7"


def test_bad_input_is_refused_and_records_nothing(
    ops: LibOps, planner: Actor, reviewer: Actor, auditor: Actor
) -> None:
    cases: list[tuple[dict[str, object], type[Exception]]] = [
        ({"title": "  "}, InvalidValueError),
        ({"need": ""}, InvalidValueError),
        ({"content_type": "gossip"}, InvalidValueError),
        ({"format": "hologram"}, InvalidValueError),
        ({"platforms": ["myspace"]}, InvalidValueError),
        ({"references": [BriefReference("x", kind="figure")] * 21}, LimitExceededError),
        ({"references": [42]}, InvalidValueError),
        ({"campaign_id": uuid4()}, UnknownIdError),
    ]
    for bad, error in cases:

        def propose(bad: dict[str, object] = bad) -> UUID:
            return brief(ops, planner, **bad)

        refused(ops, error, propose)
    refused(ops, PermissionDeniedError, lambda: brief(ops, reviewer))
    refused(ops, PermissionDeniedError, lambda: brief(ops, auditor))
    with pytest.raises(InvalidValueError):
        BriefReference("")
    with pytest.raises(InvalidValueError):
        BriefReference("note", kind="rumour")

    brief_id = brief(ops, planner)
    due = TODAY + timedelta(days=3)
    refused(ops, InvalidTransitionError, lambda: ops.briefs.start(planner, brief_id))
    refused(ops, InvalidTransitionError, lambda: ops.briefs.replan(planner, brief_id, due_on=due))
    refused(
        ops,
        BriefDueDateError,
        lambda: ops.briefs.plan(planner, brief_id, due_on=TODAY - timedelta(days=1), assignee="a"),
    )
    refused(
        ops, InvalidValueError, lambda: ops.briefs.plan(planner, brief_id, due_on=due, assignee="")
    )
    no_platform = brief(ops, planner, platforms=[])
    refused(
        ops,
        BriefRequirementsError,
        lambda: ops.briefs.plan(planner, no_platform, due_on=due, assignee="a"),
    )
    ops.briefs.plan(planner, brief_id, due_on=due, assignee="planner-1")
    refused(
        ops,
        InvalidTransitionError,
        lambda: ops.briefs.plan(planner, brief_id, due_on=due, assignee="b"),
    )
    refused(ops, InvalidValueError, lambda: ops.briefs.replan(planner, brief_id))
    refused(ops, InvalidValueError, lambda: ops.briefs.replan(planner, brief_id, due_on=due))
    refused(
        ops,
        BriefDueDateError,
        lambda: ops.briefs.replan(planner, brief_id, due_on=TODAY - timedelta(days=2)),
    )
    refused(ops, UnknownIdError, lambda: ops.briefs.mark_drafted(planner, brief_id, uuid4()))
    campaign = ops.campaigns.plan(
        planner, name="WBD", kind="topic", period=Period(TODAY, TODAY + timedelta(days=60))
    )
    in_campaign = brief(ops, planner, campaign_id=campaign)
    ops.briefs.plan(planner, in_campaign, due_on=due, assignee="planner-1")
    stray = post(ops, planner)
    refused(
        ops, BriefPostMismatchError, lambda: ops.briefs.mark_drafted(planner, in_campaign, stray)
    )
    refused(ops, InvalidValueError, lambda: ops.briefs.drop(planner, brief_id, "  "))
    ops.briefs.drop(planner, brief_id, "the poet's estate refused the images")
    refused(ops, BriefEndedError, lambda: ops.briefs.drop(planner, brief_id, "again"))
    refused(ops, BriefEndedError, lambda: ops.briefs.start(planner, brief_id))
    refused(ops, BriefEndedError, lambda: ops.briefs.mark_drafted(planner, brief_id, stray))
    refused(ops, UnknownIdError, lambda: ops.briefs.start(planner, uuid4()))
    refused(ops, UnknownIdError, lambda: ops.briefs.get(stray))


def _brief_risks(ops: LibOps) -> list[RiskStatus]:
    """The statuses of the risks the overdue-brief signal opened, oldest first."""
    risks = [ops.risks.get(n.originator_id) for n in ops.app.notifications(Risk.Identified.TOPIC)]
    return [risk.status for risk in risks if risk.source == f"signal:{BRIEF_OVERDUE}"]


def test_an_overdue_brief_opens_a_risk_that_closes_when_it_is_drafted(
    ops: LibOps, clock: ManualClock, planner: Actor
) -> None:
    brief_id = brief(ops, planner)
    ops.briefs.plan(planner, brief_id, due_on=TODAY + timedelta(days=2), assignee="planner-1")
    clock.advance(timedelta(days=2))  # the due day itself: not overdue yet
    post(ops, planner)
    raise_signals(ops)
    assert _brief_risks(ops) == []
    clock.advance(timedelta(days=1))  # the day after: overdue, seen at the next event
    ops.briefs.start(planner, brief_id)
    outcomes = raise_signals(ops)
    assert [(o.signal, o.action) for o in outcomes] == [(BRIEF_OVERDUE, "identified")]
    risk = ops.risks.get(outcomes[0].risk_id)  # type: ignore[arg-type]
    assert risk.title == "Content brief overdue: Poetry picks for World Book Day"
    assert "was due on 2026-03-03" in risk.description
    assert risk.category.value == "market"
    post(ops, planner)  # a later event does not fire again for the same brief
    assert raise_signals(ops) == []
    ops.briefs.mark_drafted(planner, brief_id, post(ops, planner))
    outcomes = raise_signals(ops)
    assert [(o.signal, o.action) for o in outcomes] == [(BRIEF_OVERDUE, "closed")]
    assert _brief_risks(ops) == [RiskStatus.CLOSED]


def test_an_overdue_brief_clears_when_dropped_or_replanned(
    ops: LibOps, clock: ManualClock, planner: Actor
) -> None:
    dropped = brief(ops, planner, title="Dropped")
    moved = brief(ops, planner, title="Moved")
    on_time = brief(ops, planner, title="On time")
    for brief_id in (dropped, moved):
        ops.briefs.plan(planner, brief_id, due_on=TODAY, assignee="planner-1")
    ops.briefs.plan(planner, on_time, due_on=TODAY + timedelta(days=9), assignee="planner-1")
    clock.advance(timedelta(days=1))
    post(ops, planner)
    assert sorted(o.action for o in raise_signals(ops)) == ["identified", "identified"]
    ops.briefs.drop(planner, dropped, "no longer needed")
    ops.briefs.replan(planner, moved, due_on=TODAY + timedelta(days=4))
    assert sorted(o.action for o in raise_signals(ops)) == ["closed", "closed"]
    assert _brief_risks(ops) == [RiskStatus.CLOSED, RiskStatus.CLOSED]
    before = count_events(ops)
    clock.advance(timedelta(days=5))  # the moved brief is late again: a new risk
    post(ops, planner)
    outcomes = raise_signals(ops)
    assert [(o.scope, o.action) for o in outcomes] == [(str(moved), "identified")]
    assert [b.id for b in ops.briefs.overdue()] == [moved]
    assert ops.briefs.overdue(TODAY) == ()
    assert count_events(ops) > before
