"""Commands on interactions with readers: questions, reading sessions, contests, moderation.

Participants' personal data is sealed by :class:`~libops.application.privacy.PersonalDataService`
inside each command, for the very event that carries it, and only after every check of the
command has passed. Idempotency fingerprints never include personal data: a command's
arguments name the participant by their pseudonymous subject id.

A contest's seed is made here, at close, with :func:`secrets.token_bytes`. Until the draw it is
kept sealed: AES-GCM under a key of its own in the key store (subject ``contest-seed:<id>``,
outside the event store), the ciphertext in the Closed event bound to that event. Only its
SHA-256 is public before the draw. The draw opens it, reveals it, and deletes the key.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from libops.application.app import LibOpsApplication
from libops.application.privacy import Opened, PersonalDataService
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError, SeedUnavailableError, UnknownIdError
from libops.domain.interaction.contest import (
    Contest,
    ContestKind,
    ContestRules,
    EntryMethod,
)
from libops.domain.interaction.draw import (
    SEED_BYTES,
    DrawVerification,
    seed_commitment,
    verify_draw,
)
from libops.domain.interaction.moderation import (
    CommentRef,
    ConductRecord,
    ModerationPolicy,
    SanctionMeasure,
)
from libops.domain.interaction.qa import Question, escalation_after
from libops.domain.interaction.reading import ReadingSession
from libops.domain.permissions import authorize
from libops.domain.personal import (
    NONCE_BYTES,
    Consent,
    PersonalInfo,
    associated_data,
    require_subject_id,
)
from libops.domain.ports import KeyStore
from libops.domain.post import Post
from libops.domain.values import Actor, Platform

R = TypeVar("R")

DEFAULT_ESCALATION: Final = timedelta(hours=24)
"""How long a question may wait for its answer before it is escalated, unless configured."""

SCAN_BATCH: Final = 500
"""How many notifications one read of the log returns when looking for open questions."""


def _subject(
    privacy: PersonalDataService,
    subject_id: str | None,
    platform: Platform | str | None,
    info: object,
) -> str:
    """The participant's subject id: as given, or the pseudonym of their handle on platform."""
    if subject_id is not None:
        return require_subject_id(subject_id)
    if not isinstance(info, PersonalInfo):
        raise InvalidValueError(f"personal data is PersonalInfo, not {type(info).__name__}")
    if platform is None or info.handle is None:
        raise InvalidValueError(
            "give the participant's subject_id, or a platform and their handle, "
            "so that one person has one subject id"
        )
    return privacy.subject_id_for(platform, info.handle)


def _id_text(value: UUID | str | None) -> str | None:
    return None if value is None else str(value)


class _Service:
    """What the interaction services share: the application and its clock."""

    def __init__(self, app: LibOpsApplication) -> None:
        self._app = app

    def _now(self) -> datetime:
        return self._app.clock.now()

    def _require_post(self, post_id: UUID | str | None) -> Post | None:
        return None if post_id is None else self._app.load(Post, post_id, "post")


# --- questions ---------------------------------------------------------------------------


