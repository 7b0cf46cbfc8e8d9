"""Reading readers' personal data: its own permission, a reason, and every reading recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner

from libops import Consent, InvalidValueError, LibOps, PermissionDeniedError, PersonalInfo, cli
from libops.application.interactions.qa import ReadAsker
from tests.actors import ADMIN, AUDITOR, PLANNER, REVIEWER
from tests.helpers import count_events


def ask(ops: LibOps) -> UUID:
    return ops.questions.receive(
        PLANNER,
        platform="weibo",
        text="Is the library open on Sunday?",
        asker=PersonalInfo(name="Zhao Li", handle="@zhaoli"),
        consent=Consent("answering this question", datetime(2026, 1, 1, tzinfo=UTC)),
    )


class TestReadingPersonalData:
    def test_each_reading_is_recorded(self, ops: LibOps) -> None:
        """Who read whose data, from which aggregate, what, when and why."""
        question_id = ask(ops)
        before = count_events(ops)
        info = ops.questions.asker(ADMIN, question_id, "replying by telephone")
        assert info == PersonalInfo(name="Zhao Li", handle="@zhaoli")
        assert count_events(ops) == before + 1
        (access,) = ops.audit.access()
        subject = ops.privacy.subject_id_for("weibo", "@zhaoli")
        assert (access.read_by, access.subject_id, access.source_id) == (
            ADMIN.id,
            subject,
            question_id,
        )
        assert (access.what, access.reason) == ("asker", "replying by telephone")
        assert ops.audit.access(subject) == [access]
        assert ops.audit.access("another-subject") == []

    @pytest.mark.parametrize("actor", [REVIEWER, AUDITOR])
    def test_only_those_allowed_may_read(self, memory_ops: LibOps, actor: object) -> None:
        """Reading is a permission of its own: reviewers and auditors do not have it."""
        question_id = ask(memory_ops)
        before = count_events(memory_ops)
        with pytest.raises(PermissionDeniedError):
            memory_ops.questions.asker(actor, question_id, "curious")  # type: ignore[arg-type]
        assert count_events(memory_ops) == before

    def test_a_reason_and_no_key(self, memory_ops: LibOps) -> None:
        """No reading without a reason; no idempotency key (the data would be stored)."""
        question_id = ask(memory_ops)
        before = count_events(memory_ops)
        with pytest.raises(InvalidValueError, match="reason"):
            memory_ops.questions.asker(ADMIN, question_id, "  ")
        with pytest.raises(InvalidValueError, match="takes no idempotency key"):
            memory_ops.execute(ADMIN, ReadAsker(question_id, "reply", idempotency_key="k1"))
        assert count_events(memory_ops) == before


def test_the_access_log_on_the_command_line(tmp_path: Path) -> None:
    """`libops audit access` lists the readings, for everyone or one subject."""
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, migrate=True) as ops:
        question_id = ask(ops)
        ops.questions.asker(ADMIN, question_id, "replying by telephone")
        subject = ops.privacy.subject_id_for("weibo", "@zhaoli")
    result = CliRunner().invoke(cli.app, ["audit", "access", "--store", url, "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["read_by"], row["subject_id"], row["what"]) == (ADMIN.id, subject, "asker")
    one = CliRunner().invoke(cli.app, ["audit", "access", "--subject", "nobody", "--store", url])
    assert one.exit_code == 0
    assert "replying" not in one.stdout
