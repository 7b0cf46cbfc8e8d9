"""The team: the roster (members with roles, duties, joining and leaving, and the history of
those changes with their days), who did what by day, and the training each member took.

Documents (name ``team``; see docs/team.md):

- ``member:<user id>``: ``{"login", "name", "roles" (role values, sorted), "duties",
  "added" (the day the user was added, Asia/Shanghai), "joined" (the joining day recorded with
  ``user.join``, or null: a user added before the team's events existed has none, and the
  roster shows the day they were added instead), "left" (or null), "left_reason",
  "disabled", "history" ([[day, change, detail], ...] in log order: ``added``, ``roles``,
  ``duties``, ``joined``, ``left``, ``disabled``, ``enabled``; the day of ``joined`` and
  ``left`` is the day recorded, of the others the day of the change; ``detail`` the roles
  or duties joined by ", ", or the reason), "trainings" ([{"id", "course", "provider", "day",
  "hours" (decimal text), "learned", "certificate"}, ...])}``;
- ``actions:<actor id>``: ``{day: {kind: n}}``: the actions of each person by day
  (Asia/Shanghai) and kind (:data:`ACTION_KINDS`: posts drafted, reviews given, variants
  published, questions answered).

:func:`roster` reads the members, :func:`team_figures` sums actions and training for a
period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

import attrs

from libops.domain.interaction.qa import Question
from libops.domain.post import Post
from libops.domain.users import User
from libops.domain.values import Period
from libops.projections.views import Projection, View, event_topic, handles, local_day, uuid_text

NAME: Final = "team"
"""The name of the team projection."""


DRAFTED: Final = "drafted"
REVIEWED: Final = "reviewed"
PUBLISHED: Final = "published"
ANSWERED: Final = "answered"

ACTION_KINDS: Final[Mapping[str, str]] = {
    event_topic(Post.Drafted): DRAFTED,
    event_topic(Post.Approved): REVIEWED,
    event_topic(Post.ChangesRequested): REVIEWED,
    event_topic(Post.Published): PUBLISHED,
    event_topic(Question.Answered): ANSWERED,
}
"""The events counted as a person's actions, by topic: the kind each counts as (a review is
an approval or a request for changes; a publish is one platform's variant going out)."""

KINDS: Final = (DRAFTED, REVIEWED, PUBLISHED, ANSWERED)
"""The kinds of action, in the order the roster and the report show them."""


def _roles(roles: Any) -> list[str]:
    return sorted(r.value for r in roles)


