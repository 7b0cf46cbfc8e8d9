"""Personal data on every store: sealed, bound to its event, never in clear, erasable.

The events here come from a test-only aggregate (``Registration``, below) whose events carry
sealed personal data, saved through ``ops.app`` the way a libops service saves its aggregates.

What the byte searches look for, for every subject: the name, the handle and the contact
details, each as UTF-8, as UTF-16 (both byte orders) and as JSON ``\\uXXXX`` escapes (lower and
upper case hex) of its non-ASCII characters. Where they look: on SQLite, the bytes of the
event-store file and its ``-wal`` file (and of the key file and its ``-wal`` for the erased
key); on PostgreSQL, every value of every row of every table in the store's schema (the events'
``state`` is ``bytea``); on every store, the stored state of every event the recorder returns.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, event
from hypothesis import given
from hypothesis import strategies as st

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.keystore import MemoryKeyStore, SQLiteKeyStore, key_store_path
from libops.domain.errors import (
    ConsentError,
    InvalidValueError,
    PermissionDeniedError,
    PersonalDataTamperedError,
    SubjectErasedError,
    SubjectKeyMissingError,
)
from libops.domain.personal import (
    ERASED,
    Consent,
    DataSubject,
    ErasedPersonalInfo,
    PersonalInfo,
    SealedPersonalData,
)
from tests.conftest import _pg_connect
from tests.helpers import count_events, refused

# --- a test-only aggregate whose events carry sealed personal data --------------------------


class Registration(Aggregate):
    """A reader's registration for an activity (test only): sealed details and a public note."""

    TOPIC = "libops-test:Registration"

    class Event(Aggregate.Event):
        TOPIC = "libops-test:Registration.Event"

    class Registered(Aggregate.Created):
        TOPIC = "libops-test:Registration.Registered"
        participant: SealedPersonalData
        note: str

    class Amended(Aggregate.Event):
        TOPIC = "libops-test:Registration.Amended"
        participant: SealedPersonalData

    class GuestsAdded(Aggregate.Event):
        TOPIC = "libops-test:Registration.GuestsAdded"
        guests: tuple[SealedPersonalData, ...]

    @event(Registered)
    def __init__(self, id: UUID, participant: SealedPersonalData, note: str) -> None:
        self.participant = participant
        self.note = note
        self.guests: tuple[SealedPersonalData, ...] = ()

    @event(Amended)
    def amend(self, participant: SealedPersonalData) -> None:
        self.participant = participant

    @event(GuestsAdded)
    def add_guests(self, guests: tuple[SealedPersonalData, ...]) -> None:
        self.guests = tuple(guests)


class Waitlisted(Aggregate):
    """Another test-only aggregate, to copy sealed data into."""

    TOPIC = "libops-test:Waitlisted"

    class Event(Aggregate.Event):
        TOPIC = "libops-test:Waitlisted.Event"

    class Listed(Aggregate.Created):
        TOPIC = "libops-test:Waitlisted.Listed"
        participant: SealedPersonalData

    @event(Listed)
    def __init__(self, id: UUID, participant: SealedPersonalData) -> None:
        self.participant = participant


# --- people ---------------------------------------------------------------------------------

ZOE = PersonalInfo(name="Zoë Ångström", handle="@zoe_reads", contact="zoe.angstrom@example.org")
WANG = PersonalInfo(name="王小明", handle="@wang_xiaoming", contact="13812345678")
MULLER = PersonalInfo(name="Jürgen Müller-Lüdenscheidt", handle="@jmueller_lib")
EMOJI = PersonalInfo(name="李 📚 Reader", contact="+86 10 6275 1234")
PEOPLE = {"zoe": ZOE, "wang": WANG, "muller": MULLER, "emoji": EMOJI}

PUBLIC_NOTE = "公开备注: World Book Day reading circle"
"""Stored in clear on every registration: the byte search must find it (so it can find text)."""

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def consent(purpose: str = "World Book Day reading circle") -> Consent:
    return Consent(purpose=purpose, given_at=START)


def subject_for(ops: LibOps, info: PersonalInfo) -> str:
    return ops.privacy.subject_id_for("weibo", info.handle or info.name or "anonymous")


