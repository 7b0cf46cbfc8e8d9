"""``libops surveys create|open|close|respond|results`` (issue 17, item 1 on the command line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from libops import LibOps, cli
from libops.adapters.storage import STORE_ENV_VAR
from libops.cli.common import EXIT_STORE_ERROR, EXIT_USAGE

QUESTIONS = [
    {"id": "overall", "text": "How satisfied are you?", "kind": "rating"},
    {"id": "recommend", "text": "Would you recommend us?", "kind": "recommendation"},
    {
        "id": "next",
        "text": "What next?",
        "kind": "multiple_choice",
        "required": False,
        "options": ["poetry", "history", "science"],
    },
    {"id": "comment", "text": "Anything else?", "kind": "free_text", "required": False},
]


def run(store: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        cli.app, [*args, "--store", store], input=stdin, env={"COLUMNS": "160"}
    )


def ok(store: str, *args: str, stdin: str | None = None) -> Result:
    result = run(store, *args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return result


def events(store: str) -> int:
    with LibOps.open(store) as ops:
        return int(ops.app.recorder.max_notification_id() or 0)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)
    url = f"sqlite:///{tmp_path / 'libops.db'}"
    LibOps.open(url, migrate=True).close()
    return url


@pytest.fixture
def questions(tmp_path: Path) -> str:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps(QUESTIONS), encoding="utf-8")
    return str(path)


def _account_survey(store: str, questions: str, *extra: str) -> str:
    created = ok(
        store, "surveys", "create", "--title", "Our accounts in April", "--target", "account",
        "--period", "2026-04-01:2026-04-30", "--questions", questions, *extra,
    )  # fmt: skip
    return created.stdout.strip()


def _respond(store: str, survey: str, subject: str, *answers: str) -> Result:
    given = [part for answer in answers for part in ("--answer", answer)]
    return run(
        store, "surveys", "respond", survey, *given, "--subject", subject,
        "--name", f"Reader {subject}", "--consent", "the April survey",
    )  # fmt: skip


def test_a_survey_from_start_to_results(store: str, questions: str) -> None:
    """Created, opened, answered by three readers, closed: the results as JSON and tables,
    and the responses as stored (the free text sealed, the respondent pseudonymous)."""
    survey = _account_survey(store, questions)
    assert "is open" in ok(store, "surveys", "open", survey).stdout
    first = _respond(
        store, survey, "card-1", "overall=5", "recommend=10", "next=poetry", "next=science",
        "comment=More poetry, please",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "recorded for subject card-1" in first.stdout
    assert _respond(store, survey, "card-2", "overall=4", "recommend= 9 ").exit_code == 0
    assert _respond(store, survey, "card-3", "overall=2", "recommend=3").exit_code == 0
    closed = ok(store, "surveys", "close", survey)
    assert "is closed: 3 responses" in closed.stdout

    listed = json.loads(ok(store, "surveys", "results", "--json").stdout)
    assert [d["id"] for d in listed] == [survey]
    one: dict[str, Any] = json.loads(ok(store, "surveys", "results", survey, "--json").stdout)
    assert (one["status"], one["responses"], one["target"]) == ("closed", 3, "account")
    assert one["csat"] == {"rated": 3, "satisfied": 2, "share": "0.6667"}
    assert (one["nps"]["promoters"], one["nps"]["detractors"], one["nps"]["score"]) == (
        2,
        1,
        "33.3",
    )
    assert one["questions"]["next"]["distribution"] == {"history": 0, "poetry": 1, "science": 1}
    assert "More poetry" not in json.dumps(one)  # free text is only counted

    table = ok(store, "surveys", "results").stdout
    assert "1 surveys" in table
    assert survey in table
    assert "66.7%" in table
    detail = ok(store, "surveys", "results", survey).stdout
    assert "4: 1, 5: 1" in detail  # the ratings given, in order, zero counts left out
    assert "poetry: 1, science: 1" in detail

    with LibOps.open(store) as ops:
        stored = ops.surveys.get(survey)
        assert stored.responses == 3


def test_an_anonymous_survey_takes_no_respondent(store: str, questions: str) -> None:
    survey = _account_survey(store, questions, "--anonymous")
    ok(store, "surveys", "open", survey)
    answered = ok(store, "surveys", "respond", survey, "--answer", "overall=3", "--answer",
                  "recommend=8")  # fmt: skip
    assert "recorded anonymously" in answered.stdout
    before = events(store)
    named = _respond(store, survey, "card-1", "overall=3", "recommend=8")
    assert named.exit_code == EXIT_STORE_ERROR
    assert "anonymous" in named.output
    assert events(store) == before


def test_questions_from_standard_input(store: str) -> None:
    created = ok(
        store, "surveys", "create", "--title", "Quick", "--target", "account", "--period",
        "2026-04-01:2026-04-30", "--questions", "-", stdin=json.dumps(QUESTIONS[:1]),
    )  # fmt: skip
    with LibOps.open(store) as ops:
        assert [q.id for q in ops.surveys.get(created.stdout.strip()).questions] == ["overall"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--answer", "overall"), "--answer is QUESTION=ANSWER"),
        (("--answer", "=5"), "--answer is QUESTION=ANSWER"),
        (("--answer", "overall=5", "--answer", "overall=4"), "is given twice"),
    ],
)
def test_an_answer_libops_cannot_read_is_a_usage_error(
    store: str, questions: str, args: tuple[str, ...], message: str
) -> None:
    survey = _account_survey(store, questions)
    ok(store, "surveys", "open", survey)
    before = events(store)
    result = run(store, "surveys", "respond", survey, *args, "--subject", "card-1", "--name",
                 "R", "--consent", "survey")  # fmt: skip
    assert result.exit_code == EXIT_USAGE, result.output
    assert message in result.output
    assert events(store) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "are not JSON text"),
        ("[]", "a JSON list of objects"),
        ('{"id": "x"}', "a JSON list of objects"),
        ('["overall"]', "question 1 in"),
        ('[{"id": "a", "text": "t"}]', "missing kind"),
        ('[{"id": "a", "text": "t", "kind": "rating", "colour": "red"}]', "unknown field colour"),
    ],
)
def test_a_questions_file_libops_cannot_read_is_a_usage_error(
    store: str, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    before = events(store)
    result = run(store, "surveys", "create", "--title", "T", "--target", "account", "--period",
                 "2026-04-01:2026-04-30", "--questions", str(path))  # fmt: skip
    assert result.exit_code == EXIT_USAGE, result.output
    assert message in result.output
    assert events(store) == before


def test_usage_errors_of_create(store: str, questions: str, tmp_path: Path) -> None:
    before = events(store)
    missing = run(store, "surveys", "create", "--title", "T", "--target", "account",
                  "--questions", str(tmp_path / "none.json"))  # fmt: skip
    assert missing.exit_code == EXIT_USAGE
    assert "cannot read the questions file" in missing.output
    period = run(store, "surveys", "create", "--title", "T", "--target", "account",
                 "--period", "April", "--questions", questions)  # fmt: skip
    assert period.exit_code == EXIT_USAGE
    assert "--period is FIRST:LAST" in period.output
    no_title = run(store, "surveys", "create", "--target", "account", "--questions", questions)
    assert no_title.exit_code == EXIT_USAGE  # typer's own: a required option left out
    assert events(store) == before


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (("respond", "{survey}", "--answer", "overall=5", "--answer", "recommend=9",
          "--subject", "card-1", "--name", "R", "--consent", "s"), "survey that is draft"),
        (("respond", "{open}", "--answer", "overall=6", "--answer", "recommend=9",
          "--subject", "card-1", "--name", "R", "--consent", "s"), "from 1 to 5"),
        (("respond", "{open}", "--answer", "overall=five", "--answer", "recommend=9",
          "--subject", "card-1", "--name", "R", "--consent", "s"), "overall"),
        (("respond", "{open}", "--answer", "colour=red", "--subject", "card-1", "--name", "R",
          "--consent", "s"), "colour"),
        (("respond", "{open}", "--answer", "overall=5", "--answer", "recommend=9",
          "--subject", "card-1"), "respondent"),
        (("respond", "{open}", "--answer", "overall=5", "--answer", "recommend=9",
          "--subject", "card-9", "--name", "R", "--consent", "s"), "already"),
        (("open", "{open}"), "cannot open a survey that is open"),
        (("close", "5f0c7a8e-1111-4c4c-9a9a-123456789abc"), "5f0c7a8e"),
        (("results", "5f0c7a8e-1111-4c4c-9a9a-123456789abc"), "5f0c7a8e"),
        (("open", "{survey}", "--by", " "), "id must not be empty"),
    ],
)  # fmt: skip
def test_refused_commands_exit_1_and_record_nothing(
    store: str, questions: str, step: tuple[str, ...], message: str
) -> None:
    draft = _account_survey(store, questions)
    opened = _account_survey(store, questions)
    ok(store, "surveys", "open", opened)
    assert _respond(store, opened, "card-9", "overall=5", "recommend=9").exit_code == 0
    before = events(store)
    args = [part.format(survey=draft, open=opened) for part in step]
    result = run(store, "surveys", *args)
    assert result.exit_code == EXIT_STORE_ERROR, result.output
    assert message in result.output
    assert events(store) == before


def test_bad_questions_are_refused_by_the_survey(store: str, tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(
        json.dumps([{"id": "pick", "text": "Which?", "kind": "single_choice", "options": ["a"]}]),
        encoding="utf-8",
    )
    before = events(store)
    result = run(store, "surveys", "create", "--title", "T", "--target", "account", "--period",
                 "2026-04-01:2026-04-30", "--questions", str(path))  # fmt: skip
    assert result.exit_code == EXIT_STORE_ERROR
    assert "at least two options" in result.output
    assert events(store) == before
