"""Personal data values and the DataSubject aggregate (domain only: no keys, no store)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid5

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, UUIDAsHex

from libops.adapters.transcoding import register_libops_transcodings
from libops.domain.errors import InvalidValueError, PermissionDeniedError
from libops.domain.personal import (
    ERASED,
    SUBJECT_NAMESPACE,
    Consent,
    DataSubject,
    ErasedPersonalInfo,
    PersonalInfo,
    SealedPersonalData,
    associated_data,
    require_subject_id,
)
from libops.domain.schema import VALUE_TYPES
from libops.domain.values import Actor, Role
from tests.actors import ADMIN

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NONCE = base64.b64encode(b"\x01" * 12).decode()
CIPHERTEXT = base64.b64encode(b"\x02" * 48).decode()


def _transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    register_libops_transcodings(transcoder)
    return transcoder


class TestPersonalInfo:
    def test_any_one_part_is_enough(self) -> None:
        """A name, a handle or a contact alone makes personal data; texts are stripped."""
        assert PersonalInfo(name=" 王小明 ").name == "王小明"
        assert PersonalInfo(handle="@reader").handle == "@reader"
        assert PersonalInfo(contact="reader@example.org").contact == "reader@example.org"

    def test_nothing_at_all_is_refused(self) -> None:
        """Personal data with no part is InvalidValueError."""
        with pytest.raises(InvalidValueError, match="a name, a handle or a contact"):
            PersonalInfo()

    @pytest.mark.parametrize(
        "fields",
        [
            {"name": ""},
            {"name": "   "},
            {"handle": 42},
            {"contact": "a" * 321},
            {"name": "a" * 201},
            {"name": "bad \ud800 surrogate"},
        ],
        ids=["empty", "blank", "not text", "long contact", "long name", "surrogate"],
    )
    def test_bad_parts(self, fields: dict[str, object]) -> None:
        """Blank, non-text, over-long or unstorable parts are InvalidValueError."""
        with pytest.raises(InvalidValueError):
            PersonalInfo(**fields)  # type: ignore[arg-type]  # bad parts are refused at run time

    def test_messages_never_show_the_value(self) -> None:
        """An error about personal data does not repeat it."""
        with pytest.raises(InvalidValueError) as refused:
            PersonalInfo(name="王" * 201)
        assert "王" not in str(refused.value)

    def test_repr_hides_the_data(self) -> None:
        """repr names the parts present, never their text (logs and tracebacks stay clean)."""
        info = PersonalInfo(name="Zoë", contact="zoe@example.org")
        assert repr(info) == "PersonalInfo(<name, contact>)"
        assert "Zoë" not in repr([info])

    def test_label_and_erased(self) -> None:
        """The label is the name, else the handle, else the contact; it is not erased."""
        assert PersonalInfo(name="Li", handle="@li").label == "Li"
        assert PersonalInfo(handle="@li", contact="x@y.z").label == "@li"
        assert PersonalInfo(contact="x@y.z").label == "x@y.z"
        assert PersonalInfo(name="Li").erased is False

    def test_is_never_stored(self) -> None:
        """PersonalInfo has no stored name: an event carrying it cannot be stored."""
        assert PersonalInfo not in VALUE_TYPES
        with pytest.raises(TypeError):
            _transcoder().encode({"participant": PersonalInfo(name="Zoë")})


class TestErased:
    def test_reads_as_erased(self) -> None:
        """Erased data prints, formats and reads as [erased] in every part."""
        assert str(ERASED) == "[erased]"
        assert f"{ERASED}" == "[erased]"
        assert f"{ERASED:>10}" == "  [erased]"
        assert ERASED.name == ERASED.handle == ERASED.contact == ERASED.label == "[erased]"
        assert ERASED.erased is True

    def test_one_marker(self) -> None:
        """Every ErasedPersonalInfo equals ERASED; it never equals real data."""
        assert ErasedPersonalInfo() == ERASED
        looks_erased: object = PersonalInfo(name="[erased]")
        assert looks_erased != ERASED


class TestConsent:
    def test_times_are_kept_in_utc(self) -> None:
        """given_at is stored in UTC, whatever zone it was given in."""
        beijing = timezone(timedelta(hours=8))
        given = Consent("contest", datetime(2026, 3, 1, 16, 0, tzinfo=beijing))
        assert given.given_at == NOW
        assert given.given_at.tzinfo is UTC
        assert given.third_parties is False

    @pytest.mark.parametrize(
        "fields",
        [
            {"purpose": "", "given_at": NOW},
            {"purpose": "contest", "given_at": datetime(2026, 3, 1)},
            {"purpose": "contest", "given_at": "2026-03-01"},
            {"purpose": "contest", "given_at": NOW, "third_parties": "no"},
            {"purpose": "contest", "given_at": NOW, "third_parties": 0},
        ],
        ids=["no purpose", "naive", "not a time", "text flag", "int flag"],
    )
    def test_bad_consent(self, fields: dict[str, object]) -> None:
        """A consent needs a purpose, an aware time and a true/false third-parties flag."""
        with pytest.raises(InvalidValueError):
            Consent(**fields)  # type: ignore[arg-type]  # deliberately bad


class TestSealedPersonalData:
    def test_valid(self) -> None:
        """A subject id, a 12-byte nonce, a ciphertext of at least 16 bytes and a consent."""
        sealed = SealedPersonalData("reader-1", NONCE, CIPHERTEXT, Consent("contest", NOW))
        assert sealed.nonce_bytes == b"\x01" * 12
        assert sealed.ciphertext_bytes == b"\x02" * 48

    @pytest.mark.parametrize(
        "fields",
        [
            {"subject_id": "has space"},
            {"subject_id": "王小明"},
            {"subject_id": "reader@example.org"},
            {"nonce": "not base64!"},
            {"nonce": base64.b64encode(b"\x01" * 11).decode()},
            {"ciphertext": base64.b64encode(b"\x02" * 15).decode()},
            {"ciphertext": "éé"},
            {"consent": "yes"},
        ],
        ids=[
            "spaced id",
            "name as id",
            "e-mail as id",
            "bad base64",
            "short nonce",
            "short ciphertext",
            "non-ascii",
            "no consent",
        ],
    )
    def test_malformed(self, fields: dict[str, object]) -> None:
        """Malformed parts are InvalidValueError (a stored value that fails to load is damage)."""
        valid: dict[str, object] = {
            "subject_id": "reader-1",
            "nonce": NONCE,
            "ciphertext": CIPHERTEXT,
            "consent": Consent("contest", NOW),
        }
        with pytest.raises(InvalidValueError):
            SealedPersonalData(**{**valid, **fields})  # type: ignore[arg-type]  # deliberately bad

    def test_stored_form(self) -> None:
        """Stored under its fixed name with the consent in clear."""
        sealed = SealedPersonalData("reader-1", NONCE, CIPHERTEXT, Consent("contest", NOW))
        stored = json.loads(_transcoder().encode({"p": sealed}))
        assert stored["p"]["_type_"] == "libops.SealedPersonalData"
        assert stored["p"]["_data_"]["consent"] == {
            "purpose": "contest",
            "given_at": "2026-03-01T08:00:00+00:00",
            "third_parties": False,
        }
        assert _transcoder().decode(_transcoder().encode({"p": sealed}))["p"] == sealed


class TestSubjectIds:
    @pytest.mark.parametrize("good", ["reader-1", "a", "A.b_c:d-e", "0" * 128])
    def test_good(self, good: str) -> None:
        """Letters, digits and . _ : - up to 128, starting with a letter or digit."""
        assert require_subject_id(good) == good

    @pytest.mark.parametrize("bad", ["", "-x", "a b", "a" * 129, "名", "a@b", None, 7])
    def test_bad(self, bad: object) -> None:
        """Anything else is InvalidValueError."""
        with pytest.raises(InvalidValueError):
            require_subject_id(bad)


class TestAssociatedData:
    def test_form(self) -> None:
        """The bound data is 'aggregate id:version:topic'."""
        aggregate_id = UUID(int=1)
        assert associated_data(aggregate_id, 2, "libops:Contest.EntryRecorded") == (
            b"00000000-0000-0000-0000-000000000001:2:libops:Contest.EntryRecorded"
        )

    @pytest.mark.parametrize(
        ("aggregate_id", "version", "topic"),
        [
            ("00000000-0000-0000-0000-000000000001", 1, "t"),
            (UUID(int=1), 0, "t"),
            (UUID(int=1), True, "t"),
            (UUID(int=1), 1.0, "t"),
            (UUID(int=1), 1, ""),
            (UUID(int=1), 1, None),
        ],
    )
    def test_bad(self, aggregate_id: object, version: object, topic: object) -> None:
        """Anything that does not name one event is InvalidValueError."""
        with pytest.raises(InvalidValueError):
            associated_data(aggregate_id, version, topic)  # type: ignore[arg-type]  # deliberately bad


class TestDataSubject:
    def test_erasure(self) -> None:
        """Erasing records who, which subject, when (in UTC) and why, under a fixed id."""
        beijing = timezone(timedelta(hours=8))
        subject = DataSubject.erase(
            ADMIN, "reader-1", reason=" asked ", at=datetime(2026, 3, 1, 16, 0, tzinfo=beijing)
        )
        assert subject.id == DataSubject.id_for("reader-1") == uuid5(SUBJECT_NAMESPACE, "reader-1")
        assert subject.subject_id == "reader-1"
        assert subject.erased_by == "admin-1"
        assert subject.erased_at == NOW
        assert subject.reason == "asked"
        assert (subject.erased, subject.pending) == (False, True)
        subject.complete(ADMIN, at=NOW + timedelta(minutes=1))
        assert (subject.erased, subject.pending) == (True, False)
        assert subject.completed_by == "admin-1"
        assert subject.completed_at == NOW + timedelta(minutes=1)
        subject.complete(ADMIN, at=NOW + timedelta(minutes=2))  # complete already: nothing new
        requested, erased = subject.collect_events()
        assert isinstance(requested, DataSubject.ErasureRequested)
        assert isinstance(erased, DataSubject.Erased)
        assert (requested.actor_id, requested.originator_version) == ("admin-1", 1)
        assert (erased.actor_id, erased.originator_version) == ("admin-1", 2)
        replayed = erased.mutate(requested.mutate(None))
        assert replayed is not None
        assert (replayed.erased, replayed.version, replayed.reason) == (True, 2, "asked")

    def test_an_erasure_in_one_step_reads_as_complete(self) -> None:
        """An Erased event stored as a subject's first event (older libops) is the whole erasure."""
        old = DataSubject.Erased(  # type: ignore[call-arg]  # eventsourcing makes the fields
            originator_id=DataSubject.id_for("reader-1"),
            originator_version=1,
            timestamp=NOW,
            originator_topic=DataSubject.TOPIC,
            actor_id="admin-1",
            subject_id="reader-1",
            reason="asked",
            at=NOW,
        )
        subject = old.mutate(None)
        assert isinstance(subject, DataSubject)
        assert (subject.erased, subject.pending, subject.version) == (True, False, 1)
        assert (subject.erased_by, subject.erased_at, subject.completed_at) == ("admin-1", NOW, NOW)

    def test_topics(self) -> None:
        """The aggregate and its events have fixed topics."""
        assert DataSubject.TOPIC == "libops:DataSubject"
        assert DataSubject.Erased.TOPIC == "libops:DataSubject.Erased"
        assert DataSubject.ErasureRequested.TOPIC == "libops:DataSubject.ErasureRequested"
        assert DataSubject.Event.TOPIC == "libops:DataSubject.Event"

    @pytest.mark.parametrize(
        "role", [r for r in Role if r is not Role.OPERATIONS_ADMIN], ids=lambda r: r.value
    )
    def test_only_operations_admins(self, role: Role) -> None:
        """Every other role is refused."""
        with pytest.raises(PermissionDeniedError):
            DataSubject.erase(Actor("x", [role]), "reader-1", reason="asked", at=NOW)

    @pytest.mark.parametrize(
        ("subject_id", "reason", "at"),
        [
            ("reader-1", "", NOW),
            ("reader-1", "x" * 501, NOW),
            ("reader 1", "asked", NOW),
            ("reader-1", "asked", datetime(2026, 3, 1)),
            ("reader-1", "asked", "now"),
        ],
        ids=["no reason", "long reason", "bad subject", "naive time", "not a time"],
    )
    def test_bad(self, subject_id: str, reason: str, at: object) -> None:
        """A reason, a well-formed subject id and an aware time are required."""
        with pytest.raises(InvalidValueError):
            DataSubject.erase(ADMIN, subject_id, reason=reason, at=at)  # type: ignore[arg-type]  # deliberately bad