def register(ops: LibOps, info: PersonalInfo, *, note: str = PUBLIC_NOTE) -> UUID:
    """Record a registration for ``info`` as a libops service would: seal, create, save."""
    new_id = uuid.uuid4()
    subject = subject_for(ops, info)

    def run() -> tuple[list[Registration], UUID]:
        sealed = ops.privacy.seal(
            subject,
            info,
            consent(),
            aggregate_id=new_id,
            version=1,
            topic=Registration.Registered.TOPIC,
        )
        return [Registration(id=new_id, participant=sealed, note=note)], new_id

    return ops.app.execute("test.register", run)


def amend(ops: LibOps, registration_id: UUID, info: PersonalInfo) -> None:
    """Replace a registration's details (a second event carrying sealed data)."""

    def change(registration: Registration) -> None:
        sealed = ops.privacy.seal(
            subject_for(ops, info),
            info,
            consent(),
            aggregate_id=registration.id,
            version=registration.version + 1,
            topic=Registration.Amended.TOPIC,
        )
        registration.amend(sealed)

    ops.app.change("test.amend", Registration, "registration", registration_id, change)


def add_guests(ops: LibOps, registration_id: UUID, guests: Sequence[PersonalInfo]) -> None:
    """Add guests to a registration (sealed values inside a tuple)."""

    def change(registration: Registration) -> None:
        version = registration.version + 1
        sealed = tuple(
            ops.privacy.seal(
                subject_for(ops, guest),
                guest,
                consent(),
                aggregate_id=registration.id,
                version=version,
                topic=Registration.GuestsAdded.TOPIC,
            )
            for guest in guests
        )
        registration.add_guests(sealed)

    ops.app.change("test.guests", Registration, "registration", registration_id, change)


def stored_events(ops: LibOps, aggregate_id: UUID) -> list[Any]:
    """The aggregate's events as decoded from the store (not from any cache)."""
    return list(ops.app.events.get(aggregate_id))


def all_stored_states(ops: LibOps) -> list[bytes]:
    """The stored state of every event in the store, as the recorder gives them."""
    return [n.state for n in ops.app.recorder.select_notifications(start=1, limit=1_000_000)]


def reveal_all(ops: LibOps) -> dict[tuple[UUID, int, str], Any]:
    """Every sealed value in the store, opened: (aggregate id, version, field) -> result."""
    opened: dict[tuple[UUID, int, str], Any] = {}
    for notification in ops.app.recorder.select_notifications(start=1, limit=1_000_000):
        domain_event = ops.app.mapper.to_domain_event(notification)
        for field, result in ops.deps.personal.reveal(domain_event).items():
            opened[(domain_event.originator_id, domain_event.originator_version, field)] = result
    return opened


# --- the byte search --------------------------------------------------------------------------


def forms(text: str) -> dict[str, bytes]:
    """The ways ``text`` could appear in stored bytes."""
    escaped = json.dumps(text, ensure_ascii=True)[1:-1]
    return {
        "utf-8": text.encode("utf-8"),
        "utf-16-le": text.encode("utf-16-le"),
        "utf-16-be": text.encode("utf-16-be"),
        "json-escaped": escaped.encode("ascii"),
        "json-escaped-upper": _upper_escapes(escaped).encode("ascii"),
    }


def _upper_escapes(escaped: str) -> str:
    parts = escaped.split("\\u")
    return "\\u".join([parts[0], *(p[:4].upper() + p[4:] for p in parts[1:])])


def personal_texts(info: PersonalInfo) -> list[str]:
    """The plain texts of a person that must never be stored."""
    return [text for text in (info.name, info.handle, info.contact) if text is not None]


def find_plain_text(blob: bytes, people: Sequence[PersonalInfo]) -> list[str]:
    """Which plain texts of ``people`` occur in ``blob``, in which form."""
    return [
        f"{text!r} as {form}"
        for info in people
        for text in personal_texts(info)
        for form, needle in forms(text).items()
        if needle in blob
    ]


def file_bytes(path: Path) -> bytes:
    """A SQLite file's bytes followed by its write-ahead log's."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def schema_bytes(url: str) -> bytes:
    """Every value of every row of every table in the store's PostgreSQL schema."""
    schema = url.rpartition("schema=")[2]
    chunks: list[bytes] = []
    with _pg_connect(url.partition("?")[0]) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            ).fetchall()
        ]
        assert "libops_events" in tables
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode("utf-8"))
    return b"\x00".join(chunks)