class TeamProjection(Projection):
    """The roster, each person's actions by day and kind, and training (see the module)."""

    name = NAME
    apply_cost = 0.2

    def _member(self, view: View, event: Any) -> dict[str, Any]:
        doc: dict[str, Any] | None = view.get(_key(event))
        if doc is None:  # only when an Added event is missing: keep what follows anyway
            doc = _new_member(uuid_text(event.originator_id), "", [], None)
        return doc

    def _change(
        self, view: View, event: Any, change: str, detail: str, day: str | None = None
    ) -> dict[str, Any]:
        doc = self._member(view, event)
        doc["history"].append([day or local_day(event.timestamp), change, detail])
        return doc

    @handles(User.Added)
    def added(self, event: User.Added, view: View) -> None:
        day = local_day(event.timestamp)
        doc = _new_member(event.login, event.name, _roles(event.roles), day)
        doc["history"].append([day, "added", ", ".join(doc["roles"])])
        view.put(_key(event), doc)

    @handles(User.RolesChanged)
    def roles_changed(self, event: User.RolesChanged, view: View) -> None:
        roles = _roles(event.roles)
        doc = self._change(view, event, "roles", ", ".join(roles))
        doc["roles"] = roles
        view.put(_key(event), doc)

    @handles(User.DutiesSet)
    def duties_set(self, event: User.DutiesSet, view: View) -> None:
        doc = self._change(view, event, "duties", ", ".join(event.duties))
        doc["duties"] = list(event.duties)
        view.put(_key(event), doc)

    @handles(User.Joined)
    def joined(self, event: User.Joined, view: View) -> None:
        doc = self._change(view, event, "joined", "", event.day)
        doc["joined"] = event.day
        doc["left"] = None
        doc["left_reason"] = ""
        doc["disabled"] = False
        view.put(_key(event), doc)

    @handles(User.Left)
    def left(self, event: User.Left, view: View) -> None:
        doc = self._change(view, event, "left", event.reason, event.day)
        doc["left"] = event.day
        doc["left_reason"] = event.reason
        doc["disabled"] = True
        view.put(_key(event), doc)

    @handles(User.Disabled)
    def disabled(self, event: User.Disabled, view: View) -> None:
        doc = self._change(view, event, "disabled", event.reason)
        doc["disabled"] = True
        view.put(_key(event), doc)

    @handles(User.Enabled)
    def enabled(self, event: User.Enabled, view: View) -> None:
        doc = self._change(view, event, "enabled", "")
        doc["disabled"] = False
        view.put(_key(event), doc)

    @handles(User.TrainingRecorded)
    def training(self, event: User.TrainingRecorded, view: View) -> None:
        doc = self._member(view, event)
        doc["trainings"].append(_training(event))
        view.put(_key(event), doc)

    @handles(User.TrainingCorrected)
    def training_corrected(self, event: User.TrainingCorrected, view: View) -> None:
        """A training record corrected: the record as corrected replaces it."""
        doc = self._member(view, event)
        doc["trainings"] = [
            _training(event) if t["id"] == event.training_id else t for t in doc["trainings"]
        ]
        view.put(_key(event), doc)

    @handles(Post.Drafted, Post.Approved, Post.ChangesRequested, Post.Published)
    def post_action(self, event: Any, view: View) -> None:
        self._count(event, event.actor_id, view)

    @handles(Question.Answered)
    def answered(self, event: Question.Answered, view: View) -> None:
        self._count(event, event.actor_id, view)

    def _count(self, event: Any, actor_id: str | None, view: View) -> None:
        if actor_id is None:
            return
        kind = ACTION_KINDS[event_topic(type(event))]
        key = f"actions:{actor_id}"
        doc: dict[str, Any] = view.get(key) or {}
        counts = doc.setdefault(local_day(event.timestamp), {})
        counts[kind] = counts.get(kind, 0) + 1
        view.put(key, doc)


def _training(event: User.TrainingRecorded | User.TrainingCorrected) -> dict[str, Any]:
    """A training record as the member's document holds it."""
    return {
        "id": event.training_id,
        "course": event.course,
        "provider": event.provider,
        "day": event.day,
        "hours": str(event.hours),
        "learned": event.learned,
        "certificate": event.certificate,
    }


def _key(event: Any) -> str:
    return f"member:{uuid_text(event.originator_id)}"


def _new_member(login: str, name: str, roles: list[str], added: str | None) -> dict[str, Any]:
    return {
        "login": login,
        "name": name,
        "roles": roles,
        "duties": [],
        "added": added,
        "joined": None,
        "left": None,
        "left_reason": "",
        "disabled": False,
        "history": [],
        "trainings": [],
    }


# --- reading the view ------------------------------------------------------------------------


@attrs.frozen
class TrainingRecord:
    """One training a member took."""

    login: str
    training_id: str
    course: str
    provider: str
    day: date
    hours: Decimal
    learned: str
    certificate: str


@attrs.frozen
class Member:
    """A member of the roster. ``joined`` is the recorded joining day, or (when none was
    recorded) the day the user was added; ``joined_recorded`` says which."""

    login: str
    name: str
    roles: tuple[str, ...]
    duties: tuple[str, ...]
    joined: date | None
    joined_recorded: bool
    left: date | None
    left_reason: str
    disabled: bool
    history: tuple[tuple[date, str, str], ...]
    trainings: tuple[TrainingRecord, ...]


