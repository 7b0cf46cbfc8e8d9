"""Satisfaction surveys: responses and response rates, CSAT, NPS with its interval, answers.

Respondents are never named here (the view holds no subject id and no sealed data), and free
text is never copied: a free-text question shows only how many answered it.

Documents:

- ``surveys``: ``{"ids": [survey ids, in the order created], "surveys", "open", "closed",
  "responses"}``;
- ``survey:<id>``: ``{"title", "target", "target_id", "period" ({"start", "end"} or null),
  "anonymous", "status", "created_at", "opened_at", "closed_at", "responses", "denominator",
  "response_rate", "csat", "nps", "questions"}``:

  - ``denominator`` is the number of people the survey could reach, where one exists: for a
    survey of a reading session, the participants recorded present at it (null before any
    attendance is recorded); null for contests, campaigns and the account. ``response_rate`` is
    responses / denominator, four places (null without a denominator); it can pass 1 for an
    anonymous survey, which cannot refuse a second response from the same person;
  - ``csat``: ``{"satisfied", "rated", "share"}`` over every rating question's answers
    (share: four places, null without ratings);
  - ``nps``: ``{"promoters", "passives", "detractors", "answers", "score", "low", "high"}``
    over every recommendation question's answers: the score and its 95% interval in points
    with one decimal (see :mod:`libops.analysis.satisfaction`), null without answers;
  - ``questions``: by question id, ``{"kind", "text", "required", "answered",
    "distribution"}``; the distribution counts each rating (``"1"`` to ``"5"``),
    recommendation (``"0"`` to ``"10"``) or option; it is ``{}`` for free text;

- ``activity:<id>``: ``{"attended", "surveys"}``: a reading session's attendance and the
  surveys about it (what keeps their denominators up to date).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

from libops.analysis.satisfaction import csat, nps
from libops.domain.interaction.reading import ReadingSession
from libops.domain.interaction.survey import QuestionKind, Survey
from libops.projections.interactions import ratio
from libops.projections.views import Projection, View, handles, uuid_text

_POINTS: Final = Decimal("0.1")


def _points(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(_POINTS, ROUND_HALF_EVEN))


def _index(view: View) -> dict[str, Any]:
    found: dict[str, Any] | None = view.get("surveys")
    if found is not None:
        return found
    return {"ids": [], "surveys": 0, "open": 0, "closed": 0, "responses": 0}


def _activity(view: View, activity_id: str) -> dict[str, Any]:
    found: dict[str, Any] | None = view.get(f"activity:{activity_id}")
    return found if found is not None else {"attended": 0, "surveys": []}


def _rated(survey: dict[str, Any]) -> None:
    """Work the survey's rate, CSAT and NPS out again from its counts."""
    ratings: dict[int, int] = {}
    recommendations: dict[int, int] = {}
    for question in survey["questions"].values():
        into = {"rating": ratings, "recommendation": recommendations}.get(question["kind"])
        if into is not None:
            for answer, n in question["distribution"].items():
                into[int(answer)] = into.get(int(answer), 0) + n
    satisfaction = csat(ratings)
    score = nps(recommendations)
    survey["csat"] = {
        "satisfied": satisfaction.satisfied,
        "rated": satisfaction.rated,
        "share": ratio(satisfaction.satisfied, satisfaction.rated),
    }
    survey["nps"] = {
        "promoters": score.promoters,
        "passives": score.passives,
        "detractors": score.detractors,
        "answers": score.answers,
        "score": _points(score.score),
        "low": _points(score.low),
        "high": _points(score.high),
    }
    denominator = survey["denominator"]
    survey["response_rate"] = None if not denominator else ratio(survey["responses"], denominator)


