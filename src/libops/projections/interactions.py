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
  "sanctioned_automatically", "featured", "rewarded"}``;
- ``quality`` (issue 17, item 2: the quality of participation, not only its amount):
  ``{"answer_lengths", "contribution_lengths", "median_answer_length",
  "median_contribution_length", "answered_well", "answered_well_rate", "returning",
  "returning_share", "contest_winners"}``. Lengths are in characters of the stripped text
  (staff answers to questions; what participants shared at reading sessions), counted in
  buckets ``{"short": < 50, "medium": 50 to 199, "long": 200 or more}`` with the median (as
  Decimal text; the length counts behind it are kept under ``*_length_counts``); no text is
  copied. A question is **answered well** when it was answered without ever being escalated
  (within the escalation time); ``answered_well_rate`` is answered well / received (four
  places). A participant **came back** (``returning``) when they took part in two or more
  interactions: questions asked, reading sessions registered for, contests entered (each
  counted once; moderation is not taking part); ``returning_share`` is returning /
  participants. ``contest_winners`` counts the winners drawn (with the ``featured`` and
  ``rewarded`` of ``moderation``, what staff recognised). ``participant:<subject id>`` gains
  ``interactions``: how many they took part in. A store projected before these fields were
  added gets them with ``libops project rebuild interactions``.
- ``quality_day:<day>`` (the Shanghai day, ISO text): the additive counts of ``quality`` that
  happened on that day, so a report can bind the figures to its period
  (:func:`quality_in`): ``{"answer_length_counts", "contribution_length_counts",
  "contest_winners", "featured", "rewarded"}``. An answer's length counts on the day it was
  given, a contribution's on the day it was shared, winners on the day of the draw, comments
  featured and readers rewarded on the day recorded. ``answered:<question id>`` and
  ``escalated_on:<question id>`` keep the day a question was answered (and whether it was
  answered well) and the day it was escalated; ``participant:<subject id>`` gains ``days``:
  the day of each interaction they took part in (once per interaction).
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
from libops.domain.values import Period
from libops.projections.views import Projection, View, handles, local_day, uuid_text

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


def _count_reading(view: View, field: str) -> None:
    """One more of ``field`` in the reading sessions' totals, and their attendance rate."""
    reading = view.get("reading") or {
        **_zero(("sessions", "registrations", "attendance", "contributions")),
        "attendance_rate": None,
    }
    reading[field] += 1
    reading["attendance_rate"] = ratio(reading["attendance"], reading["registrations"])
    view.put("reading", reading)


_CONTEST_FIELDS: Final = ("contests", "entries", "disqualified", "eligible", "drawn", "cancelled")

# --- the quality of participation (issue 17, item 2) ---------------------------------------

LENGTH_BUCKETS: Final = (("short", 0), ("medium", 50), ("long", 200))
"""The length buckets of answers and contributions, each from its lower bound (characters)."""


def length_bucket(length: int) -> str:
    """The bucket of a text of ``length`` characters."""
    return [name for name, low in LENGTH_BUCKETS if length >= low][-1]


def _quality(view: View) -> dict[str, Any]:
    found: dict[str, Any] | None = view.get("quality")
    return _new_quality() if found is None else found


def _new_quality() -> dict[str, Any]:
    """The ``quality`` document before anything is counted."""
    buckets = [name for name, _ in LENGTH_BUCKETS]
    return {
        "answer_lengths": dict.fromkeys(buckets, 0),
        "contribution_lengths": dict.fromkeys(buckets, 0),
        "answer_length_counts": {},
        "contribution_length_counts": {},
        "median_answer_length": None,
        "median_contribution_length": None,
        "answered_well": 0,
        "answered_well_rate": None,
        "returning": 0,
        "returning_share": None,
        "contest_winners": 0,
    }


def _lengths(quality: dict[str, Any], kind: str, text: str) -> None:
    """Count ``text``'s length (stripped) in the ``kind`` buckets and length counts."""
    length = len(text.strip())
    quality[f"{kind}_lengths"][length_bucket(length)] += 1
    counts = quality[f"{kind}_length_counts"]
    counts[str(length)] = counts.get(str(length), 0) + 1


def _day_counts(view: View, day: str) -> dict[str, Any]:
    found: dict[str, Any] | None = view.get(f"quality_day:{day}")
    if found is not None:
        return found
    return {
        "answer_length_counts": {},
        "contribution_length_counts": {},
        "contest_winners": 0,
        "featured": 0,
        "rewarded": 0,
    }


def _count_on(view: View, day: str, field: str, by: int = 1) -> None:
    """Add ``by`` to ``field`` of the day's quality counts."""
    counts = _day_counts(view, day)
    counts[field] = counts.get(field, 0) + by
    view.put(f"quality_day:{day}", counts)


def _length_on(view: View, day: str, kind: str, text: str) -> None:
    """Count ``text``'s length (stripped) in the day's ``kind`` length counts."""
    counts = _day_counts(view, day)
    lengths = counts[f"{kind}_length_counts"]
    length = str(len(text.strip()))
    lengths[length] = lengths.get(length, 0) + 1
    view.put(f"quality_day:{day}", counts)


