"""The demo's readers: Q&A, a reading session, a prize quiz, moderation and an erasure."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from uuid import UUID

from libops.demo.setting import METRIC_DAYS, TEAM, beijing_time
from libops.demo.simulation import Action
from libops.demo.state import QuarterState
from libops.demo.texts import (
    GIVEN_NAMES,
    QUESTIONS,
    SURNAMES,
    SURVEY_COMMENTS,
    SURVEY_TOPICS,
)
from libops.domain.errors import EntryRefusedError
from libops.domain.interaction.contest import ContestKind, ContestRules, EntryMethod, Prize
from libops.domain.interaction.moderation import CommentRef
from libops.domain.interaction.survey import QuestionKind, SurveyQuestion, SurveyTarget
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.values import Platform


class ReaderActions(QuarterState):
    """A quarter's actions with readers, and when they happen."""

    def schedule_readers(self) -> None:
        """Put the quarter's Q&A, reading session, quiz, moderation and erasure on the agenda."""
        sim, w, rng = self.sim, self.windows, random.Random(f"{self.key}:readers")
        count = max(6, len(self.plan) // 10)
        for i in range(count):
            offset = rng.randrange(self.days)
            asked = beijing_time(self.day(offset), rng.randrange(9, 22), rng.randrange(60))
            # Most answers come within the hour, some after hours; the last never does.
            delay = None if i == count - 1 else timedelta(minutes=round(rng.expovariate(1 / 90)))
            sim.at(asked, self.asker(i, delay))
        opened = beijing_time(self.day(-3), 10)  # after the quarter's campaigns are planned
        session = beijing_time(self.day(w.surge), 19)
        planned = max(
            opened, min(beijing_time(self.day(w.topic[0]), 11), session - timedelta(days=6))
        )
        sim.at(planned, self.session_scheduler(session))
        self.registrants = max(8, len(self.plan) // 15)
        for i in range(self.registrants):
            sim.at(
                planned + (session - planned) * (i + 1) / (self.registrants + 1), self.registrar(i)
            )
        sim.at(session + timedelta(minutes=5), self.session_runner)
        opens = beijing_time(self.day(max(w.surge - 1, 0)), 10)
        closes = opens + timedelta(days=3)
        announced = max(
            opened, min(beijing_time(self.day(w.topic[0]), 11, 30), opens - timedelta(hours=2))
        )
        sim.at(announced, self.contest_announcer(opens, closes))
        self.contestants = max(12, len(self.plan) // 8)
        for i in range(self.contestants):
            sim.at(opens + (closes - opens) * (i + 0.5) / self.contestants, self.contestant(i))
        sim.at(closes + timedelta(minutes=1), self.contest_closer)
        for i in range(3):
            sim.at(beijing_time(self.day(w.kol[0] + 2 * i + 1), 21, 30), self.moderator(i))
        last_day = max((p.day for p in self.plan), default=0)
        sim.at(beijing_time(self.day(last_day + max(METRIC_DAYS) + 1), 15), self.eraser)

    def reader(self, i: int) -> tuple[PersonalInfo, str]:
        """Reader ``i``'s personal details and data-subject id."""
        name = SURNAMES[i % len(SURNAMES)] + GIVEN_NAMES[(i // len(SURNAMES)) % len(GIVEN_NAMES)]
        handle = f"@reader_{self.year}q{self.index}_{i:03d}"
        subject = self.ops.privacy.subject_id_for("weibo", handle)
        return PersonalInfo(name=name, handle=handle), subject

    def consent(self, purpose: str) -> Consent:
        """The reader's consent for ``purpose``, given now."""
        return Consent(purpose=purpose, given_at=self.sim.clock.now())

    def asker(self, i: int, delay: timedelta | None) -> Action:
        """The action in which reader ``i`` asks a question (answered after ``delay``, or never)."""

        def ask() -> None:
            info, subject = self.reader(i)
            question_id = self.ops.questions.receive(
                TEAM["planner"],
                platform=Platform.WEIBO,
                text=QUESTIONS[i % len(QUESTIONS)],
                asker=info,
                subject_id=subject,
                consent=self.consent(self.say("consent_question")),
                post_id=self.latest_weibo_post,
                idempotency_key=f"{self.key}:question:{i}",
            )
            self.sim.tally.questions += 1
            self.sim.tally.participants.add(subject)
            self.questions.append(question_id)
            now = self.sim.clock.now()
            if delay is None:
                self.sim.at(now + timedelta(hours=25), self.escalate)
            else:
                self.sim.at(now + delay, self.answerer(i, question_id))

        return ask

    def answerer(self, i: int, question_id: UUID) -> Action:
        """The action that answers reader ``i``'s question."""

        def answer() -> None:
            seconds = self.ops.questions.answer(
                TEAM["planner"],
                question_id,
                f"感谢提问！详见图书馆官网第{i + 1}条说明。",
                idempotency_key=f"{self.key}:answer:{i}",
            )
            self.sim.tally.response_minutes.append(seconds / 60)

        return answer

    def escalate(self) -> None:
        """Escalate the questions left unanswered too long."""
        escalated = self.ops.questions.escalate_overdue(
            TEAM["admin"], idempotency_key=f"{self.key}:escalate"
        )
        self.sim.tally.escalated += len(escalated)

    def session_scheduler(self, starts: datetime) -> Action:
        """The action that schedules the reading session starting at ``starts``."""

        def schedule() -> None:
            self.session_id = self.ops.sessions.schedule(
                TEAM["planner"],
                title=self.say("session"),
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=self.registrants + 5,
                platform=Platform.WECHAT,
                campaign_id=self.campaigns["topic"],
                idempotency_key=f"{self.key}:session",
            )
            self.registered: list[str] = []

        return schedule

    def registrar(self, i: int) -> Action:
        """The action that registers reader ``i`` for the reading session."""

        def register() -> None:
            info, subject = self.reader(100 + i)
            self.registered.append(
                self.ops.sessions.register(
                    TEAM["planner"],
                    self.session_id,
                    participant=info,
                    subject_id=subject,
                    consent=self.consent(self.say("consent_session")),
                    idempotency_key=f"{self.key}:register:{i}",
                )
            )
            self.sim.tally.registrations += 1
            self.sim.tally.participants.add(subject)

        return register

    def session_runner(self) -> None:
        """Record who attended the session and what five of them contributed."""
        ops, planner, key = self.ops, TEAM["planner"], self.key
        attended = self.registered[: len(self.registered) * 3 // 4]
        for i, subject in enumerate(attended):
            ops.sessions.record_attendance(
                planner, self.session_id, subject, idempotency_key=f"{key}:attend:{i}"
            )
        for i, subject in enumerate(attended[:5]):
            ops.sessions.record_contribution(
                planner,
                self.session_id,
                subject,
                f"分享了一本喜欢的书（{i + 1}）",
                idempotency_key=f"{key}:contribute:{i}",
            )
        self.sim.tally.attended += len(attended)
        self.attended = attended
        self.sim.at(self.sim.clock.now() + timedelta(hours=2), self.session_closer)

    def session_closer(self) -> None:
        """Close the reading session, and ask its participants how satisfied they were."""
        self.ops.sessions.close(
            TEAM["planner"], self.session_id, idempotency_key=f"{self.key}:session:close"
        )
        self.survey_opener()

    # --- the satisfaction survey after the session (issue 17, item 1) ---------------------

    def survey_opener(self) -> None:
        """Open a named survey of the session; most participants present answer it within two
        days (answers drawn from the run's seed); it closes three days later."""
        planner, key, now = TEAM["planner"], self.key, self.sim.clock.now()
        self.survey_id = self.ops.surveys.create(
            planner,
            title=self.say("survey"),
            target=SurveyTarget.ACTIVITY,
            target_id=self.session_id,
            questions=(
                SurveyQuestion("overall", self.say("survey_overall"), QuestionKind.RATING),
                SurveyQuestion(
                    "recommend", self.say("survey_recommend"), QuestionKind.RECOMMENDATION
                ),
                SurveyQuestion(
                    "next",
                    self.say("survey_next"),
                    QuestionKind.MULTIPLE_CHOICE,
                    required=False,
                    options=SURVEY_TOPICS,
                ),
                SurveyQuestion(
                    "comment", self.say("survey_comment"), QuestionKind.FREE_TEXT, required=False
                ),
            ),
            idempotency_key=f"{key}:survey",
        )
        self.ops.surveys.open(planner, self.survey_id, idempotency_key=f"{key}:survey:open")
        rng = random.Random(f"{key}:survey")
        for i, subject in enumerate(self.attended):
            if rng.random() < 0.8:
                after = timedelta(minutes=rng.randrange(30, 2 * 24 * 60))
                self.sim.at(now + after, self.respondent(i, subject, rng.random()))
        self.sim.at(now + timedelta(days=3), self.survey_closer)

    def respondent(self, i: int, subject: str, draw: float) -> Action:
        """The action that records participant ``i``'s answers, drawn from ``draw``."""

        def respond() -> None:
            rng = random.Random(f"{self.key}:survey:{i}:{draw}")
            answers: dict[str, object] = {
                "overall": rng.choices((5, 4, 3, 2, 1), (45, 35, 12, 5, 3))[0],
                "recommend": rng.choices(range(11), (1, 1, 1, 1, 2, 3, 5, 10, 20, 26, 30))[0],
            }
            if rng.random() < 0.6:
                answers["next"] = rng.sample(SURVEY_TOPICS, rng.randrange(1, 3))
            if rng.random() < 0.3:
                answers["comment"] = rng.choice(SURVEY_COMMENTS)
            info, _subject = self.reader(100 + self.registered.index(subject))
            self.ops.surveys.record_response(
                TEAM["planner"],
                self.survey_id,
                answers=answers,
                respondent=info,
                subject_id=subject,
                consent=self.consent(self.say("consent_survey")),
                idempotency_key=f"{self.key}:survey:respond:{i}",
            )

        return respond

    def survey_closer(self) -> None:
        """Close the satisfaction survey."""
        self.ops.surveys.close(
            TEAM["planner"], self.survey_id, idempotency_key=f"{self.key}:survey:close"
        )

    def contest_announcer(self, opens: datetime, closes: datetime) -> Action:
        """The action that announces the prize quiz open from ``opens`` to ``closes``."""

        def announce() -> None:
            rules = ContestRules(
                eligibility=self.say("eligibility"),
                opens_at=opens,
                closes_at=closes,
                entry_method=EntryMethod.ANSWER,
                prizes=(Prize(self.say("prize"), 3),),
                platforms=(Platform.WEIBO,),
                entries_per_person=1,
                correct_answer_required=True,
            )
            self.contest_id = self.ops.contests.announce(
                TEAM["admin"],
                kind=ContestKind.PRIZE_QUIZ,
                title=self.say("quiz"),
                rules=rules,
                campaign_id=self.campaigns["topic"],
                idempotency_key=f"{self.key}:contest",
            )
            self.sim.tally.contests.append(self.contest_id)
            self.sim.at(opens, self.contest_opener)

        return announce

    def contest_opener(self) -> None:
        """Open the prize quiz for entries."""
        self.ops.contests.open(
            TEAM["admin"], self.contest_id, idempotency_key=f"{self.key}:contest:open"
        )

    def contestant(self, i: int) -> Action:
        """The action in which reader ``i`` enters the quiz (every fifth answers wrongly)."""

        def enter() -> None:
            info, subject = self.reader(200 + i)
            try:
                self.ops.contests.enter(
                    TEAM["planner"],
                    self.contest_id,
                    participant=info,
                    subject_id=subject,
                    consent=self.consent(self.say("consent_quiz")),
                    platform=Platform.WEIBO,
                    method=EntryMethod.ANSWER,
                    answer_correct=i % 5 != 4,
                    idempotency_key=f"{self.key}:entry:{i}",
                )
                self.sim.tally.entries += 1
                self.sim.tally.participants.add(subject)
            except EntryRefusedError:
                self.sim.tally.refused += 1  # a wrong answer: refused, nothing recorded

        return enter

    def contest_closer(self) -> None:
        """Close the quiz, draw the winners and verify the draw from the events."""
        ops, admin, key = self.ops, TEAM["admin"], self.key
        ops.contests.close(admin, self.contest_id, idempotency_key=f"{key}:contest:close")
        winners = ops.contests.draw(admin, self.contest_id, idempotency_key=f"{key}:contest:draw")
        self.sim.tally.winners += len(winners)
        self.sim.tally.draws += 1
        self.sim.tally.draws_verified += int(ops.contests.verify(self.contest_id).matches)

    def moderator(self, i: int) -> Action:
        """The action that hides and warns a troll's comment and features a helpful one."""

        def moderate() -> None:
            post_id = self.latest_weibo_post
            if post_id is None:
                return
            ops, admin, key = self.ops, TEAM["admin"], self.key
            troll = ops.privacy.subject_id_for("weibo", f"@angry_reader_{self.index}")
            comment = CommentRef(post_id, Platform.WEIBO, f"c-q{self.index}-{i}")
            ops.moderation.hide(
                admin,
                troll,
                comment,
                self.say("insult"),
                idempotency_key=f"{key}:hide:{i}",
            )
            ops.moderation.warn(
                admin,
                troll,
                comment,
                self.say("warning", n=i + 1),
                idempotency_key=f"{key}:warn:{i}",
            )
            helpful = self.reader(i)[1]
            ops.moderation.feature(
                TEAM["planner"],
                helpful,
                CommentRef(post_id, Platform.WEIBO, f"c-q{self.index}-good-{i}"),
                self.say("review"),
                idempotency_key=f"{key}:feature:{i}",
            )
            tally = self.sim.tally
            tally.moderated.update((troll, helpful))
            tally.participants.update((troll, helpful))

        return moderate

    def eraser(self) -> None:
        """Erase one reader's personal data at their request."""
        subject = self.reader(1)[1]
        self.ops.privacy.erase(TEAM["admin"], subject, self.say("erasure"))
        self.sim.tally.erasures += 1