def _optional_day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _member(doc: Mapping[str, Any]) -> Member:
    joined = doc["joined"] or doc["added"]
    return Member(
        login=doc["login"],
        name=doc["name"],
        roles=tuple(doc["roles"]),
        duties=tuple(doc["duties"]),
        joined=_optional_day(joined),
        joined_recorded=doc["joined"] is not None,
        left=_optional_day(doc["left"]),
        left_reason=doc["left_reason"],
        disabled=bool(doc["disabled"]),
        history=tuple((date.fromisoformat(d), c, t) for d, c, t in doc["history"]),
        trainings=tuple(
            TrainingRecord(
                doc["login"],
                t["id"],
                t["course"],
                t["provider"],
                date.fromisoformat(t["day"]),
                Decimal(t["hours"]),
                t["learned"],
                t["certificate"],
            )
            for t in doc["trainings"]
        ),
    )


def roster(view: Mapping[str, Any]) -> tuple[Member, ...]:
    """Every member of the team view, by login (those who left included)."""
    members = [_member(doc) for key, doc in view.items() if key.startswith("member:")]
    return tuple(sorted(members, key=lambda m: m.login))


@attrs.frozen
class PersonActions:
    """What one person did in a period, by kind of action."""

    actor_id: str
    drafted: int = 0
    reviewed: int = 0
    published: int = 0
    answered: int = 0

    @property
    def total(self) -> int:
        return self.drafted + self.reviewed + self.published + self.answered


@attrs.frozen
class CourseFigures:
    """A course taken in a period: the people who took it and their hours together."""

    course: str
    provider: str
    people: tuple[str, ...]
    hours: Decimal


@attrs.frozen
class TeamFigures:
    """Actions and training in a period."""

    actions: tuple[PersonActions, ...] = ()
    courses: tuple[CourseFigures, ...] = ()
    hours_by_person: tuple[tuple[str, Decimal], ...] = ()

    @property
    def training_hours(self) -> Decimal:
        return sum((h for _, h in self.hours_by_person), Decimal(0))


def team_figures(view: Mapping[str, Any], period: Period | None = None) -> TeamFigures:
    """Who did what in ``period`` (all days when None), most actions first, and the
    training taken in it: by course (people and hours) and hours by person."""
    actions = []
    for key in sorted(view):
        if not key.startswith("actions:"):
            continue
        totals = dict.fromkeys(KINDS, 0)
        for day, counts in view[key].items():
            if period is None or date.fromisoformat(day) in period:
                for kind, n in counts.items():
                    totals[kind] += n
        if any(totals.values()):
            actions.append(PersonActions(key.removeprefix("actions:"), **totals))
    actions.sort(key=lambda a: (-a.total, a.actor_id))
    trainings = [
        t for member in roster(view) for t in member.trainings if period is None or t.day in period
    ]
    return TeamFigures(
        actions=tuple(actions),
        courses=courses(trainings),
        hours_by_person=tuple(
            sorted(
                (
                    (login, sum((t.hours for t in trainings if t.login == login), Decimal(0)))
                    for login in {t.login for t in trainings}
                ),
                key=lambda item: (-item[1], item[0]),
            )
        ),
    )


def courses(trainings: list[TrainingRecord]) -> tuple[CourseFigures, ...]:
    """Trainings grouped by course and provider: who took each, and the hours together."""
    groups: dict[tuple[str, str], list[TrainingRecord]] = {}
    for t in trainings:
        groups.setdefault((t.course, t.provider), []).append(t)
    return tuple(
        CourseFigures(
            course,
            provider,
            tuple(sorted({t.login for t in group})),
            sum((t.hours for t in group), Decimal(0)),
        )
        for (course, provider), group in sorted(groups.items())
    )
