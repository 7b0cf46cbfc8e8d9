"""The second format of sealed personal data, pinned by the ``*.v2.json`` golden files.

Written out by hand (never generated from the files): the question file's records, the
stored form of a bound sealed value, the two-step erasure with its ledger, and that the
values open with the golden key store: bound to subject, field and consent, the question's
text sealed with its asker. The first-format files stay pinned by ``test_golden.py``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from libops import LibOps
from libops.domain.interaction.qa import TEXT_SEALED
from libops.domain.personal import ERASED, SEALED_FORMAT, DataSubject, ErasureLedger, PersonalInfo
from tests.actors import ADMIN
from tests.golden.regenerate import GoldenKeyStore, load, stored_events

QUESTION_V2 = "question_events.v2.json"
FIRST_QUESTION = UUID("a5c00000-0000-4000-8000-000000000002")
LATE_QUESTION = UUID("a5c00000-0000-4000-8000-000000000003")
LI_MING = "7677f79d7ac8c9fec15772f6f5f429a229f37a7583a3ce47fb189265aac6985d"


@pytest.fixture
def golden_ops() -> Iterator[LibOps]:
    with LibOps.open("memory://", keys=GoldenKeyStore()) as opened:
        yield opened


def _loaded(ops: LibOps, name: str) -> LibOps:
    ops.app.recorder.insert_events(stored_events(load(name)))
    return ops


def _state(name: str, position: int) -> dict[str, Any]:
    state = json.loads(load(name)[position]["state"])
    assert isinstance(state, dict)
    return state


class TestQuestionFileV2:
    def test_the_records(self) -> None:
        """The erasure is a request, the completion and the ledger's three events."""
        assert [(r["topic"], r["originator_version"]) for r in load(QUESTION_V2)] == [
            ("libops:Post.Drafted", 1),
            ("libops:Question.Received", 1),
            ("libops:Question.Answered", 2),
            ("libops:Question.Received", 1),
            ("libops:Question.Escalated", 2),
            ("libops:Question.Answered", 3),
            ("libops:DataSubject.ErasureRequested", 1),
            ("libops:ErasureLedger.Started", 1),
            ("libops:ErasureLedger.ErasurePending", 2),
            ("libops:DataSubject.Erased", 2),
            ("libops:ErasureLedger.ErasureFinished", 3),
        ]
        records = load(QUESTION_V2)
        assert {UUID(r["originator_id"]) for r in records[7:]} - {DataSubject.id_for(LI_MING)} == {
            ErasureLedger.ID
        }

    def test_the_stored_sealed_value(self) -> None:
        """A sealed value names its format and field and carries a 32-byte binding tag."""
        received = _state(QUESTION_V2, 1)
        assert received["text"] == TEXT_SEALED
        asker = received["asker"]["_data_"]
        assert received["asker"]["_type_"] == "libops.SealedPersonalData"
        assert asker["format"] == SEALED_FORMAT
        assert asker["field"] == "asker"
        assert len(base64.b64decode(asker["binding"])) == 32
        assert asker["consent"]["purpose"] == "answering this question"

    def test_askers_and_texts_open_until_the_erasure_is_reapplied(self, golden_ops: LibOps) -> None:
        """With the golden keys both open; reapplying the erasure leaves Li Ming's ERASED."""
        ops = _loaded(golden_ops, QUESTION_V2)
        zhang = PersonalInfo(name="张伟", handle="@zhangwei_reads")
        assert ops.questions.asker(ADMIN, FIRST_QUESTION, "checking") == zhang
        assert ops.questions.text(ADMIN, FIRST_QUESTION, "checking") == (
            "世界读书日当天阅览室开放吗? Is the reading room open?"
        )
        assert ops.questions.text(ADMIN, LATE_QUESTION, "checking") == (
            "How do I renew a book my child borrowed?"
        )
        erasure = ops.privacy.erasure(LI_MING)
        assert erasure is not None
        assert (erasure.erased, erasure.pending, erasure.erased_by) == (True, False, "admin-1")
        assert ops.privacy.pending_erasures() == []
        assert ops.privacy.reapply_erasures() == 1
        assert ops.questions.text(ADMIN, LATE_QUESTION, "checking") == ERASED
        assert ops.questions.asker(ADMIN, LATE_QUESTION, "checking") == ERASED
        assert ops.questions.asker(ADMIN, FIRST_QUESTION, "checking") == zhang


class TestEveryV2File:
    @pytest.mark.parametrize(
        "name",
        [
            "question_events.v2.json",
            "reading_session_events.v2.json",
            "contest_events.v2.json",
            "access_events.v2.json",
        ],
    )
    def test_every_sealed_value_is_bound(self, name: str, golden_ops: LibOps) -> None:
        """Every sealed value is of the second format and opens where it is (or is erased)."""
        ops = _loaded(golden_ops, name)
        seen = 0
        for stored in stored_events(load(name)):
            event = ops.app.mapper.to_domain_event(stored)
            for field, opened in ops.deps.personal.reveal(event).items():
                value = getattr(event, field.split("[")[0])
                assert value.format == SEALED_FORMAT
                assert value.field == field
                assert opened is not None
                seen += 1
        assert seen > 0
