"""``libops surveys``: satisfaction surveys from the command line (issue 17, item 1).

``create`` draws a survey up from a JSON file of questions, ``open`` and ``close`` start and
stop its responses, ``respond`` records one reader's answers, and ``results`` lists the
surveys with their response counts, CSAT and NPS (or one survey's answers by question),
from the ``surveys`` view (see docs/surveys.md).

Each recording subcommand gives one survey command as ``--by`` (an operations admin's id,
recorded), with an optional ``--key`` (an idempotency key: giving the same command again
with it records nothing new). A command line libops cannot read (an answer without ``=``, a
questions file that is not JSON, a period not FIRST:LAST) ends with exit code 2 before the
store is opened; a survey command libops refuses ends with exit code 1 and records nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.table import Table
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE
from libops.bootstrap import LibOps
from libops.cli.common import (
    EXIT_USAGE,
    KeyOption,
    StoreOption,
    operator,
    print_json,
    reporting_errors,
    stderr,
    stdout,
)
from libops.cli.standing_command import parse_period
from libops.domain.errors import InvalidValueError
from libops.domain.interaction.survey import QuestionKind, Survey, SurveyQuestion
from libops.domain.personal import Consent, PersonalInfo
from libops.projections.engine import ProjectionEngine
from libops.projections.surveys import SurveysProjection

surveys_app = typer.Typer(
    help="Satisfaction surveys: create, open, close, record responses, see the results.",
    no_args_is_help=True,
)

ByOption = Annotated[
    str,
    typer.Option("--by", help="Who acts (an operations admin's id, recorded)."),
]
SurveyArgument = Annotated[str, typer.Argument(help="The survey's id.")]

QUESTION_FIELDS: Final = frozenset({"id", "text", "kind", "required", "options"})
"""The fields of one question in a questions file (``required`` and ``options`` optional)."""

QUESTIONS_FILE_MAX: Final = 1_000_000
"""The largest questions file read, in bytes."""

NUMBERED: Final = frozenset({QuestionKind.RATING, QuestionKind.RECOMMENDATION})


def _read_questions(file: str) -> list[dict[str, Any]]:
    """The questions of the JSON file ``file`` (``-``: standard input), as given."""
    where = "standard input" if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        raise InvalidValueError(
            f"cannot read the questions file {file}: {error.strerror}"
        ) from None
    if len(data) > QUESTIONS_FILE_MAX:
        raise InvalidValueError(f"the questions file is larger than {QUESTIONS_FILE_MAX:,} bytes")
    try:
        given = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidValueError(f"the questions in {where} are not JSON text: {error}") from None
    if not isinstance(given, list) or not given:
        raise InvalidValueError(
            f"the questions in {where} are a JSON list of objects "
            '({"id": ..., "text": ..., "kind": ...}), at least one'
        )
    for number, question in enumerate(given, start=1):
        if not isinstance(question, dict):
            raise InvalidValueError(f"question {number} in {where} is not a JSON object")
        unknown = sorted(set(question) - QUESTION_FIELDS)
        missing = sorted({"id", "text", "kind"} - set(question))
        if unknown or missing:
            raise InvalidValueError(
                f"question {number} in {where}: "
                + "; ".join(
                    [f"unknown field {', '.join(unknown)}"] * bool(unknown)
                    + [f"missing {', '.join(missing)}"] * bool(missing)
                )
                + f" (fields: {', '.join(sorted(QUESTION_FIELDS))})"
            )
    return given


def _parse_answers(given: list[str]) -> list[tuple[str, str]]:
    """``--answer ID=VALUE`` options as (question id, text) pairs, in order."""
    pairs = []
    for item in given:
        question_id, sep, value = item.partition("=")
        if not sep or not question_id.strip():
            raise InvalidValueError(f"--answer is QUESTION=ANSWER (overall=5), not {item!r}")
        pairs.append((question_id.strip(), value))
    if not pairs:
        raise InvalidValueError("give at least one --answer QUESTION=ANSWER")
    return pairs


def survey_answers(survey: Survey, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The answers as the survey takes them: a whole number for a rating or recommendation
    (when the text is one), a list for a multiple choice (one ``--answer`` per option), the
    text otherwise. Anything else is left for the survey to refuse, naming the question."""
    kinds = {q.id: q.kind for q in survey.questions}
    answers: dict[str, Any] = {}
    for question_id, text in pairs:
        kind = kinds.get(question_id)
        if kind is QuestionKind.MULTIPLE_CHOICE:
            answers.setdefault(question_id, []).append(text)
            continue
        if question_id in answers:
            raise InvalidValueError(
                f"question {question_id} takes one answer: --answer {question_id}= is given twice"
            )
        stripped = text.strip()
        number = stripped.removeprefix("-")
        answers[question_id] = int(stripped) if kind in NUMBERED and number.isdigit() else text
    return answers