def _took_part(view: View, subject_id: str, interaction_id: object, day: str) -> None:
    """``subject_id`` took part in the interaction ``interaction_id`` on ``day`` (counted
    once, on the first day)."""
    marker = f"took_part:{subject_id}:{interaction_id}"
    if view.get(marker) is not None:
        return
    view.put(marker, True)
    key = f"participant:{subject_id}"
    seen = view.get(key)
    seen["interactions"] = seen.get("interactions", 0) + 1
    seen.setdefault("days", []).append(day)  # a regular's list is long: not copied
    view.put(key, seen)
    if seen["interactions"] == 2:
        quality = _quality(view)
        quality["returning"] += 1
        view.put("quality", quality)


def quality_in(view: Mapping[str, Any], period: Period) -> dict[str, Any]:
    """The ``quality`` document's figures for the days of ``period`` only (Shanghai days),
    from the ``quality_day:<day>`` counts, the questions' days and the participants' ``days``:
    only what happened in the period counts.

    The questions counted are those settled in the period: answered in it, or escalated in
    it (waiting too long counts against the rate when it happens, as an unanswered question
    counts against the whole-history rate); one answered in the period without ever being
    escalated was answered well.

    A participant took part in the period when an interaction they took part in began for
    them in it (a question asked, a session registered for, a contest entered); they came
    back when two or more did. ``returning_share`` is over the participants who took part in
    the period (those moderation acted on but who took no part are not counted, unlike the
    whole-history share). Beside the ``quality`` fields: ``questions`` (settled in the
    period), ``participants`` (who took part in it), ``featured`` and ``rewarded``."""
    start, end = period.start.isoformat(), period.end.isoformat()
    quality = _new_quality()
    settled = participants = featured = rewarded = 0
    for key, document in view.items():
        if key.startswith("quality_day:"):
            if not start <= key.removeprefix("quality_day:") <= end:
                continue
            quality["contest_winners"] += document["contest_winners"]
            featured += document.get("featured", 0)
            rewarded += document.get("rewarded", 0)
            for kind in ("answer", "contribution"):
                counts = quality[f"{kind}_length_counts"]
                for length, n in document[f"{kind}_length_counts"].items():
                    counts[length] = counts.get(length, 0) + n
                    quality[f"{kind}_lengths"][length_bucket(int(length))] += n
        elif key.startswith("answered:"):
            if start <= document["day"] <= end:
                settled += 1
                quality["answered_well"] += document["well"]
        elif key.startswith("escalated_on:"):
            answered = view.get(f"answered:{key.removeprefix('escalated_on:')}")
            if start <= document <= end and not (
                answered is not None and start <= answered["day"] <= end
            ):
                settled += 1  # escalated in the period, not answered in it
        elif key.startswith("participant:"):
            within = sum(1 for day in document.get("days", ()) if start <= day <= end)
            participants += within > 0
            quality["returning"] += within > 1
    for kind in ("answer", "contribution"):
        counts = {int(n): k for n, k in quality[f"{kind}_length_counts"].items()}
        quality[f"median_{kind}_length"] = median_of_counts(counts)
    quality["answered_well_rate"] = ratio(quality["answered_well"], settled)
    quality["returning_share"] = ratio(quality["returning"], participants)
    return {
        **quality,
        "questions": settled,
        "participants": participants,
        "featured": featured,
        "rewarded": rewarded,
    }