class QuestionService(_Service):
    """Receive readers' questions, answer them, and escalate those left waiting too long."""

    def __init__(
        self,
        app: LibOpsApplication,
        privacy: PersonalDataService,
        *,
        escalate_after: timedelta = DEFAULT_ESCALATION,
    ) -> None:
        super().__init__(app)
        self._privacy = privacy
        self.escalate_after = escalation_after(escalate_after)

    def get(self, question_id: UUID | str) -> Question:
        """The question's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Question, question_id, "question")

    def asker(self, question_id: UUID | str) -> Opened:
        """Who asked, opened from the sealed data (ERASED once the subject was erased)."""
        question = self.get(question_id)
        return self._privacy.open(
            question.asker, aggregate_id=question.id, version=1, topic=Question.Received.TOPIC
        )

    def receive(
        self,
        actor: Actor,
        *,
        platform: Platform | str,
        text: str,
        asker: PersonalInfo,
        consent: Consent,
        subject_id: str | None = None,
        post_id: UUID | str | None = None,
        asked_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Record a reader's question (asked now, or at ``asked_at``); returns its id.

        The asker is named by ``subject_id`` or, without one, by their handle on
        ``platform``. Their personal data is sealed; ``text`` is stored in clear and must not
        hold contact details.
        """
        subject = _subject(self._privacy, subject_id, platform, asker)
        arguments: dict[str, Any] = {
            "actor": actor,
            "platform": platform,
            "text": text,
            "subject_id": subject,
            "consent": consent,
            "post_id": _id_text(post_id),
            "asked_at": asked_at,
        }

        def run() -> tuple[list[Question], UUID]:
            now = self._now()
            when = now if asked_at is None else asked_at
            Question.check_receive(
                actor, platform=platform, text=text, asked_at=when, now=now, post_id=post_id
            )
            self._require_post(post_id)
            question_id = uuid4()
            sealed = self._privacy.seal(
                subject,
                asker,
                consent,
                aggregate_id=question_id,
                version=1,
                topic=Question.Received.TOPIC,
            )
            question = Question.receive(
                actor,
                question_id=question_id,
                platform=platform,
                asker=sealed,
                text=text,
                asked_at=when,
                now=now,
                post_id=post_id,
            )
            return [question], question.id

        return self._app.execute(
            "question.receive", run, idempotency_key=idempotency_key, arguments=arguments
        )

    def answer(
        self,
        actor: Actor,
        question_id: UUID | str,
        text: str,
        *,
        idempotency_key: str | None = None,
    ) -> int:
        """Answer a question now; returns the response time in whole seconds."""

        def answer(question: Question) -> int:
            return int(question.answer(actor, text, now=self._now()).total_seconds())

        return self._app.change(
            "question.answer",
            Question,
            "question",
            question_id,
            answer,
            idempotency_key=idempotency_key,
            arguments={"actor": actor, "text": text},
        )

    def open_question_ids(self) -> list[UUID]:
        """The ids of questions neither answered nor escalated, oldest first.

        Read from the notification log, filtered by topic in the store, without decoding
        any event: a question is open until an Answered or Escalated event names it.
        """
        topics = [Question.Received.TOPIC, Question.Answered.TOPIC, Question.Escalated.TOPIC]
        open_ids: dict[UUID, None] = {}
        start = 1
        while True:
            batch = self._app.recorder.select_notifications(start, SCAN_BATCH, topics=topics)
            for notification in batch:
                question_id = UUID(str(notification.originator_id))
                if notification.topic == Question.Received.TOPIC:
                    open_ids[question_id] = None
                else:
                    open_ids.pop(question_id, None)
            if len(batch) < SCAN_BATCH:
                return list(open_ids)
            start = batch[-1].id + 1

    def overdue(self, now: datetime | None = None) -> list[UUID]:
        """The questions neither answered nor escalated yet that have waited longer than the
        escalation time at ``now`` (the clock's time by default)."""
        at = self._checked_now(now)
        return [
            question_id
            for question_id in self.open_question_ids()
            if self.get(question_id).is_overdue(at, self.escalate_after)
        ]

    def _checked_now(self, now: datetime | None) -> datetime:
        clock_now = self._now()
        if now is None:
            return clock_now
        if not isinstance(now, datetime) or now.tzinfo is None:
            raise InvalidValueError("now must be a timezone-aware datetime")
        if now > clock_now:
            raise InvalidValueError(
                f"cannot escalate as of {now.isoformat()}: the clock says {clock_now.isoformat()}"
            )
        return now

    def escalate_overdue(
        self,
        actor: Actor,
        now: datetime | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> tuple[UUID, ...]:
        """Escalate every question unanswered for longer than the escalation time, once.

        ``now`` defaults to the clock's time (a time after it is refused). Returns the ids of
        the questions escalated by this call; all of them are saved together.
        """
        authorize(actor, "question.escalate")

        def run() -> tuple[list[Question], tuple[UUID, ...]]:
            at = self._checked_now(now)
            escalated = []
            for question_id in self.open_question_ids():
                question = self.get(question_id)
                if question.is_overdue(at, self.escalate_after) and not question.escalated:
                    question.escalate(actor, now=at, after=self.escalate_after)
                    escalated.append(question)
            return escalated, tuple(q.id for q in escalated)

        result = self._app.execute(
            "question.escalate",
            run,
            idempotency_key=idempotency_key,
            arguments={"actor": actor, "now": now},
        )
        return tuple(result)


# --- reading sessions --------------------------------------------------------------------


class ReadingSessionService(_Service):
    """Schedule reading-sharing sessions, register participants, record what happened."""

    def __init__(self, app: LibOpsApplication, privacy: PersonalDataService) -> None:
        super().__init__(app)
        self._privacy = privacy

    def get(self, session_id: UUID | str) -> ReadingSession:
        """The session's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(ReadingSession, session_id, "reading session")

    def participant(self, session_id: UUID | str, subject_id: str) -> Opened:
        """A registered participant's personal data (ERASED once the subject was erased)."""
        session = self.get(session_id)
        registration = session.registration(subject_id)
        return self._privacy.open(
            registration.participant,
            aggregate_id=session.id,
            version=registration.version,
            topic=ReadingSession.Registered.TOPIC,
        )

    def schedule(
        self,
        actor: Actor,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        platform: Platform | str | None = None,
        place: str | None = None,
        description: str = "",
        campaign_id: UUID | str | None = None,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Schedule a session online (``platform``), in a ``place``, or both; returns its id."""
        arguments: dict[str, Any] = {
            "actor": actor,
            "title": title,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "capacity": capacity,
            "platform": platform,
            "place": place,
            "description": description,
            "campaign_id": _id_text(campaign_id),
        }

        def run() -> tuple[list[ReadingSession], UUID]:
            session = ReadingSession.schedule(
                actor,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
                now=self._now(),
                platform=platform,
                place=place,
                description=description,
                campaign_id=campaign_id,
            )
            if campaign_id is not None:
                self._app.load(Campaign, campaign_id, "campaign")
            return [session], session.id

        return self._app.execute(
            "reading_session.schedule", run, idempotency_key=idempotency_key, arguments=arguments
        )

    def _change(
        self,
        command: str,
        session_id: UUID | str,
        change: Callable[[ReadingSession], R],
        idempotency_key: str | None,
        arguments: dict[str, Any],
    ) -> R:
        return self._app.change(
            command,
            ReadingSession,
            "reading session",
            session_id,
            change,
            idempotency_key=idempotency_key,
            arguments=arguments,
        )

    def register(
        self,
        actor: Actor,
        session_id: UUID | str,
        *,
        participant: PersonalInfo,
        consent: Consent,
        subject_id: str | None = None,
        platform: Platform | str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Register a participant (by ``subject_id``, or their handle on ``platform``).

        Returns the participant's subject id, which attendance and contributions name.
        """
        subject = _subject(self._privacy, subject_id, platform, participant)

        def register(session: ReadingSession) -> str:
            now = self._now()
            session.check_registration(actor, subject_id=subject, now=now)
            sealed = self._privacy.seal(
                subject,
                participant,
                consent,
                aggregate_id=session.id,
                version=session.version + 1,
                topic=ReadingSession.Registered.TOPIC,
            )
            session.register(actor, sealed, now=now)
            return subject

        return self._change(
            "reading_session.register",
            session_id,
            register,
            idempotency_key,
            {"actor": actor, "subject_id": subject, "consent": consent},
        )

    def record_attendance(
        self,
        actor: Actor,
        session_id: UUID | str,
        subject_id: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Record that a registered participant was at the session."""
        self._change(
            "reading_session.record_attendance",
            session_id,
            lambda s: s.record_attendance(actor, subject_id, now=self._now()),
            idempotency_key,
            {"actor": actor, "subject_id": subject_id},
        )

    def record_contribution(
        self,
        actor: Actor,
        session_id: UUID | str,
        subject_id: str,
        text: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Record what a registered participant shared."""
        self._change(
            "reading_session.record_contribution",
            session_id,
            lambda s: s.record_contribution(actor, subject_id, text, now=self._now()),
            idempotency_key,
            {"actor": actor, "subject_id": subject_id, "text": text},
        )

    def close(
        self, actor: Actor, session_id: UUID | str, *, idempotency_key: str | None = None
    ) -> None:
        """Close a session that has started."""
        self._change(
            "reading_session.close",
            session_id,
            lambda s: s.close(actor, now=self._now()),
            idempotency_key,
            {"actor": actor},
        )

    def cancel(
        self,
        actor: Actor,
        session_id: UUID | str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Call a scheduled session off."""
        self._change(
            "reading_session.cancel",
            session_id,
            lambda s: s.cancel(actor, reason, now=self._now()),
            idempotency_key,
            {"actor": actor, "reason": reason},
        )


# --- contests ----------------------------------------------------------------------------


def seed_key_subject(contest_id: UUID) -> str:
    """The key-store subject under whose key a contest's seed waits for the draw."""
    return f"contest-seed:{contest_id}"


class ContestService(_Service):
    """Announce contests, take entries, close them with a commitment and draw verifiably."""

    def __init__(
        self, app: LibOpsApplication, privacy: PersonalDataService, keys: KeyStore
    ) -> None:
        super().__init__(app)
        self._privacy = privacy
        self._keys = keys

    # --- queries -------------------------------------------------------------------------

    def get(self, contest_id: UUID | str) -> Contest:
        """The contest's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Contest, contest_id, "contest")

    def participant(self, contest_id: UUID | str, entry_id: str) -> Opened:
        """Who made an entry (to deliver a prize); ERASED once the subject was erased."""
        contest = self.get(contest_id)
        entry = contest.entry(entry_id)
        return self._privacy.open(
            entry.participant,
            aggregate_id=contest.id,
            version=entry.version,
            topic=Contest.EntryRecorded.TOPIC,
        )

    def verify(self, contest_id: UUID | str) -> DrawVerification:
        """Redo the contest's draw from its stored events (see :func:`verify_draw`)."""
        contest = self.get(contest_id)
        return verify_draw(self._app.events.get(contest.id))

    # --- commands ------------------------------------------------------------------------

    def announce(
        self,
        actor: Actor,
        *,
        kind: ContestKind | str,
        title: str,
        rules: ContestRules | None = None,
        campaign_id: UUID | str | None = None,
        post_id: UUID | str | None = None,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Announce a contest (on a campaign or post, if given); returns its id."""
        arguments: dict[str, Any] = {
            "actor": actor,
            "kind": kind,
            "title": title,
            "rules": rules,
            "campaign_id": _id_text(campaign_id),
            "post_id": _id_text(post_id),
        }

        def run() -> tuple[list[Contest], UUID]:
            contest = Contest.announce(
                actor,
                kind=kind,
                title=title,
                rules=rules,
                campaign_id=campaign_id,
                post_id=post_id,
            )
            if campaign_id is not None:
                self._app.load(Campaign, campaign_id, "campaign")
            self._require_post(post_id)
            return [contest], contest.id

        return self._app.execute(
            "contest.announce", run, idempotency_key=idempotency_key, arguments=arguments
        )

    def _change(
        self,
        command: str,
        contest_id: UUID | str,
        change: Callable[[Contest], R],
        idempotency_key: str | None,
        arguments: dict[str, Any],
    ) -> R:
        return self._app.change(
            command,
            Contest,
            "contest",
            contest_id,
            change,
            idempotency_key=idempotency_key,
            arguments=arguments,
        )

    def state_rules(
        self,
        actor: Actor,
        contest_id: UUID | str,
        rules: ContestRules,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """State the contest's rules (only before it opens)."""
        self._change(
            "contest.state_rules",
            contest_id,
            lambda c: c.state_rules(actor, rules),
            idempotency_key,
            {"actor": actor, "rules": rules},
        )

    def open(
        self, actor: Actor, contest_id: UUID | str, *, idempotency_key: str | None = None
    ) -> None:
        """Open the contest; its rules are frozen from now on."""
        self._change(
            "contest.open",
            contest_id,
            lambda c: c.open(actor, now=self._now()),
            idempotency_key,
            {"actor": actor},
        )

    def enter(
        self,
        actor: Actor,
        contest_id: UUID | str,
        *,
        participant: PersonalInfo,
        consent: Consent,
        platform: Platform | str,
        method: EntryMethod | str,
        subject_id: str | None = None,
        entry_id: str | None = None,
        entered_at: datetime | None = None,
        answer_correct: bool | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Record a reader's entry (made now, or at ``entered_at``); returns its public id.

        ``entry_id`` is the public id shown in the list of entries and winners (for example
        the platform's id of the repost); without one, the next free ``E000001``-style id is
        given. The participant is named by ``subject_id`` or their handle on ``platform``.
        Refused entries raise an :class:`~libops.domain.errors.EntryRefusedError` subclass
        with the reason, and nothing is recorded or sealed.
        """
        subject = _subject(self._privacy, subject_id, platform, participant)

        def enter(contest: Contest) -> str:
            now = self._now()
            when = now if entered_at is None else entered_at
            public = contest.next_entry_id() if entry_id is None else entry_id
            contest.check_entry(
                actor,
                entry_id=public,
                subject_id=subject,
                platform=platform,
                method=method,
                entered_at=when,
                now=now,
                answer_correct=answer_correct,
            )
            sealed = self._privacy.seal(
                subject,
                participant,
                consent,
                aggregate_id=contest.id,
                version=contest.version + 1,
                topic=Contest.EntryRecorded.TOPIC,
            )
            contest.record_entry(
                actor,
                entry_id=public,
                participant=sealed,
                platform=platform,
                method=method,
                entered_at=when,
                now=now,
                answer_correct=answer_correct,
            )
            return public

        return self._change(
            "contest.record_entry",
            contest_id,
            enter,
            idempotency_key,
            {
                "actor": actor,
                "subject_id": subject,
                "consent": consent,
                "platform": platform,
                "method": method,
                "entry_id": entry_id,
                "entered_at": entered_at,
                "answer_correct": answer_correct,
            },
        )

    def disqualify(
        self,
        actor: Actor,
        contest_id: UUID | str,
        entry_id: str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Take an entry out of the draw, with the reason (only while the contest is open)."""
        self._change(
            "contest.disqualify",
            contest_id,
            lambda c: c.disqualify(actor, entry_id, reason),
            idempotency_key,
            {"actor": actor, "entry_id": entry_id, "reason": reason},
        )

    def close(
        self, actor: Actor, contest_id: UUID | str, *, idempotency_key: str | None = None
    ) -> str:
        """Close entries after the window; returns the seed commitment (SHA-256, hex).

        A new seed is made for the contest here and kept sealed until the draw.
        """

        def close(contest: Contest) -> str:
            now = self._now()
            contest.check_close(actor, now=now)
            seed = secrets.token_bytes(SEED_BYTES)
            commitment = seed_commitment(seed)
            sealed = self._seal_seed(contest.id, contest.version + 1, seed)
            contest.close(actor, now=now, seed_commitment=commitment, sealed_seed=sealed)
            return commitment

        return self._change("contest.close", contest_id, close, idempotency_key, {"actor": actor})

    def draw(
        self, actor: Actor, contest_id: UUID | str, *, idempotency_key: str | None = None
    ) -> tuple[str, ...]:
        """Reveal the seed and draw the winners; returns their entry ids in draw order."""

        def draw(contest: Contest) -> tuple[str, ...]:
            contest.check_draw(actor)
            return contest.draw(actor, seed=self._open_seed(contest), now=self._now())

        winners = self._change("contest.draw", contest_id, draw, idempotency_key, {"actor": actor})
        # The seed is public now: its key has nothing left to protect.
        self._keys.erase(seed_key_subject(UUID(str(contest_id))))
        return tuple(winners)

    def cancel(
        self,
        actor: Actor,
        contest_id: UUID | str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Call a contest off before it closes."""
        self._change(
            "contest.cancel",
            contest_id,
            lambda c: c.cancel(actor, reason, now=self._now()),
            idempotency_key,
            {"actor": actor, "reason": reason},
        )

    # --- the seed between close and draw -------------------------------------------------

    def _seal_seed(self, contest_id: UUID, version: int, seed: bytes) -> str:
        key = self._keys.get_or_create(seed_key_subject(contest_id))
        nonce = secrets.token_bytes(NONCE_BYTES)
        bound_to = associated_data(contest_id, version, Contest.Closed.TOPIC)
        return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, seed, bound_to)).decode()

    def _open_seed(self, contest: Contest) -> bytes:
        key = self._keys.get(seed_key_subject(contest.id))
        if key is None or not contest.sealed_seed or contest.closed_version is None:
            raise SeedUnavailableError(
                f"the seed of contest {contest.id} is not in the key store: it cannot be drawn"
            )
        sealed = base64.b64decode(contest.sealed_seed)
        bound_to = associated_data(contest.id, contest.closed_version, Contest.Closed.TOPIC)
        try:
            return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound_to)
        except InvalidTag:
            raise SeedUnavailableError(
                f"the sealed seed of contest {contest.id} does not open: it was altered"
            ) from None


# --- moderation --------------------------------------------------------------------------


class ModerationService(_Service):
    """Hide, warn, sanction, feature and reward on readers' comments; keep conduct records."""

    def __init__(self, app: LibOpsApplication, policy: ModerationPolicy) -> None:
        super().__init__(app)
        if not isinstance(policy, ModerationPolicy):
            raise InvalidValueError(f"policy must be a ModerationPolicy, not {policy!r}")
        self.policy = policy

    def record(self, subject_id: str) -> ConductRecord | None:
        """The participant's conduct record, or None if they were never moderated."""
        try:
            return self._app.load(ConductRecord, ConductRecord.id_for(subject_id), "conduct record")
        except UnknownIdError:
            return None

    def _step(
        self,
        command: str,
        actor: Actor,
        subject_id: str,
        comment: CommentRef,
        step: Callable[[ConductRecord], R],
        idempotency_key: str | None,
        arguments: dict[str, Any],
    ) -> R:
        def run() -> tuple[list[ConductRecord], R]:
            if not isinstance(comment, CommentRef):
                raise InvalidValueError(f"a comment is a CommentRef, not {comment!r}")
            post = self._require_post(comment.post_id)
            assert post is not None
            post.platform_status(comment.platform)  # the post is on that platform
            record = self.record(subject_id) or ConductRecord.start(actor, subject_id)
            return [record], step(record)

        return self._app.execute(
            command,
            run,
            idempotency_key=idempotency_key,
            arguments={
                "actor": actor,
                "subject_id": subject_id,
                "comment": comment,
                **arguments,
            },
        )

    def hide(
        self,
        actor: Actor,
        subject_id: str,
        comment: CommentRef,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Hide a participant's comment, saying why."""
        self._step(
            "conduct.hide_comment",
            actor,
            subject_id,
            comment,
            lambda r: r.hide(actor, comment, reason),
            idempotency_key,
            {"reason": reason},
        )

    def warn(
        self,
        actor: Actor,
        subject_id: str,
        comment: CommentRef,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> bool:
        """Warn a participant about a comment; True if the policy's sanction followed."""
        return self._step(
            "conduct.warn",
            actor,
            subject_id,
            comment,
            lambda r: r.warn(actor, comment, reason, policy=self.policy),
            idempotency_key,
            {"reason": reason},
        )

    def sanction(
        self,
        actor: Actor,
        subject_id: str,
        comment: CommentRef,
        reason: str,
        measure: SanctionMeasure | str = SanctionMeasure.MUTE,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Sanction a participant for a comment."""
        self._step(
            "conduct.sanction",
            actor,
            subject_id,
            comment,
            lambda r: r.sanction(actor, comment, reason, measure),
            idempotency_key,
            {"reason": reason, "measure": measure},
        )

    def feature(
        self,
        actor: Actor,
        subject_id: str,
        comment: CommentRef,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Feature a participant's comment as a good contribution."""
        self._step(
            "conduct.feature_comment",
            actor,
            subject_id,
            comment,
            lambda r: r.feature(actor, comment, reason),
            idempotency_key,
            {"reason": reason},
        )

    def reward(
        self,
        actor: Actor,
        subject_id: str,
        comment: CommentRef,
        reason: str,
        reward: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Reward a participant for a comment."""
        self._step(
            "conduct.reward",
            actor,
            subject_id,
            comment,
            lambda r: r.reward(actor, comment, reason, reward),
            idempotency_key,
            {"reason": reason, "reward": reward},
        )
