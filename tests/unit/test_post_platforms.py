"""The steps the post's platform commands share (libops.application.post_platforms): a
failed platform call is recorded by its own command and raised as the command's failure,
with a note when the record itself failed."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import pytest

from libops.application.commands import Command, Context
from libops.application.post_platforms import MAX_ERROR_TEXT, error_text, record_failure
from libops.application.posts import RecordTakeDownFailure
from libops.application.publishing import RecordPublishFailure
from libops.domain.errors import (
    PlatformError,
    PublishFailedError,
    StorageError,
    TakeDownFailedError,
)
from libops.domain.values import Actor, Platform, Role

POST = UUID("00000000-0000-4000-8000-000000000001")
ACTOR = Actor("admin", frozenset({Role.OPERATIONS_ADMIN}))


class Executed:
    """A context that records the commands it is asked to execute (or refuses them)."""

    def __init__(self, refuse: Exception | None = None) -> None:
        self.commands: list[tuple[Actor, Command[Any]]] = []
        self.refuse = refuse

    def execute(self, actor: Actor, command: Command[Any]) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.commands.append((actor, command))


@pytest.mark.parametrize(
    ("failure", "record"),
    [(PublishFailedError, RecordPublishFailure), (TakeDownFailedError, RecordTakeDownFailure)],
)
def test_a_failed_call_is_recorded_then_raised(failure: Any, record: Any) -> None:
    ctx = Executed()
    error = PlatformError("  the platform is down  ", retryable=True)
    raised = record_failure(
        cast(Context, ctx), ACTOR, error, POST, Platform.WEIBO, failure=failure, record=record
    )
    assert type(raised) is failure
    assert raised.retryable is True
    assert "the platform is down" in str(raised)
    assert not getattr(raised, "__notes__", [])
    assert ctx.commands == [
        (ACTOR, record(POST, Platform.WEIBO, error="the platform is down", retryable=True))
    ]


def test_a_failure_that_could_not_be_recorded_says_so() -> None:
    ctx = Executed(refuse=StorageError("the store is gone"))
    raised = record_failure(
        cast(Context, ctx),
        ACTOR,
        PlatformError("refused", retryable=False),
        POST,
        Platform.WEIBO,
        failure=PublishFailedError,
        record=RecordPublishFailure,
    )
    assert isinstance(raised, PublishFailedError)
    assert raised.retryable is False
    assert raised.__notes__ == ["the failure could not be recorded: the store is gone"]


def test_error_text_is_the_message_or_the_class_cut_short() -> None:
    assert error_text(PlatformError("  late  ")) == "late"
    assert error_text(PlatformError("")) == "PlatformError"
    assert error_text(OSError("x" * (MAX_ERROR_TEXT + 10))) == "x" * MAX_ERROR_TEXT
