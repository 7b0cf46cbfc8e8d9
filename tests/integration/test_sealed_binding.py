"""Sealed personal data is bound to its subject id, its field and its consent.

A value sealed now (format 2) carries a binding tag under the key store's secret and binds
the subject id, the event's field and the consent into its AES-GCM associated data. Rewriting
any of them, even to an erased subject's id (whose key is gone), is tampering, never a
silent "erased". Values sealed before (format 1, the golden files) open as they did.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.domain.errors import InvalidValueError, PersonalDataTamperedError
from libops.domain.interaction.qa import Question
from libops.domain.personal import (
    ERASED,
    SEALED_FORMAT,
    SEALED_FORMAT_V1,
    Consent,
    PersonalInfo,
    SealedPersonalData,
    associated_data,
)
from libops.domain.schema import converter

LI = PersonalInfo(name="Li Ming", handle="@LiMing1990", contact="li.ming@example.org")
ZHANG = PersonalInfo(name="张伟", handle="@zhangwei_reads")
GIVEN = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def ask(ops: LibOps, actor: Actor, who: PersonalInfo) -> UUID:
    return ops.questions.receive(
        actor,
        platform="weibo",
        text="Is the reading room open?",
        asker=who,
        consent=Consent("answering this question", GIVEN),
    )


def received(ops: LibOps, question: UUID) -> Question.Received:
    (event, *_rest) = ops.app.events.get(question)
    assert isinstance(event, Question.Received)
    return event


def with_asker(event: Question.Received, **changes: Any) -> Question.Received:
    """The same event with its sealed asker changed as an attacker would rewrite it."""
    changed: Question.Received = dataclasses.replace(  # type: ignore[call-arg]  # eventsourcing makes the fields
        event, asker=attrs.evolve(event.asker, **changes)
    )
    return changed


class TestNewValuesAreBound:
    def test_sealed_in_the_second_format(self, memory_ops: LibOps, admin: Actor) -> None:
        """A new value names its format and field and carries a binding tag."""
        asker = received(memory_ops, ask(memory_ops, admin, LI)).asker
        assert (asker.format, asker.field) == (SEALED_FORMAT, "asker")
        assert len(asker.binding_bytes) == 32
        stored = converter.unstructure(asker)
        assert {"format", "field", "binding"} <= set(stored)

    def test_a_subject_id_swapped_for_an_erased_one_is_tampering(
        self, memory_ops: LibOps, admin: Actor
    ) -> None:
        """A live reader's value relabelled with an erased subject's id is detected, not ERASED."""
        li = received(memory_ops, ask(memory_ops, admin, LI))
        zhang = received(memory_ops, ask(memory_ops, admin, ZHANG))
        memory_ops.privacy.erase(admin, zhang.asker.subject_id, "asked")
        assert memory_ops.deps.personal.reveal(zhang) == {"asker": ERASED}
        swapped = with_asker(li, subject_id=zhang.asker.subject_id)
        with pytest.raises(PersonalDataTamperedError, match="tampering detected"):
            memory_ops.deps.personal.reveal(swapped)

    def test_a_subject_id_swapped_for_a_live_one_is_tampering(
        self, memory_ops: LibOps, admin: Actor
    ) -> None:
        """Relabelled with another live reader's id: detected too."""
        li = received(memory_ops, ask(memory_ops, admin, LI))
        zhang = received(memory_ops, ask(memory_ops, admin, ZHANG))
        swapped = with_asker(li, subject_id=zhang.asker.subject_id)
        with pytest.raises(PersonalDataTamperedError):
            memory_ops.deps.personal.reveal(swapped)

    @pytest.mark.parametrize(
        "consent",
        [
            Consent("marketing newsletters", GIVEN),
            Consent("answering this question", GIVEN - timedelta(days=30)),
            Consent("answering this question", GIVEN, third_parties=True),
        ],
        ids=["purpose", "time", "third parties"],
    )
    def test_an_edited_consent_is_tampering(
        self, memory_ops: LibOps, admin: Actor, consent: Consent
    ) -> None:
        """Any change to the consent's purpose, time or third parties is detected."""
        li = received(memory_ops, ask(memory_ops, admin, LI))
        assert memory_ops.deps.personal.reveal(li) == {"asker": LI}
        with pytest.raises(PersonalDataTamperedError, match="consent"):
            memory_ops.deps.personal.reveal(with_asker(li, consent=consent))

    def test_an_edited_consent_of_an_erased_subject_is_tampering(
        self, memory_ops: LibOps, admin: Actor
    ) -> None:
        """The binding tag needs no subject key: edits show even after the erasure."""
        li = received(memory_ops, ask(memory_ops, admin, LI))
        memory_ops.privacy.erase(admin, li.asker.subject_id, "asked")
        edited = with_asker(li, consent=Consent("sold to partners", GIVEN))
        with pytest.raises(PersonalDataTamperedError):
            memory_ops.deps.personal.reveal(edited)

    def test_a_value_moved_to_another_field_is_tampering(
        self, memory_ops: LibOps, admin: Actor
    ) -> None:
        """The field name it was sealed for is bound: relabelling or moving it is detected."""
        li = received(memory_ops, ask(memory_ops, admin, LI))
        with pytest.raises(PersonalDataTamperedError):
            memory_ops.deps.personal.reveal(with_asker(li, field="participant"))

    def test_downgrading_to_the_first_format_is_tampering(
        self, memory_ops: LibOps, admin: Actor
    ) -> None:
        """Dropping the format marker and tag changes the associated data: it does not open."""
        li = received(memory_ops, ask(memory_ops, admin, LI))
        downgraded = with_asker(li, format=SEALED_FORMAT_V1, field=None, binding=None)
        with pytest.raises(PersonalDataTamperedError):
            memory_ops.deps.personal.reveal(downgraded)

    def test_a_rewritten_database_row_is_detected(
        self, tmp_path: Path, admin: Actor, planner: Actor, clock: ManualClock
    ) -> None:
        """Rewriting the stored JSON in the SQLite file itself: the reading says tampering."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            question = ask(ops, admin, LI)
            erased = received(ops, ask(ops, admin, ZHANG)).asker.subject_id
            ops.privacy.erase(admin, erased, "asked")
            live = received(ops, question).asker.subject_id
        with sqlite3.connect(tmp_path / "libops.db") as conn:
            (state,) = conn.execute(
                "SELECT state FROM stored_events WHERE originator_id = ? "
                "AND originator_version = 1",
                (question.hex,),
            ).fetchone()
            text = bytes(state).decode()
            assert live in text
            conn.execute(
                "UPDATE stored_events SET state = ? WHERE originator_id = ? "
                "AND originator_version = 1",
                (text.replace(live, erased).encode(), question.hex),
            )
        with (
            LibOps.open(url, clock=clock) as ops,
            pytest.raises(PersonalDataTamperedError, match="tampering detected"),
        ):
            ops.questions.asker(planner, question, "replying")


class TestTheFirstFormat:
    def test_old_values_keep_their_stored_form(self) -> None:
        """A value of the first format is stored without the new fields, as before."""
        stored = {
            "subject_id": "reader-1",
            "nonce": "AAAAAAAAAAAAAAAA",
            "ciphertext": "AAAAAAAAAAAAAAAAAAAAAA==",
            "consent": {
                "purpose": "contest",
                "given_at": "2026-03-01T08:00:00+00:00",
                "third_parties": False,
            },
        }
        value = converter.structure(stored, SealedPersonalData)
        assert (value.format, value.field, value.binding) == (SEALED_FORMAT_V1, None, None)
        assert converter.unstructure(value) == stored
        assert json.dumps(converter.unstructure(value), sort_keys=True) == json.dumps(
            stored, sort_keys=True
        )

    def test_old_associated_data_is_unchanged(self) -> None:
        """Without subject and consent, the associated data is the event's id:version:topic."""
        event_id = UUID(int=1)
        assert associated_data(event_id, 1, "libops:Question.Received") == (
            f"{event_id}:1:libops:Question.Received".encode()
        )

    @pytest.mark.parametrize(
        "fields",
        [
            {"format": 3},
            {"format": True},
            {"format": 2},
            {"field": "asker"},
            {"format": 2, "binding": "AAAA"},
            {"format": 2, "binding": "A" * 43 + "=", "field": "no spaces allowed"},
        ],
        ids=["unknown format", "bool", "no tag", "v1 with field", "short tag", "bad field"],
    )
    def test_bad_markers(self, fields: dict[str, Any]) -> None:
        """A format, field or tag that does not fit is refused when the value is made."""
        with pytest.raises(InvalidValueError):
            SealedPersonalData(
                "reader-1",
                "AAAAAAAAAAAAAAAA",
                "AAAAAAAAAAAAAAAAAAAAAA==",
                Consent("contest", GIVEN),
                **fields,
            )
