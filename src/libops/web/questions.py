"""Readers' questions (``/questions``): the inbox with each question's waiting time, the
overdue ones escalated, a question read (its opening recorded) and answered (docs/web.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.responses import Response

import libops.web.calendar as calendar
from libops.application.queries import QUESTION_STATES
from libops.domain.permissions import authorize
from libops.domain.platforms import REGISTRY
from libops.web.base import MAX_LISTED, Page, Refused, WebBase, duration_text, may, parse_id, tr


class QuestionsScreen(WebBase):
    """The readers' questions inbox and a question's page."""

    def questions(
        self, page: Page, *, message: str | None = None, error: str | None = None
    ) -> Response:
        query = page.request.query_params
        state = query.get("state") or "waiting"
        platform = calendar.check_platform(query.get("platform"))
        listed = self.ops.questions.list(
            state=state, platform=platform, limit=MAX_LISTED, cursor=query.get("cursor") or None
        )
        now = self.ops.app.clock.now()
        after = self.ops.questions.escalate_after
        rows = []
        for row in listed.items:
            asked = datetime.fromisoformat(row["asked_at"])
            answered = row.get("answered_at")
            end = now if answered is None else datetime.fromisoformat(answered)
            waited = max(end - asked, timedelta(0))
            rows.append(
                (row, asked, duration_text(page, waited), answered is None and waited > after)
            )
        return self.render(
            page,
            "questions.html",
            422 if error else 200,
            rows=rows,
            state=state,
            states=QUESTION_STATES,
            only=platform,
            publishing=[p.id for p in REGISTRY if p.publishes],
            next_cursor=listed.next_cursor,
            escalate_after=duration_text(page, after),
            may_escalate=may(page.person, "question.escalate"),
            may_answer=may(page.person, "question.answer"),
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
            message=message,
            error=error,
        )

    def escalate_questions(self, page: Page) -> Response:
        authorize(page.person, "question.escalate")
        escalated = self.ops.questions.escalate_overdue(page.person)
        return self.questions(page, message=tr(page, "questions.escalated", n=len(escalated)))

    def question(self, page: Page) -> Response:
        question_id = parse_id(page.request.path_params["question_id"], "question")
        question = self.ops.questions.get(question_id)
        text = None
        error = None
        message = None
        if page.request.method == "POST":
            action = page.form.get("action")
            if action == "read":
                opened = self.attempt(
                    lambda: self.ops.questions.text(
                        page.person, question_id, reason=page.form.get("reason", "")
                    )
                )
                if isinstance(opened, Refused):
                    error = opened.message
                else:
                    text = opened if isinstance(opened, str) else tr(page, "question.erased")
            elif action == "answer":
                answered = self.attempt(
                    lambda: self.ops.questions.answer(
                        page.person, question_id, page.form.get("answer", "")
                    )
                )
                if isinstance(answered, Refused):
                    error = answered.message
                else:
                    message = tr(page, "question.answered_done")
                    question = self.ops.questions.get(question_id)
            else:
                error = f"action is read or answer, not {action!r}"
        now = self.ops.app.clock.now()
        return self.render(
            page,
            "question.html",
            422 if error else 200,
            question=question,
            text=text,
            error=error,
            message=message,
            form=page.form,
            waited=duration_text(page, question.waited(now)),
            may_read=may(page.person, "privacy.read"),
            may_answer=may(page.person, "question.answer"),
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
        )
