"""The demo's quarter includes a satisfaction survey after the reading session: named, of the
session, answered by some of the participants present (answers drawn from the seed), closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from libops import LibOps
from libops.demo import run_demo
from libops.domain.interaction.survey import Survey, SurveyStatus, SurveyTarget


def _surveys(url: str) -> list[tuple[Survey, Any]]:
    with LibOps.open(url) as ops:
        ops.projections.run()
        view = ops.projections.view("surveys")
        index: Any = view.get("surveys")
        return [
            (ops.surveys.get(survey_id), view.get(f"survey:{survey_id}"))
            for survey_id in index["ids"]
        ]


def test_the_demo_asks_the_reading_sessions_participants(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    run_demo(url, seed=7, posts=6, days=7, project=False)
    surveys = _surveys(url)
    assert len(surveys) == 1
    survey, doc = surveys[0]
    assert (survey.target, survey.status, survey.anonymous) == (
        SurveyTarget.ACTIVITY,
        SurveyStatus.CLOSED,
        False,
    )
    with LibOps.open(url) as ops:
        session = ops.sessions.get(survey.target_id or "")
        attended = {r.subject_id for r in session.registrations if r.attended}
    assert 0 < survey.responses <= len(attended)
    assert set(survey.respondents) <= attended  # only those present were asked
    assert doc["denominator"] == len(attended)
    assert doc["nps"]["score"] is not None
    assert doc["csat"]["share"] is not None


def test_the_same_seed_gives_the_same_answers(tmp_path: Path) -> None:
    first, second = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    run_demo(first, seed=7, posts=6, days=7, project=False)
    run_demo(second, seed=7, posts=6, days=7, project=False)
    (_, one), (_, two) = _surveys(first)[0], _surveys(second)[0]
    assert one["questions"] == two["questions"]
    assert (one["responses"], one["nps"], one["csat"]) == (
        two["responses"],
        two["nps"],
        two["csat"],
    )
