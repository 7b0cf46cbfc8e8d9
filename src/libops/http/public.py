"""The public JSON form of what the HTTP API answers: command results and aggregates' state.

Ids, decimals and times are text (UUIDs, ``"12.50"``, ISO 8601), enumerations their value,
sets sorted lists, and attrs values objects of their fields. Sealed personal data never
appears: a field carrying it shows only its subject's pseudonymous id.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Final

from eventsourcing.domain import Aggregate

from libops.application.public import plain
from libops.domain.budget import Budget
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.post import Post
from libops.domain.risk import Risk
from libops.domain.values import MetricSnapshot, Platform

LatestMetrics = Callable[[Post, Platform], MetricSnapshot | None]
"""A post's latest metric snapshot on a platform, whichever path recorded it."""


def _post(post: Post, latest: LatestMetrics | None = None) -> dict[str, Any]:
    # Its texts are sealed (readable through ops.posts.get, not here). ``latest``: the
    # latest snapshot whichever import path recorded it (a bulk import's too).
    read = post.latest_metrics if latest is None else partial(latest, post)
    return {
        "platforms": {
            platform.value: {
                "status": post.platform_status(platform),
                "scheduled_at": post.scheduled_at(platform),
                "receipt": post.receipt(platform),
                "last_failure": post.last_failure(platform),
                "latest_metrics": read(platform),
            }
            for platform in post.platforms
        },
        "revisions": post.revisions(),
        "last_review": post.last_review,
    }


def _budget(budget: Budget) -> dict[str, Any]:
    return {
        "positions": budget.positions(),
        "total": budget.total_position(),
        "campaign_lines": budget.campaign_lines(),
        "commitments": budget.commitments,
        "expenses": budget.expenses,
        "adjustments": budget.adjustments,
        "overrides": budget.overrides,
    }


def _risk(risk: Risk) -> dict[str, Any]:
    return {
        "score": risk.score,
        "level": risk.level,
        "actions": risk.actions,
        "incidents": risk.incidents,
        "next_review_on": risk.next_review_on,
    }


def _contest(contest: Contest) -> dict[str, Any]:
    return {"entries": contest.entries}


def _session(session: ReadingSession) -> dict[str, Any]:
    # What readers contributed is counted, not shown: they wrote it (see the activity log).
    registrations = [
        {**plain(registration), "contributions": len(registration.contributions)}
        for registration in session.registrations
    ]
    return {
        "registrations": registrations,
        "attendance": session.attendance,
        "places_left": session.places_left,
    }


def _question(question: Question) -> dict[str, Any]:
    return {"escalated": question.escalated}


_DETAILS: Final[dict[type[Aggregate], Callable[[Any], dict[str, Any]]]] = {
    Post: _post,
    Budget: _budget,
    Risk: _risk,
    Contest: _contest,
    ReadingSession: _session,
    Question: _question,
}
"""What each kind of aggregate shows besides its public attributes: what its methods and
properties compute from its private state."""


def aggregate_state(
    aggregate: Aggregate, kind: str, latest_metrics: LatestMetrics | None = None
) -> dict[str, Any]:
    """An aggregate's public form: its kind, id, version, times and public attributes, and
    what its properties compute (a budget's positions, a post's state on each platform;
    with ``latest_metrics``, a post's latest snapshots are what it answers)."""
    found: dict[str, Any] = {
        name: value
        for name, value in vars(aggregate).items()
        if not name.startswith("_") and not callable(value)
    }
    details = _DETAILS.get(type(aggregate))
    if isinstance(aggregate, Post):
        found.update(_post(aggregate, latest_metrics))
    elif details is not None:
        found.update(details(aggregate))
    state = {name: plain(value) for name, value in sorted(found.items())}
    return {
        "kind": kind,
        "id": str(aggregate.id),
        "version": aggregate.version,
        "created_on": aggregate.created_on.isoformat(),
        "modified_on": aggregate.modified_on.isoformat(),
        "state": state,
    }