def _respondent(name: str | None, handle: str | None, contact: str | None) -> PersonalInfo | None:
    if name is None and handle is None and contact is None:
        return None
    return PersonalInfo(name=name, handle=handle, contact=contact)


@surveys_app.command("create")
def surveys_create(
    title: Annotated[str, typer.Option("--title", help="The survey's title.")],
    target: Annotated[
        str, typer.Option("--target", help="What it asks about: activity, campaign or account.")
    ],
    questions: Annotated[
        str,
        typer.Option(
            "--questions",
            help='A JSON file (- for standard input): a list of {"id", "text", "kind", '
            '"required", "options"}; kinds: rating, recommendation, single_choice, '
            "multiple_choice, free_text.",
        ),
    ],
    target_id: Annotated[
        str | None,
        typer.Option("--target-id", help="The reading session, contest or campaign asked about."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="For the account: the period, FIRST:LAST (YYYY-MM-DD)."),
    ] = None,
    anonymous: Annotated[
        bool, typer.Option("--anonymous", help="Record nobody's personal data.")
    ] = False,
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Draw a survey up (as a draft: open it to take responses); prints its id."""
    given = _read_questions(questions)
    chosen = None if period is None else parse_period(period)
    with reporting_errors(store):
        asked = tuple(SurveyQuestion(**question) for question in given)
        with LibOps.open(store) as ops:
            survey_id = ops.surveys.create(
                operator(by),
                title=title,
                target=target,
                questions=asked,
                target_id=target_id,
                period=chosen,
                anonymous=anonymous,
                idempotency_key=key,
            )
    print(survey_id)


@surveys_app.command("open")
def surveys_open(
    survey_id: SurveyArgument,
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Start taking responses to a survey."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.surveys.open(operator(by), survey_id, idempotency_key=key)
        title = ops.surveys.get(survey_id).title
    stdout().print(f"survey {survey_id} ({title}) is open")


@surveys_app.command("close")
def surveys_close(
    survey_id: SurveyArgument,
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Stop taking responses to a survey."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.surveys.close(operator(by), survey_id, idempotency_key=key)
        survey = ops.surveys.get(survey_id)
    stdout().print(f"survey {survey_id} ({survey.title}) is closed: {survey.responses} responses")


@surveys_app.command("respond")
def surveys_respond(
    survey_id: SurveyArgument,
    answer: Annotated[
        list[str],
        typer.Option(
            "--answer",
            help="QUESTION=ANSWER, once per question (once per option of a multiple choice).",
        ),
    ],
    subject: Annotated[
        str | None, typer.Option("--subject", help="A named survey: the reader's subject id.")
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option("--platform", help="Or the platform of the reader's --handle."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="The reader's name.")] = None,
    handle: Annotated[str | None, typer.Option("--handle", help="The reader's handle.")] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help="The reader's contact details.")
    ] = None,
    consent: Annotated[
        str | None,
        typer.Option("--consent", help="What the reader agreed their data is used for."),
    ] = None,
    by: ByOption = "operations-admin",
    key: KeyOption = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Record one reader's response to an open survey.

    A named survey needs the reader (--name, --handle or --contact), --consent, and
    --subject or --handle with --platform; an anonymous survey takes none of them. Their
    personal data is sealed like every participant's and erased with ``libops privacy``.
    """
    pairs = _parse_answers(answer)
    with reporting_errors(store):
        respondent = _respondent(name, handle, contact)
        with LibOps.open(store) as ops:
            survey = ops.surveys.get(survey_id)
            try:
                answers = survey_answers(survey, pairs)
            except InvalidValueError as error:
                stderr().print(Text.assemble(("error: ", "bold red"), str(error)))
                raise typer.Exit(EXIT_USAGE) from None
            given = None if consent is None else Consent(consent, ops.clock.now())
            recorded = ops.surveys.record_response(
                operator(by),
                survey_id,
                answers=answers,
                respondent=respondent,
                consent=given,
                subject_id=subject,
                platform=platform,
                idempotency_key=key,
            )
    who = "anonymously" if recorded is None else f"for subject {recorded}"
    stdout().print(f"response to survey {survey_id} recorded {who}")


def _percent(share: str | None) -> str:
    return "—" if share is None else f"{float(share) * 100:.1f}%"


def _nps(nps: dict[str, Any]) -> str:
    if nps["score"] is None:
        return "—"
    return f"{float(nps['score']):+.1f} ({nps['low']} to {nps['high']}, n={nps['answers']})"


def _distribution(question: dict[str, Any]) -> str:
    """The answers given to a question, each with its count (numbers in order)."""
    given = [(answer, n) for answer, n in question["distribution"].items() if n]
    if question["kind"] in {kind.value for kind in NUMBERED}:
        given.sort(key=lambda pair: int(pair[0]))
    return ", ".join(f"{answer}: {n}" for answer, n in given) or "—"


@surveys_app.command("results")
def surveys_results(
    survey_id: Annotated[
        str | None, typer.Argument(help="One survey: its answers by question.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """The surveys with their responses, response rate, CSAT and NPS with its 95% interval
    (or one survey's answers by question), from the ``surveys`` view, caught up first."""
    with (
        reporting_errors(store),
        LibOps.open(store) as ops,
        ProjectionEngine(ops, [SurveysProjection()]) as engine,
    ):
        engine.run()
        view = engine.view(SurveysProjection.name)
        ids = (view.get("surveys") or {"ids": []})["ids"]
        order: list[str] = []
        if survey_id is not None:
            survey = ops.surveys.get(survey_id)  # an unknown id is refused here
            ids, order = [str(survey.id)], [q.id for q in survey.questions]
    documents = [{"id": i, **view[f"survey:{i}"]} for i in ids if f"survey:{i}" in view]
    if as_json:
        shown = documents[0] if survey_id is not None else documents
        print_json(shown)
        return
    out = stdout()
    if survey_id is None:
        table = Table("title", "target", "status", "responses", "rate", "CSAT", "NPS", box=None)
        table.add_column("id", no_wrap=True)
        for d in documents:
            table.add_row(
                d["title"],
                d["target"],
                d["status"],
                str(d["responses"]),
                _percent(d["response_rate"]),
                _percent(d["csat"]["share"]),
                _nps(d["nps"]),
                d["id"],
            )
        out.print(f"{len(documents)} surveys")
        out.print(table)
        return
    for d in documents:
        out.print(
            f"{d['title']} ({d['target']}, {d['status']}): {d['responses']} responses; "
            f"rate {_percent(d['response_rate'])}; CSAT {_percent(d['csat']['share'])}; "
            f"NPS {_nps(d['nps'])}"
        )
        table = Table("question", "kind", "answered", "answers", box=None)
        for question_id in order:
            q = d["questions"][question_id]
            table.add_row(question_id, q["kind"], str(q["answered"]), _distribution(q))
        out.print(table)


__all__ = ["survey_answers", "surveys_app"]