def store_bytes(ops: LibOps, url: str) -> bytes:
    """Everything the event store holds, as raw bytes, for the store's kind."""
    recorded = b"\x00".join(all_stored_states(ops))
    if ops.config.scheme == "sqlite":
        return recorded + file_bytes(Path(ops.config.env["SQLITE_DBNAME"]))
    if ops.config.scheme == "postgresql":
        return recorded + schema_bytes(url)
    return recorded


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def registrations(ops: LibOps) -> dict[str, UUID]:
    """One registration per person, Zoë's amended once, Wang's with two guests."""
    ids = {key: register(ops, info) for key, info in PEOPLE.items()}
    amend(ops, ids["zoe"], ZOE)
    add_guests(ops, ids["wang"], [MULLER, EMOJI])
    return ids


# --- sealing and opening ------------------------------------------------------------------


class TestSealAndOpen:
    def test_round_trip_on_every_store(self, ops: LibOps, registrations: dict[str, UUID]) -> None:
        """Every sealed value read back from the store opens to what was sealed."""
        for key, info in PEOPLE.items():
            created = stored_events(ops, registrations[key])[0]
            assert isinstance(created, Registration.Registered)
            assert ops.deps.personal.reveal(created) == {"participant": info}
            assert created.note == PUBLIC_NOTE
        amended = stored_events(ops, registrations["zoe"])[1]
        assert ops.deps.personal.reveal(amended) == {"participant": ZOE}
        guests = stored_events(ops, registrations["wang"])[1]
        assert ops.deps.personal.reveal(guests) == {"guests[0]": MULLER, "guests[1]": EMOJI}

    def test_consent_is_stored_in_clear(self, ops: LibOps, registrations: dict[str, UUID]) -> None:
        """The consent travels beside the ciphertext and reads without any key."""
        created = stored_events(ops, registrations["wang"])[0]
        assert created.participant.consent == consent()
        assert created.participant.consent.third_parties is False
        assert created.participant.subject_id == subject_for(ops, WANG)

    def test_open_directly(self, memory_ops: LibOps) -> None:
        """open with the event's id, version and topic gives the data back."""
        aggregate_id = uuid.uuid4()
        sealed = memory_ops.privacy.seal(
            "reader-1", ZOE, consent(), aggregate_id=aggregate_id, version=3, topic="t:T.E"
        )
        assert (
            memory_ops.deps.personal.open(
                sealed, aggregate_id=aggregate_id, version=3, topic="t:T.E"
            )
            == ZOE
        )

    def test_each_seal_is_different(self, memory_ops: LibOps) -> None:
        """Sealing the same data twice gives different nonces and ciphertexts."""
        where: dict[str, Any] = {"aggregate_id": uuid.uuid4(), "version": 1, "topic": "t:T.E"}
        first = memory_ops.privacy.seal("reader-1", ZOE, consent(), **where)
        second = memory_ops.privacy.seal("reader-1", ZOE, consent(), **where)
        assert first.nonce != second.nonce
        assert first.ciphertext != second.ciphertext

    def test_lengths_are_padded(self, memory_ops: LibOps) -> None:
        """Names of different lengths seal to ciphertexts of the same length (64-byte blocks)."""
        where: dict[str, Any] = {"aggregate_id": uuid.uuid4(), "version": 1, "topic": "t:T.E"}
        short = memory_ops.privacy.seal("r", PersonalInfo(name="Li"), consent(), **where)
        longer = memory_ops.privacy.seal("r", PersonalInfo(name="Li Na Wang"), consent(), **where)
        assert len(short.ciphertext_bytes) == len(longer.ciphertext_bytes)
        assert (len(short.ciphertext_bytes) - 16) % 64 == 0

    def test_any_text_round_trips(self) -> None:
        """Whatever text a reader's details hold, it opens exactly as it was sealed."""
        # Printable text: control characters are refused in a reader's details (docs/limits.md).
        printable = st.characters(blacklist_categories=("Cc", "Cs"))
        texts = st.none() | st.text(printable, min_size=1, max_size=120).filter(str.strip)
        with LibOps.open("memory://") as ops:

            @given(name=texts, handle=texts, contact=texts, version=st.integers(1, 10**9))
            def check(
                name: str | None, handle: str | None, contact: str | None, version: int
            ) -> None:
                if name is None and handle is None and contact is None:
                    return
                info = PersonalInfo(name=name, handle=handle, contact=contact)
                where: dict[str, Any] = {
                    "aggregate_id": uuid.uuid4(),
                    "version": version,
                    "topic": "t:T.E",
                }
                sealed = ops.privacy.seal("reader-1", info, consent(), **where)
                assert ops.deps.personal.open(sealed, **where) == info

            check()