class SurveysProjection(Projection):
    """Per survey: responses, response rate, CSAT, NPS with its interval, answers by question."""

    name = "surveys"
    apply_cost = 0.1

    @handles(Survey.Created)
    def created(self, event: Survey.Created, view: View) -> None:
        """A new survey, with its questions and no answers."""
        survey_id = uuid_text(event.originator_id)
        target_id = None if event.target_id is None else uuid_text(event.target_id)
        denominator = None
        if target_id is not None and view.get(f"activity:{target_id}") is not None:
            activity = _activity(view, target_id)
            activity["surveys"] = [*activity["surveys"], survey_id]
            view.put(f"activity:{target_id}", activity)
            denominator = activity["attended"] or None
        questions = {
            q.id: {
                "kind": q.kind.value,
                "text": q.text,
                "required": q.required,
                "answered": 0,
                "distribution": _empty_distribution(q.kind, q.options),
            }
            for q in event.questions
        }
        survey: dict[str, Any] = {
            "title": event.title,
            "target": event.target.value,
            "target_id": target_id,
            "period": None
            if event.period is None
            else {"start": event.period.start.isoformat(), "end": event.period.end.isoformat()},
            "anonymous": event.anonymous,
            "status": "draft",
            "created_at": event.timestamp.isoformat(),
            "opened_at": None,
            "closed_at": None,
            "responses": 0,
            "denominator": denominator,
            "questions": questions,
        }
        _rated(survey)
        view.put(f"survey:{survey_id}", survey)
        index = _index(view)
        index["ids"] = [*index["ids"], survey_id]
        index["surveys"] += 1
        view.put("surveys", index)

    @handles(Survey.Opened)
    def opened(self, event: Survey.Opened, view: View) -> None:
        """The survey takes responses."""
        key = f"survey:{uuid_text(event.originator_id)}"
        view.update(key, status="open", opened_at=event.at.isoformat())
        view.increment("surveys", field="open")

    @handles(Survey.Closed)
    def closed(self, event: Survey.Closed, view: View) -> None:
        """The survey takes no more responses."""
        key = f"survey:{uuid_text(event.originator_id)}"
        view.update(key, status="closed", closed_at=event.at.isoformat())
        index = _index(view)
        index["open"] -= 1
        index["closed"] += 1
        view.put("surveys", index)

    @handles(Survey.Responded)
    def responded(self, event: Survey.Responded, view: View) -> None:
        """One more response: its answers counted by question (free text counted only)."""
        key = f"survey:{uuid_text(event.originator_id)}"
        survey = view.get(key)
        survey["responses"] += 1
        questions = survey["questions"]
        for question_id, answer in event.answers.items():
            question = questions[question_id]
            question["answered"] += 1
            chosen = answer if isinstance(answer, list) else [answer]
            for value in chosen:
                text = str(value)
                question["distribution"][text] = question["distribution"].get(text, 0) + 1
        for question_id in event.texts:
            questions[question_id]["answered"] += 1
        view.put(key, survey)  # rated again at the end of the batch
        view.increment("surveys", field="responses")

    # --- the denominators: who took part in the activity a survey is about -------------------

    @handles(ReadingSession.Scheduled)
    def session_scheduled(self, event: ReadingSession.Scheduled, view: View) -> None:
        """A reading session a survey may be about: nobody attended yet."""
        view.put(f"activity:{uuid_text(event.originator_id)}", {"attended": 0, "surveys": []})

    @handles(ReadingSession.AttendanceRecorded)
    def attended(self, event: ReadingSession.AttendanceRecorded, view: View) -> None:
        """One more participant present: the rates of the surveys about the session change."""
        activity_id = uuid_text(event.originator_id)
        activity = _activity(view, activity_id)
        activity["attended"] += 1
        view.put(f"activity:{activity_id}", activity)
        for survey_id in activity["surveys"]:
            key = f"survey:{survey_id}"
            survey = view.get(key)
            survey["denominator"] = activity["attended"]
            view.put(key, survey)  # rated again at the end of the batch

    def before_commit(self, view: View) -> None:
        """Work the rate, CSAT and NPS of every survey the batch touched out again, once
        (not after each of its responses)."""
        for key in view.touched():
            if key.startswith("survey:"):
                survey = view.get(key)
                if survey is not None and "questions" in survey:  # not opened before created
                    _rated(survey)


def _empty_distribution(kind: QuestionKind, options: tuple[str, ...]) -> dict[str, int]:
    if kind is QuestionKind.RATING:
        return {str(n): 0 for n in range(1, 6)}
    if kind is QuestionKind.RECOMMENDATION:
        return {str(n): 0 for n in range(11)}
    return dict.fromkeys(options, 0)