class InteractionEffectivenessProjection(Projection):
    """Participants, contest entries, Q&A answer rate and response times, reading, moderation."""

    name = "interactions"
    apply_cost = 0.1  # measured: see Projection.apply_cost

    # --- questions -----------------------------------------------------------------------

    @handles(Question.Received)
    def question_received(self, event: Question.Received, view: View) -> None:
        """One more question, from one asker."""
        _participant(view, event.asker.subject_id, "qa")
        day = local_day(event.received_at)
        _took_part(view, event.asker.subject_id, event.originator_id, day)
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
        quality = _quality(view)
        _lengths(quality, "answer", event.text)
        day = local_day(event.answered_at)
        _length_on(view, day, "answer", event.text)
        well = view.get(f"escalated:{uuid_text(event.originator_id)}") is None
        quality["answered_well"] += well
        view.put("quality", quality)
        view.put(f"answered:{uuid_text(event.originator_id)}", {"day": day, "well": well})

    def before_commit(self, view: View) -> None:
        """Work out the median and 90th-percentile response times if answers came in, and
        the quality figures (medians, rates, shares) if anything they rest on changed."""
        touched = view.touched()
        if {"quality", "qa", "participants"} & set(touched):
            self._quality_figures(view)
        if "qa" not in touched:
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
        view.put(f"escalated:{uuid_text(event.originator_id)}", True)
        view.put(f"escalated_on:{uuid_text(event.originator_id)}", local_day(event.at))

    @staticmethod
    def _quality_figures(view: View) -> None:
        """The quality figures derived from the counts: medians, answered well, came back."""
        quality = _quality(view)
        qa = _qa(view)
        participants = view.get("participants") or {"total": 0}
        for kind in ("answer", "contribution"):
            counts = {int(n): k for n, k in quality[f"{kind}_length_counts"].items()}
            quality[f"median_{kind}_length"] = median_of_counts(counts)
        quality["answered_well_rate"] = ratio(quality["answered_well"], qa["received"])
        quality["returning_share"] = ratio(quality["returning"], participants["total"])
        view.put("quality", quality)

    # --- reading sessions ----------------------------------------------------------------

    @handles(ReadingSession.Scheduled)
    def session_scheduled(self, event: ReadingSession.Scheduled, view: View) -> None:
        """A new reading session."""
        view.put(
            f"session:{uuid_text(event.originator_id)}",
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
        _count_reading(view, "sessions")

    @handles(ReadingSession.Registered)
    def session_registered(self, event: ReadingSession.Registered, view: View) -> None:
        """A reader registered for a session."""
        _participant(view, event.participant.subject_id, "reading")
        _took_part(view, event.participant.subject_id, event.originator_id, local_day(event.at))
        view.increment(f"session:{uuid_text(event.originator_id)}", field="registered")
        _count_reading(view, "registrations")

    @handles(ReadingSession.AttendanceRecorded)
    def session_attended(self, event: ReadingSession.AttendanceRecorded, view: View) -> None:
        """A registered reader came."""
        view.increment(f"session:{uuid_text(event.originator_id)}", field="attended")
        _count_reading(view, "attendance")

    @handles(ReadingSession.ContributionRecorded)
    def session_contribution(self, event: ReadingSession.ContributionRecorded, view: View) -> None:
        """A reader contributed to a session (its text is not kept here)."""
        view.increment(f"session:{uuid_text(event.originator_id)}", field="contributions")
        _count_reading(view, "contributions")
        quality = _quality(view)
        _lengths(quality, "contribution", event.text)
        _length_on(view, local_day(event.at), "contribution", event.text)
        view.put("quality", quality)

    @handles(ReadingSession.Closed, ReadingSession.Cancelled)
    def session_ended(self, event: Any, view: View) -> None:
        """The session is over, or was called off."""
        status = "closed" if isinstance(event, ReadingSession.Closed) else "cancelled"
        view.update(f"session:{uuid_text(event.originator_id)}", status=status)

    # --- contests ------------------------------------------------------------------------

    @handles(Contest.Announced)
    def contest_announced(self, event: Contest.Announced, view: View) -> None:
        """A new contest."""
        view.put(
            f"contest:{uuid_text(event.originator_id)}",
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
        view.update(f"contest:{uuid_text(event.originator_id)}", status="open")

    @handles(Contest.EntryRecorded)
    def contest_entry(self, event: Contest.EntryRecorded, view: View) -> None:
        """An entry, by one participant."""
        _participant(view, event.participant.subject_id, "contest")
        _took_part(
            view, event.participant.subject_id, event.originator_id, local_day(event.entered_at)
        )
        view.increment(f"contest:{uuid_text(event.originator_id)}", field="entries")
        self._contests(view, "entries")

    @handles(Contest.EntryDisqualified)
    def contest_disqualified(self, event: Contest.EntryDisqualified, view: View) -> None:
        """An entry was taken out of the draw."""
        view.increment(f"contest:{uuid_text(event.originator_id)}", field="disqualified")
        self._contests(view, "disqualified")

    @handles(Contest.Closed)
    def contest_closed(self, event: Contest.Closed, view: View) -> None:
        """The contest closed with its eligible entries counted."""
        view.update(f"contest:{uuid_text(event.originator_id)}", status="closed")
        self._contests(view, "eligible", event.eligible_count)

    @handles(Contest.Drawn)
    def contest_drawn(self, event: Contest.Drawn, view: View) -> None:
        """The winners were drawn."""
        view.update(f"contest:{uuid_text(event.originator_id)}", status="drawn")
        self._contests(view, "drawn")
        quality = _quality(view)
        quality["contest_winners"] += len(event.winners)
        view.put("quality", quality)
        _count_on(view, local_day(event.at), "contest_winners", len(event.winners))

    @handles(Contest.Cancelled)
    def contest_cancelled(self, event: Contest.Cancelled, view: View) -> None:
        """The contest was called off."""
        view.update(f"contest:{uuid_text(event.originator_id)}", status="cancelled")
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
        """A comment was featured (on the day it was recorded: the event has no day of its
        own)."""
        self._moderation(view, "featured")
        _count_on(view, local_day(event.timestamp), "featured")

    @handles(ConductRecord.Rewarded)
    def rewarded(self, event: ConductRecord.Rewarded, view: View) -> None:
        """A commenter was rewarded (on the day it was recorded)."""
        self._moderation(view, "rewarded")
        _count_on(view, local_day(event.timestamp), "rewarded")

    @staticmethod
    def _moderation(view: View, kind: str) -> None:
        moderation = view.get("moderation") or _zero(MODERATION_ACTIONS)
        moderation[kind] += 1
        view.put("moderation", moderation)