class TestSealedDataIsBoundToItsEvent:
    def _sealed(self, ops: LibOps) -> tuple[SealedPersonalData, dict[str, Any]]:
        where: dict[str, Any] = {
            "aggregate_id": uuid.uuid4(),
            "version": 2,
            "topic": Registration.Amended.TOPIC,
        }
        return ops.privacy.seal("reader-1", ZOE, consent(), **where), where

    @pytest.mark.parametrize(
        "moved",
        [
            {"aggregate_id": uuid.UUID(int=7)},
            {"version": 3},
            {"version": 1},
            {"topic": Registration.Registered.TOPIC},
            {"topic": Waitlisted.Listed.TOPIC},
        ],
        ids=["other aggregate", "later version", "earlier version", "other event", "other type"],
    )
    def test_opening_elsewhere_is_tampering(
        self, memory_ops: LibOps, moved: dict[str, Any]
    ) -> None:
        """Opening with another aggregate id, version or topic raises PersonalDataTamperedError."""
        sealed, where = self._sealed(memory_ops)
        with pytest.raises(PersonalDataTamperedError, match="copied from another event"):
            memory_ops.deps.personal.open(sealed, **{**where, **moved})

    @pytest.mark.parametrize("part", ["nonce", "ciphertext"])
    def test_altered_bytes_are_tampering(self, memory_ops: LibOps, part: str) -> None:
        """One flipped bit in the nonce or the ciphertext raises PersonalDataTamperedError."""
        sealed, where = self._sealed(memory_ops)
        raw = bytearray(base64.b64decode(getattr(sealed, part)))
        raw[len(raw) // 2] ^= 0x01
        altered = SealedPersonalData(
            **{**_fields(sealed), part: base64.b64encode(bytes(raw)).decode()}
        )
        with pytest.raises(PersonalDataTamperedError):
            memory_ops.deps.personal.open(altered, **where)

    def test_other_subjects_key_is_tampering(self, memory_ops: LibOps) -> None:
        """Relabelling sealed data with another subject's id does not open it."""
        sealed, where = self._sealed(memory_ops)
        memory_ops.privacy.seal("reader-2", WANG, consent(), **where)
        relabelled = SealedPersonalData(**{**_fields(sealed), "subject_id": "reader-2"})
        with pytest.raises(PersonalDataTamperedError):
            memory_ops.deps.personal.open(relabelled, **where)

    def test_copied_into_another_aggregates_event(
        self, ops: LibOps, registrations: dict[str, UUID]
    ) -> None:
        """Ciphertext copied into another aggregate's stored event is rejected on reading."""
        original = stored_events(ops, registrations["zoe"])[0].participant
        target = uuid.uuid4()
        ops.app.save(Waitlisted(id=target, participant=original))
        (copied,) = stored_events(ops, target)
        assert copied.participant == original  # stored as it was: the copy went through
        with pytest.raises(PersonalDataTamperedError):
            ops.deps.personal.reveal(copied)
        # The original still opens where it was sealed.
        assert ops.deps.personal.reveal(stored_events(ops, registrations["zoe"])[0]) == {
            "participant": ZOE
        }

    def test_copied_into_a_later_event_of_the_same_aggregate(
        self, ops: LibOps, registrations: dict[str, UUID]
    ) -> None:
        """Ciphertext replayed into a later event of its own aggregate is rejected too."""
        registration = ops.app.load(Registration, registrations["wang"], "registration")
        original = stored_events(ops, registrations["wang"])[0].participant
        registration.amend(original)  # copied as it is, not sealed again
        ops.app.save(registration)
        last = stored_events(ops, registrations["wang"])[-1]
        assert isinstance(last, Registration.Amended)
        with pytest.raises(PersonalDataTamperedError):
            ops.deps.personal.reveal(last)

    def test_same_place_other_event_class(
        self, ops: LibOps, registrations: dict[str, UUID]
    ) -> None:
        """The same id and version under another event class (topic) does not open."""
        created = stored_events(ops, registrations["muller"])[0]
        forged = Waitlisted.Listed(  # type: ignore[call-arg]  # its fields are dataclass fields
            originator_id=created.originator_id,
            originator_version=created.originator_version,
            timestamp=created.timestamp,
            originator_topic=Waitlisted.TOPIC,
            participant=created.participant,
        )
        with pytest.raises(PersonalDataTamperedError):
            ops.deps.personal.reveal(forged)


def _fields(sealed: SealedPersonalData) -> dict[str, Any]:
    return {
        "subject_id": sealed.subject_id,
        "nonce": sealed.nonce,
        "ciphertext": sealed.ciphertext,
        "consent": sealed.consent,
    }


class TestSealingIsRefused:
    def test_consent_to_pass_data_on(self, memory_ops: LibOps) -> None:
        """A consent that allows third parties is refused, and no key is made."""
        shared = Consent("contest", START, third_parties=True)
        with pytest.raises(ConsentError, match="third parties"):
            memory_ops.privacy.seal(
                "reader-1", ZOE, shared, aggregate_id=uuid.uuid4(), version=1, topic="t:T.E"
            )
        assert memory_ops.keys.get("reader-1") is None

    @pytest.mark.parametrize(
        ("where", "message"),
        [
            ({"aggregate_id": "not-a-uuid", "version": 1, "topic": "t:T.E"}, "aggregate_id"),
            ({"aggregate_id": uuid.uuid4(), "version": 0, "topic": "t:T.E"}, "version"),
            ({"aggregate_id": uuid.uuid4(), "version": True, "topic": "t:T.E"}, "version"),
            ({"aggregate_id": uuid.uuid4(), "version": 1, "topic": " "}, "topic"),
        ],
    )
    def test_bad_binding(self, memory_ops: LibOps, where: dict[str, Any], message: str) -> None:
        """A binding that names no event is InvalidValueError, and no key is made."""
        with pytest.raises(InvalidValueError, match=message):
            memory_ops.privacy.seal("reader-1", ZOE, consent(), **where)
        assert memory_ops.keys.get("reader-1") is None

    def test_not_personal_info(self, memory_ops: LibOps) -> None:
        """Only PersonalInfo is sealed, only with a Consent."""
        where: dict[str, Any] = {"aggregate_id": uuid.uuid4(), "version": 1, "topic": "t:T.E"}
        with pytest.raises(InvalidValueError, match="PersonalInfo"):
            memory_ops.privacy.seal("r", {"name": "x"}, consent(), **where)  # type: ignore[arg-type]  # deliberately bad
        with pytest.raises(InvalidValueError, match="Consent"):
            memory_ops.privacy.seal("r", ZOE, "yes", **where)  # type: ignore[arg-type]  # deliberately bad

    def test_a_command_sealing_for_an_erased_subject_records_nothing(
        self, ops: LibOps, admin: Actor
    ) -> None:
        """Once a subject is erased, a command that would seal their data records nothing."""
        ops.privacy.erase(admin, subject_for(ops, WANG), "asked to be forgotten")
        refused(ops, SubjectErasedError, lambda: register(ops, WANG))

    def test_a_key_store_that_does_not_know_the_subject(self, tmp_path: Path) -> None:
        """Opening with a key store that never held the subject's key says so (not ERASED)."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, migrate=True) as ops:
            registration_id = register(ops, ZOE)
        with LibOps.open(url, keys=MemoryKeyStore()) as ops:
            created = stored_events(ops, registration_id)[0]
            with pytest.raises(SubjectKeyMissingError, match="never erased"):
                ops.deps.personal.reveal(created)


# --- erasure --------------------------------------------------------------------------------


class TestErasure:
    def test_erased_data_opens_as_erased_and_the_rest_is_intact(
        self, ops: LibOps, registrations: dict[str, UUID], admin: Actor
    ) -> None:
        """After erasing Zoë, her data reads as ERASED everywhere; everyone else's is intact."""
        before = reveal_all(ops)
        ops.privacy.erase(admin, subject_for(ops, ZOE), "reader asked to be forgotten")
        after = reveal_all(ops)
        assert after.keys() == before.keys()
        for place, was in before.items():
            if was == ZOE:
                assert after[place] is ERASED
                assert str(after[place]) == "[erased]"
            else:
                assert after[place] == was
        assert sum(1 for value in after.values() if value is ERASED) == 2  # created + amended

    def test_replay_raises_nothing(
        self,
        ops: LibOps,
        registrations: dict[str, UUID],
        admin: Actor,
        store_url: str,
        clock: ManualClock,
    ) -> None:
        """Every aggregate still loads after erasure, with its public fields as they were."""
        for info in (ZOE, WANG):
            ops.privacy.erase(admin, subject_for(ops, info), "asked")
        for key, registration_id in registrations.items():
            registration = ops.app.load(Registration, registration_id, "registration")
            assert registration.note == PUBLIC_NOTE, key
        if ops.config.scheme == "memory":
            return
        # A new process, with an empty cache, replays everything from the store.
        with LibOps.open(store_url, clock=clock) as fresh:
            for registration_id in registrations.values():
                registration = fresh.app.load(Registration, registration_id, "registration")
                assert registration.note == PUBLIC_NOTE
            opened = reveal_all(fresh)
            assert {v for v in opened.values() if isinstance(v, ErasedPersonalInfo)} == {ERASED}
            assert MULLER in opened.values()
            assert EMOJI in opened.values()
            assert ZOE not in opened.values()
            assert WANG not in opened.values()

    def test_the_erasure_is_recorded(
        self, ops: LibOps, registrations: dict[str, UUID], admin: Actor, clock: ManualClock
    ) -> None:
        """A DataSubject.Erased event says who erased which subject, when and why."""
        clock.advance(timedelta(hours=3))
        subject = subject_for(ops, WANG)
        before = count_events(ops)
        assert ops.privacy.erasure(subject) is None
        ops.privacy.erase(admin, subject, "GDPR art. 17 request #2026-031")
        # The request, the completion, and the ledger of pending erasures (started, noted,
        # cleared) as the request and the completion were saved.
        assert count_events(ops) == before + 5
        record = ops.privacy.erasure(subject)
        assert record is not None
        assert record.subject_id == subject
        assert record.erased_by == admin.id
        assert record.erased_at == START + timedelta(hours=3)
        assert record.reason == "GDPR art. 17 request #2026-031"
        assert (record.erased, record.pending, record.completed_by) == (True, False, admin.id)
        requested, completed = stored_events(ops, DataSubject.id_for(subject))
        assert isinstance(requested, DataSubject.ErasureRequested)
        assert isinstance(completed, DataSubject.Erased)
        assert requested.actor_id == completed.actor_id == admin.id
        assert ops.privacy.is_erased(subject)
        assert ops.privacy.pending_erasures() == []

    def test_erasing_again_records_nothing(
        self, ops: LibOps, registrations: dict[str, UUID], admin: Actor
    ) -> None:
        """A second erasure of the same subject records nothing and keeps the first record."""
        subject = subject_for(ops, MULLER)
        ops.privacy.erase(admin, subject, "first request")
        before = count_events(ops)
        ops.privacy.erase(admin, subject, "second request")
        assert count_events(ops) == before
        record = ops.privacy.erasure(subject)
        assert record is not None
        assert record.reason == "first request"

    def test_erasing_a_subject_with_no_data_yet(self, ops: LibOps, admin: Actor) -> None:
        """A subject can be erased before libops holds their data; it is then never kept."""
        subject = subject_for(ops, EMOJI)
        ops.privacy.erase(admin, subject, "asked before taking part")
        assert ops.privacy.erasure(subject) is not None
        with pytest.raises(SubjectErasedError):
            register(ops, EMOJI)

    @pytest.mark.parametrize("who", ["planner", "reviewer", "tech", "auditor"])
    def test_only_operations_admins_erase(
        self,
        ops: LibOps,
        registrations: dict[str, UUID],
        who: str,
        request: pytest.FixtureRequest,
    ) -> None:
        """Other roles are refused; nothing is recorded and the key is still there."""
        actor: Actor = request.getfixturevalue(who)
        refused(
            ops,
            PermissionDeniedError,
            lambda: ops.privacy.erase(actor, subject_for(ops, ZOE), "asked"),
        )
        assert not ops.privacy.is_erased(subject_for(ops, ZOE))
        assert ops.deps.personal.reveal(stored_events(ops, registrations["zoe"])[0]) == {
            "participant": ZOE
        }

    @pytest.mark.parametrize(
        ("subject", "reason"),
        [("reader-1", ""), ("reader-1", "   "), ("has space", "asked"), ("", "asked")],
    )
    def test_bad_erasures(self, ops: LibOps, admin: Actor, subject: str, reason: str) -> None:
        """A blank reason or a malformed subject id is refused; nothing is recorded or erased."""
        ops.privacy.seal(
            "reader-1", ZOE, consent(), aggregate_id=uuid.uuid4(), version=1, topic="t:T.E"
        )
        refused(ops, InvalidValueError, lambda: ops.privacy.erase(admin, subject, reason))
        assert ops.keys.get("reader-1") is not None

    def test_not_an_actor(self, memory_ops: LibOps) -> None:
        """An erasure needs an Actor."""
        with pytest.raises(TypeError, match="Actor"):
            memory_ops.privacy.erase("admin-1", "reader-1", "asked")  # type: ignore[arg-type]  # deliberately bad


class TestKeyStoreBackups:
    def test_nothing_to_reapply(
        self, ops: LibOps, registrations: dict[str, UUID], admin: Actor
    ) -> None:
        """When the key store agrees with the history, reapplying erasures changes nothing."""
        ops.privacy.erase(admin, subject_for(ops, ZOE), "asked")
        before = count_events(ops)
        assert ops.privacy.reapply_erasures() == 0
        assert count_events(ops) == before

    def test_a_restored_backup_is_erased_again(
        self, tmp_path: Path, admin: Actor, clock: ManualClock
    ) -> None:
        """A key-store backup from before an erasure brings the key back, until reapplied."""
        url = f"sqlite:///{tmp_path}/libops.db"
        keys_file = key_store_path(tmp_path / "libops.db")
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            ids = {key: register(ops, info) for key, info in PEOPLE.items()}
        backup = keys_file.read_bytes()
        with LibOps.open(url, clock=clock) as ops:
            for info in (ZOE, WANG):
                ops.privacy.erase(admin, subject_for(ops, info), "asked")
        keys_file.write_bytes(backup)  # the backup is restored
        with LibOps.open(url, clock=clock) as ops:
            created = stored_events(ops, ids["zoe"])[0]
            assert ops.deps.personal.reveal(created) == {"participant": ZOE}  # readable again
            assert ops.privacy.reapply_erasures() == 2
            assert ops.deps.personal.reveal(created) == {"participant": ERASED}
            assert ops.privacy.reapply_erasures() == 0
            assert ops.deps.personal.reveal(stored_events(ops, ids["muller"])[0]) == {
                "participant": MULLER
            }


# --- plain text never reaches the store -----------------------------------------------------


class TestNoPlainTextInTheStore:
    def test_the_search_finds_text_that_is_stored(
        self, ops: LibOps, registrations: dict[str, UUID], store_url: str
    ) -> None:
        """The public note, stored in clear, is found: the search does see stored text."""
        found = store_bytes(ops, store_url)
        assert PUBLIC_NOTE.encode("utf-8") in found
        canary = PersonalInfo(name=PUBLIC_NOTE)
        assert find_plain_text(found, [canary]) != []

    def test_never_in_clear_before_or_after_erasure(
        self, ops: LibOps, registrations: dict[str, UUID], admin: Actor, store_url: str
    ) -> None:
        """No name, handle or contact is in the store in any encoding, before or after."""
        people = list(PEOPLE.values())
        assert find_plain_text(store_bytes(ops, store_url), people) == []
        ops.privacy.erase(admin, subject_for(ops, ZOE), "reader asked to be forgotten")
        ops.privacy.erase(admin, subject_for(ops, WANG), "reader asked to be forgotten")
        assert find_plain_text(store_bytes(ops, store_url), people) == []

    def test_sqlite_files_after_erasure(
        self, tmp_path: Path, admin: Actor, clock: ManualClock
    ) -> None:
        """The event file, the key file and both -wal files hold none of an erased subject.

        Searched while the store is open (logs still full) and again once it is closed.
        The erased subject's key is searched for too, and found before the erasure.
        """
        url = f"sqlite:///{tmp_path}/libops.db"
        events_file = tmp_path / "libops.db"
        keys_file = key_store_path(events_file)
        people = list(PEOPLE.values())
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            ids = {key: register(ops, info) for key, info in PEOPLE.items()}
            amend(ops, ids["zoe"], ZOE)
            assert Path(f"{events_file}-wal").exists()
            assert find_plain_text(file_bytes(events_file), people) == []
            assert isinstance(ops.keys, SQLiteKeyStore)
            zoe_subject = subject_for(ops, ZOE)
            zoe_key = ops.keys.get(zoe_subject)
            wang_key = ops.keys.get(subject_for(ops, WANG))
            assert zoe_key is not None
            assert wang_key is not None
            assert zoe_key in file_bytes(keys_file)
            ops.privacy.erase(admin, zoe_subject, "reader asked to be forgotten")
            assert find_plain_text(file_bytes(events_file), people) == []
            assert zoe_key not in file_bytes(keys_file)
            assert wang_key in file_bytes(keys_file)
        assert find_plain_text(file_bytes(events_file), people) == []
        assert zoe_key not in file_bytes(keys_file)
        with LibOps.open(url, clock=clock) as ops:
            opened = reveal_all(ops)
        assert sum(1 for value in opened.values() if value is ERASED) == 2
        assert WANG in opened.values()

    def test_no_personal_data_in_the_erasure_record(
        self, ops: LibOps, registrations: dict[str, UUID], admin: Actor
    ) -> None:
        """The DataSubject.Erased event names the pseudonym only."""
        subject = subject_for(ops, ZOE)
        ops.privacy.erase(admin, subject, "reader asked to be forgotten")
        (stored,) = [
            n.state
            for n in ops.app.recorder.select_notifications(
                start=1, limit=1000, topics=[DataSubject.Erased.TOPIC]
            )
        ]
        assert subject.encode() in stored
        assert find_plain_text(stored, [ZOE]) == []


class TestTheByteSearchItself:
    def test_forms(self) -> None:
        """Non-ASCII text is searched as UTF-8, UTF-16 and JSON escapes."""
        found = forms("Zoë")
        assert found["utf-8"] == b"Zo\xc3\xab"
        assert found["utf-16-le"] == b"Z\x00o\x00\xeb\x00"
        assert found["json-escaped"] == b"Zo\\u00eb"
        assert found["json-escaped-upper"] == b"Zo\\u00EB"
        assert forms("王")["json-escaped"] == b"\\u738b"

    @pytest.mark.parametrize(
        "encode",
        [
            lambda t: t.encode("utf-8"),
            lambda t: t.encode("utf-16"),
            lambda t: json.dumps({"name": t}).encode(),
        ],
        ids=["utf-8", "utf-16 with BOM", "json ascii"],
    )
    def test_finds_each_form(self, encode: Any) -> None:
        """Plain text hidden in bytes in any of these encodings is found."""
        blob = b"\x00\x01prefix" + encode("王小明") + b"suffix"
        assert find_plain_text(blob, [WANG]) != []


# --- subject ids ---------------------------------------------------------------------------


class TestSubjectIds:
    def test_stable_and_pseudonymous(self, ops: LibOps) -> None:
        """One reader on one platform is one subject id: 64 hex digits, no trace of the handle."""
        first = ops.privacy.subject_id_for("weibo", "@wang_xiaoming")
        assert first == ops.privacy.subject_id_for("weibo", " @wang_xiaoming ")
        assert first == ops.privacy.subject_id_for("weibo", "wang_xiaoming")
        assert len(first) == 64
        assert int(first, 16) >= 0
        assert "wang" not in first

    def test_platforms_and_case(self, memory_ops: LibOps) -> None:
        """Platforms are kept apart; case is ignored only where the platform ignores it."""
        ids = memory_ops.privacy.subject_id_for
        assert ids("weibo", "reader") != ids("wechat", "reader")
        assert ids("mastodon", "@Reader@lib.social") == ids("mastodon", "reader@lib.social")
        assert ids("bluesky", "Reader.bsky.social") == ids("bluesky", "reader.bsky.social")
        assert ids("wechat", "oAbC123") != ids("wechat", "oabc123")

    def test_each_store_has_its_own_secret(self) -> None:
        """The same handle gives different subject ids in different stores."""
        with LibOps.open("memory://") as one, LibOps.open("memory://") as two:
            assert one.privacy.subject_id_for("weibo", "reader") != two.privacy.subject_id_for(
                "weibo", "reader"
            )

    def test_the_secret_survives_reopening(self, tmp_path: Path) -> None:
        """A SQLite store gives the same subject id after it is closed and opened again."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, migrate=True) as ops:
            before = ops.privacy.subject_id_for("douyin", "reader")
        with LibOps.open(url) as ops:
            assert ops.privacy.subject_id_for("douyin", "reader") == before

    @pytest.mark.parametrize(
        ("platform", "handle"),
        [("weibo", ""), ("weibo", "   "), ("weibo", "@"), ("weibo", 42), ("myspace", "reader")],
    )
    def test_bad_handles(self, memory_ops: LibOps, platform: str, handle: Any) -> None:
        """A blank handle or an unknown platform is InvalidValueError."""
        with pytest.raises(InvalidValueError):
            memory_ops.privacy.subject_id_for(platform, handle)
