"""Interaction effectiveness: participants, contest entries, Q&A, reading sessions, moderation.

Participants are counted by their pseudonymous subject id (never by their sealed personal
data, which the projection does not open): the askers of questions, the readers registered for
reading sessions, contest entrants and the commenters moderation acted on.

Documents:

- ``participants``: ``{"total": n, "by_kind": {"qa": n, "reading": n, "contest": n,
  "moderation": n}}``: distinct subjects overall and within each kind of interaction;
- ``participant:<subject id>``: the kinds of interaction a subject took part in (what makes
  the counts distinct);
- ``contests``: ``{"contests", "entries", "disqualified", "eligible", "drawn", "cancelled"}``
  and ``contest:<contest id>``: ``{"title", "kind", "campaign_id", "entries",
  "disqualified", "status"}``;
- ``qa``: ``{"received", "answered", "escalated", "answer_rate", "response_counts",
  "median_response_seconds", "p90_response_seconds"}``. ``answer_rate`` is answered /
  received as Decimal text with four places (null before any question).
  ``response_counts`` counts the answered questions by response time in whole seconds (as
  ``Question.Answered`` records it: from the moment the question was asked), ``{"600": 2,
  ...}``: one entry per distinct response time, not per question. The median is the middle
  value (the mean of the two middle values for an even count, as Decimal text); the 90th
  percentile is by nearest rank: the ``ceil(0.9 n)``-th smallest. Both are exact, worked
  out once per batch, and null before any answer;
- ``reading``: ``{"sessions", "registrations", "attendance", "contributions",
  "attendance_rate"}`` (attendance / registrations, four places) and ``session:<id>``:
  ``{"title", "campaign_id", "capacity", "registered", "attended", "contributions",
  "status"}``;
- ``moderation``: actions by kind: ``{"hidden", "warned", "sanctioned",
  "sanctioned_automatically", "featured", "rewarded"}``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.projections.views import Projection, View, handles

KINDS: Final = ("qa", "reading", "contest", "moderation")
"""The kinds of interaction participants are counted in."""
MODERATION_ACTIONS: Final = (
    "hidden",
    "warned",
    "sanctioned",
    "sanctioned_automatically",
    "featured",
    "rewarded",
)
"""The moderation actions counted, by kind."""

_QUANTUM: Final = Decimal("0.0001")


def ratio(part: int, whole: int) -> str | None:
    """``part / whole`` as Decimal text with four places (half-even), None if ``whole`` is 0."""
    if whole <= 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(_QUANTUM, ROUND_HALF_EVEN))


def _nth_smallest(counts: Mapping[int, int], ranks: list[int]) -> list[int]:
    """The values at 0-based ``ranks`` (ascending) of the sorted multiset ``counts``."""
    found: list[int] = []
    seen = 0
    wanted = iter(ranks)
    rank = next(wanted, None)
    for value in sorted(counts):
        seen += counts[value]
        while rank is not None and rank < seen:
            found.append(value)
            rank = next(wanted, None)
        if rank is None:
            break
    return found


def median_of_counts(counts: Mapping[int, int]) -> str | None:
    """The median of the values counted in ``counts`` (value -> how many) as Decimal text:
    the middle value, or the mean of the two middle ones for an even count (None for none)."""
    n = sum(counts.values())
    if n == 0:
        return None
    low, high = _nth_smallest(counts, [(n - 1) // 2, n // 2])
    return str(low) if n % 2 else str((Decimal(low) + Decimal(high)) / 2)


def percentile_90_of_counts(counts: Mapping[int, int]) -> int | None:
    """The 90th percentile by nearest rank, the ceil(0.9 n)-th smallest (None for none)."""
    n = sum(counts.values())
    if n == 0:
        return None
    return _nth_smallest(counts, [(9 * n + 9) // 10 - 1])[0]  # ceil(0.9 n) in whole numbers


def median(values: list[int]) -> str | None:
    """The median of ``values`` as Decimal text (None for none)."""
    return median_of_counts(Counter(values))


def percentile_90(values: list[int]) -> int | None:
    """The 90th percentile of ``values`` by nearest rank (None for none)."""
    return percentile_90_of_counts(Counter(values))


def _zero(fields: tuple[str, ...]) -> dict[str, Any]:
    return dict.fromkeys(fields, 0)


def _participant(view: View, subject_id: str, kind: str) -> None:
    key = f"participant:{subject_id}"
    seen = view.get(key)
    counts = view.get("participants") or {"total": 0, "by_kind": _zero(KINDS)}
    if seen is None:
        seen = {"kinds": []}
        counts["total"] += 1
    if kind in seen["kinds"]:
        return
    seen["kinds"] = sorted([*seen["kinds"], kind])
    counts["by_kind"][kind] += 1
    view.put(key, seen)
    view.put("participants", counts)


def _qa(view: View) -> dict[str, Any]:
    found: dict[str, Any] | None = view.get("qa")
    if found is not None:
        return found
    return {
        "received": 0,
        "answered": 0,
        "escalated": 0,
        "answer_rate": None,
        "response_counts": {},
        "median_response_seconds": None,
        "p90_response_seconds": None,
    }


def _reading(view: View) -> dict[str, Any]:
    return view.get("reading") or {
        **_zero(("sessions", "registrations", "attendance", "contributions")),
        "attendance_rate": None,
    }


def _put_reading(view: View, reading: dict[str, Any]) -> None:
    reading["attendance_rate"] = ratio(reading["attendance"], reading["registrations"])
    view.put("reading", reading)


_CONTEST_FIELDS: Final = ("contests", "entries", "disqualified", "eligible", "drawn", "cancelled")


class InteractionEffectivenessProjection(Projection):
    """Participants, contest entries, Q&A answer rate and response times, reading, moderation."""

    name = "interactions"
    apply_cost = 0.1  # measured: see Projection.apply_cost

    # --- questions -----------------------------------------------------------------------

    @handles(Question.Received)
    def question_received(self, event: Question.Received, view: View) -> None:
        """One more question, from one asker."""
        _participant(view, event.asker.subject_id, "qa")
        qa = _qa(view)
        qa["received"] += 1
        qa["answer_rate"] = ratio(qa["answered"], qa["received"])
        view.put("qa", qa)

    @handles(Question.Answered)
    def question_answered(self, event: Question.Answered, view: View) -> None:
        """An answer, with its response time."""
        qa = _qa(view)
        qa["answered"] += 1
        qa["answer_rate"] = ratio(qa["answered"], qa["received"])
        counts = qa["response_counts"]
        seconds = str(int(event.response_seconds))
        counts[seconds] = counts.get(seconds, 0) + 1
        view.put("qa", qa)  # the median and 90th percentile: once a batch, before_commit

    def before_commit(self, view: View) -> None:
        """Work out the median and 90th-percentile response times if answers came in."""
        if "qa" not in view.touched():
            return
        qa = view.get("qa")
        if qa is None:
            return
        counts = {int(seconds): n for seconds, n in qa["response_counts"].items()}
        qa.update(
            median_response_seconds=median_of_counts(counts),
            p90_response_seconds=percentile_90_of_counts(counts),
        )

    @handles(Question.Escalated)
    def question_escalated(self, event: Question.Escalated, view: View) -> None:
        """A question waited too long and was escalated."""
        qa = _qa(view)
        qa["escalated"] += 1
        view.put("qa", qa)

    # --- reading sessions ----------------------------------------------------------------

    @handles(ReadingSession.Scheduled)
    def session_scheduled(self, event: ReadingSession.Scheduled, view: View) -> None:
        """A new reading session."""
        view.put(
            f"session:{event.originator_id}",
            {
                "title": event.title,
                "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
                "capacity": event.capacity,
                "registered": 0,
                "attended": 0,
                "contributions": 0,
                "status": "scheduled",
            },
        )
        reading = _reading(view)
        reading["sessions"] += 1
        _put_reading(view, reading)

    @handles(ReadingSession.Registered)
    def session_registered(self, event: ReadingSession.Registered, view: View) -> None:
        """A reader registered for a session."""
        _participant(view, event.participant.subject_id, "reading")
        view.increment(f"session:{event.originator_id}", field="registered")
        reading = _reading(view)
        reading["registrations"] += 1
        _put_reading(view, reading)

    @handles(ReadingSession.AttendanceRecorded)
    def session_attended(self, event: ReadingSession.AttendanceRecorded, view: View) -> None:
        """A registered reader came."""
        view.increment(f"session:{event.originator_id}", field="attended")
        reading = _reading(view)
        reading["attendance"] += 1
        _put_reading(view, reading)

    @handles(ReadingSession.ContributionRecorded)
    def session_contribution(self, event: ReadingSession.ContributionRecorded, view: View) -> None:
        """A reader contributed to a session (its text is not kept here)."""
        view.increment(f"session:{event.originator_id}", field="contributions")
        reading = _reading(view)
        reading["contributions"] += 1
        _put_reading(view, reading)

    @handles(ReadingSession.Closed)
    def session_closed(self, event: ReadingSession.Closed, view: View) -> None:
        """The session is over."""
        view.update(f"session:{event.originator_id}", status="closed")

    @handles(ReadingSession.Cancelled)
    def session_cancelled(self, event: ReadingSession.Cancelled, view: View) -> None:
        """The session was called off."""
        view.update(f"session:{event.originator_id}", status="cancelled")

    # --- contests ------------------------------------------------------------------------

    @handles(Contest.Announced)
    def contest_announced(self, event: Contest.Announced, view: View) -> None:
        """A new contest."""
        view.put(
            f"contest:{event.originator_id}",
            {
                "title": event.title,
                "kind": event.kind.value,
                "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
                "entries": 0,
                "disqualified": 0,
                "status": "announced",
            },
        )
        self._contests(view, "contests")

    @handles(Contest.Opened)
    def contest_opened(self, event: Contest.Opened, view: View) -> None:
        """The contest takes entries."""
        view.update(f"contest:{event.originator_id}", status="open")

    @handles(Contest.EntryRecorded)
    def contest_entry(self, event: Contest.EntryRecorded, view: View) -> None:
        """An entry, by one participant."""
        _participant(view, event.participant.subject_id, "contest")
        view.increment(f"contest:{event.originator_id}", field="entries")
        self._contests(view, "entries")

    @handles(Contest.EntryDisqualified)
    def contest_disqualified(self, event: Contest.EntryDisqualified, view: View) -> None:
        """An entry was taken out of the draw."""
        view.increment(f"contest:{event.originator_id}", field="disqualified")
        self._contests(view, "disqualified")

    @handles(Contest.Closed)
    def contest_closed(self, event: Contest.Closed, view: View) -> None:
        """The contest closed with its eligible entries counted."""
        view.update(f"contest:{event.originator_id}", status="closed")
        self._contests(view, "eligible", event.eligible_count)

    @handles(Contest.Drawn)
    def contest_drawn(self, event: Contest.Drawn, view: View) -> None:
        """The winners were drawn."""
        view.update(f"contest:{event.originator_id}", status="drawn")
        self._contests(view, "drawn")

    @handles(Contest.Cancelled)
    def contest_cancelled(self, event: Contest.Cancelled, view: View) -> None:
        """The contest was called off."""
        view.update(f"contest:{event.originator_id}", status="cancelled")
        self._contests(view, "cancelled")

    @staticmethod
    def _contests(view: View, field: str, by: int = 1) -> None:
        contests = view.get("contests") or _zero(_CONTEST_FIELDS)
        contests[field] += by
        view.put("contests", contests)

    # --- moderation ----------------------------------------------------------------------

    @handles(ConductRecord.Opened)
    def conduct_opened(self, event: ConductRecord.Opened, view: View) -> None:
        """Moderation acted on a commenter for the first time."""
        _participant(view, event.subject_id, "moderation")

    @handles(ConductRecord.CommentHidden)
    def hidden(self, event: ConductRecord.CommentHidden, view: View) -> None:
        """A comment was hidden."""
        self._moderation(view, "hidden")

    @handles(ConductRecord.Warned)
    def warned(self, event: ConductRecord.Warned, view: View) -> None:
        """A commenter was warned."""
        self._moderation(view, "warned")

    @handles(ConductRecord.Sanctioned)
    def sanctioned(self, event: ConductRecord.Sanctioned, view: View) -> None:
        """A commenter was sanctioned by a moderator."""
        self._moderation(view, "sanctioned")

    @handles(ConductRecord.SanctionedAutomatically)
    def sanctioned_automatically(
        self, event: ConductRecord.SanctionedAutomatically, view: View
    ) -> None:
        """A commenter's warnings brought the policy's sanction."""
        self._moderation(view, "sanctioned_automatically")

    @handles(ConductRecord.CommentFeatured)
    def featured(self, event: ConductRecord.CommentFeatured, view: View) -> None:
        """A comment was featured."""
        self._moderation(view, "featured")

    @handles(ConductRecord.Rewarded)
    def rewarded(self, event: ConductRecord.Rewarded, view: View) -> None:
        """A commenter was rewarded."""
        self._moderation(view, "rewarded")

    @staticmethod
    def _moderation(view: View, kind: str) -> None:
        moderation = view.get("moderation") or _zero(MODERATION_ACTIONS)
        moderation[kind] += 1
        view.put("moderation", moderation)
