"""Notifications: the events a team wants to be told about, written to an outbox once each.

:class:`NotificationsProjection` (name ``notifications``) is an ordinary, deterministic
projection. For each event that means one of the :data:`KINDS` it writes an outbox document
``outbox:<notification id>``; :mod:`libops.application.notifications` sends each to the
subscribed endpoints and discards it once delivered (the outbox pattern of
:mod:`libops.projections.signals`).

The notification id is ``<kind>:<aggregate id>:<version>``: built from the event alone, so a
rebuild writes exactly the same outbox, and a receiver told the same notification twice (at
least once means it can be) sees the same id and drops the repeat.

=====================  =====================================================================
kind                   the event
=====================  =====================================================================
review_requested       ``Post.SubmittedForReview``
post_published         ``Post.Published``
post_publish_failed    ``Post.PublishFailed``
question_overdue       ``Question.Escalated`` (the question waited past its escalation time)
risk_escalated         ``Risk.Escalated`` (the risk's score reached its threshold)
budget_override        ``Budget.Committed`` or ``Budget.ExpenseRecorded`` with an override
erasure_completed      ``DataSubject.Erased`` (the subject's key is gone)
take_down_needed       ``Post.TakeDownRequested`` left to staff, or ``Post.TakeDownFailed``
                       not retryable: a retracted post is still live, staff must take it down
=====================  =====================================================================

An outbox document: ``{"id", "kind", "sequence", "occurred_at" (the event's time, ISO 8601),
"subject": {"kind", "id", ...}, "path", "facts": {...}}``. The subject and the facts hold no
personal data: a data subject appears by its pseudonymous id only, and no text a person
wrote (a question, a post's body, a reason) is copied. ``sequence`` counts the documents
written (the outbox's order).

:func:`public_notification` turns an outbox document into what receivers get, with a title
and a summary in plain words in English or Chinese (:data:`TEXTS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from libops.domain.budget import Budget
from libops.domain.errors import InvalidValueError
from libops.domain.interaction.qa import Question
from libops.domain.personal import DataSubject
from libops.domain.post import Post
from libops.domain.risk import Risk
from libops.projections.views import Projection, View, handles, uuid_text

NAME: Final = "notifications"
"""The name of the notifications projection."""

OUTBOX: Final = "outbox:"
"""The key prefix of the notifications waiting to be delivered."""

SEQUENCE: Final = "sequence"
"""The key of the count of outbox documents written so far."""

REVIEW_REQUESTED: Final = "review_requested"
POST_PUBLISHED: Final = "post_published"
POST_PUBLISH_FAILED: Final = "post_publish_failed"
QUESTION_OVERDUE: Final = "question_overdue"
RISK_ESCALATED: Final = "risk_escalated"
BUDGET_OVERRIDE: Final = "budget_override"
ERASURE_COMPLETED: Final = "erasure_completed"
TAKE_DOWN_NEEDED: Final = "take_down_needed"  # issue 11 item 2: a take-down for staff

KINDS: Final[tuple[str, ...]] = (
    REVIEW_REQUESTED,
    POST_PUBLISHED,
    POST_PUBLISH_FAILED,
    QUESTION_OVERDUE,
    RISK_ESCALATED,
    BUDGET_OVERRIDE,
    ERASURE_COMPLETED,
    TAKE_DOWN_NEEDED,
)
"""Every kind of notification, in the order the docs list them."""

LANGUAGES: Final = ("en", "zh")
"""The languages notifications are worded in."""

TEXTS: Final[Mapping[str, Mapping[str, tuple[str, str]]]] = {
    "en": {
        REVIEW_REQUESTED: (
            "Review requested",
            "A post was submitted for review ({findings} automatic findings).",
        ),
        POST_PUBLISHED: ("Post published", "A post was published on {platform}."),
        POST_PUBLISH_FAILED: (
            "Publishing failed",
            "Publishing a post on {platform} failed ({retry}): {error}",
        ),
        QUESTION_OVERDUE: (
            "Question overdue",
            "A reader's question on {platform} has waited {hours} hours without an answer.",
        ),
        RISK_ESCALATED: (
            "Risk escalated",
            "A risk reached a score of {score} ({level}; threshold {threshold}).",
        ),
        BUDGET_OVERRIDE: (
            "Budget override",
            "{amount} {currency} was {action} on the {category} line past its allocation, "
            "on an override (reference {reference}).",
        ),
        ERASURE_COMPLETED: (
            "Erasure completed",
            "The personal data of subject {subject} was erased: its key is destroyed.",
        ),
        TAKE_DOWN_NEEDED: (
            "Take-down needed",
            "A retracted post is still live on {platform} and libops cannot take it down: "
            "delete it there by hand, then confirm it.",
        ),
    },
    "zh": {
        REVIEW_REQUESTED: ("待审核", "一篇帖子已提交审核（自动检查发现 {findings} 处问题）。"),
        POST_PUBLISHED: ("帖子已发布", "一篇帖子已在 {platform} 发布。"),
        POST_PUBLISH_FAILED: ("发布失败", "在 {platform} 发布帖子失败（{retry}）：{error}"),
        QUESTION_OVERDUE: (
            "读者提问超时",
            "{platform} 上的一条读者提问已等待 {hours} 小时仍未回复。",
        ),
        RISK_ESCALATED: ("风险升级", "一项风险的评分达到 {score}（{level}；阈值 {threshold}）。"),
        BUDGET_OVERRIDE: (
            "预算超支审批",
            "{category} 预算项经特批{action} {amount} {currency}，超出分配额（编号 {reference}）。",
        ),
        ERASURE_COMPLETED: ("个人数据已删除", "主体 {subject} 的个人数据已删除：其密钥已销毁。"),
        TAKE_DOWN_NEEDED: (
            "需要手动删除",
            "一篇已撤回的帖子仍在 {platform} 上可见，libops 无法自动删除："
            "请在该平台手动删除后确认。",
        ),
    },
}
"""Each kind's title and summary, by language; the summary's fields are the facts."""

WORDS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "retryable": "will be retried",
        "final": "not retryable",
        "committed": "committed",
        "spent": "spent",
        "low": "low",
        "medium": "medium",
        "high": "high",
        "critical": "critical",
    },
    "zh": {
        "retryable": "可重试",
        "final": "不可重试",
        "committed": "承诺支出",
        "spent": "支出",
        "low": "低",
        "medium": "中",
        "high": "高",
        "critical": "严重",
    },
}
"""The words a summary's facts are shown as, by language."""


def notification_kind(text: object) -> str:
    """The kind of notification ``text`` names (``-`` for ``_`` is fine), else an error."""
    if not isinstance(text, str):
        raise InvalidValueError(f"a notification kind is text, not {type(text).__name__}")
    kind = text.strip().lower().replace("-", "_")
    if kind not in KINDS:
        raise InvalidValueError(
            f"{text!r} is not a kind of notification; one of {', '.join(KINDS)}"
        )
    return kind


def notification_id(kind: str, aggregate_id: object, version: int) -> str:
    """The id of the notification of ``kind`` that an aggregate's event ``version`` made."""
    return f"{kind}:{aggregate_id}:{version}"


class NotificationsProjection(Projection):
    """Write an outbox document for each event a team is notified of (module docstring)."""

    name = NAME
    apply_cost = 0.3

    def _notify(
        self,
        view: View,
        kind: str,
        event: Any,
        subject: dict[str, Any],
        path: str,
        facts: dict[str, Any],
    ) -> None:
        sequence = int(view.get(SEQUENCE, 0)) + 1
        view.put(SEQUENCE, sequence)
        nid = notification_id(kind, uuid_text(event.originator_id), event.originator_version)
        view.put(
            OUTBOX + nid,
            {
                "id": nid,
                "kind": kind,
                "sequence": sequence,
                "occurred_at": event.timestamp.isoformat(),
                "subject": subject,
                "path": path,
                "facts": facts,
            },
        )

    @staticmethod
    def _post(event: Any) -> tuple[dict[str, Any], str]:
        post_id = uuid_text(event.originator_id)
        campaign = event.campaign_id
        subject = {
            "kind": "post",
            "id": post_id,
            "campaign_id": None if campaign is None else uuid_text(campaign),
        }
        return subject, f"/v1/aggregates/post/{post_id}"

    @handles(Post.SubmittedForReview)
    def review_requested(self, event: Post.SubmittedForReview, view: View) -> None:
        subject, path = self._post(event)
        self._notify(
            view, REVIEW_REQUESTED, event, subject, path, {"findings": len(event.findings)}
        )

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        subject, path = self._post(event)
        receipt = event.receipt
        facts = {
            "platform": receipt.platform.value,
            "url": receipt.url,
            "published_at": receipt.published_at.isoformat(),
        }
        self._notify(view, POST_PUBLISHED, event, subject, path, facts)

    @handles(Post.PublishFailed)
    def publish_failed(self, event: Post.PublishFailed, view: View) -> None:
        subject, path = self._post(event)
        facts = {
            "platform": event.platform.value,
            "error": event.error,
            "retryable": event.retryable,
            "failed_at": event.at.isoformat(),
        }
        self._notify(view, POST_PUBLISH_FAILED, event, subject, path, facts)

    @handles(Post.TakeDownRequested, Post.TakeDownFailed)
    def take_down_needed(
        self, event: Post.TakeDownRequested | Post.TakeDownFailed, view: View
    ) -> None:
        """A take-down left to staff: none could be done through a gateway, or the platform
        refused it for good."""
        if isinstance(event, Post.TakeDownRequested):
            if not event.by_hand:
                return
            reason = event.reason
        else:
            if event.retryable:
                return
            reason = f"the platform refused: {event.error}"
        subject, path = self._post(event)
        facts = {"platform": event.platform.value, "reason": reason}
        self._notify(view, TAKE_DOWN_NEEDED, event, subject, path, facts)

    @handles(Question.Received)
    def question_received(self, event: Question.Received, view: View) -> None:
        # Kept so that an overdue notification can name the platform (never the text).
        view.put(f"question:{uuid_text(event.originator_id)}", {"platform": event.platform.value})

    @handles(Question.Answered)
    def question_answered(self, event: Question.Answered, view: View) -> None:
        view.delete(f"question:{uuid_text(event.originator_id)}")

    @handles(Question.Escalated)
    def question_overdue(self, event: Question.Escalated, view: View) -> None:
        question_id = uuid_text(event.originator_id)
        known = view.get(f"question:{question_id}") or {}
        facts = {
            "platform": known.get("platform"),
            "waited_seconds": event.waited_seconds,
            "threshold_seconds": event.threshold_seconds,
            "escalated_at": event.at.isoformat(),
        }
        self._notify(
            view,
            QUESTION_OVERDUE,
            event,
            {"kind": "question", "id": question_id},
            f"/v1/aggregates/question/{question_id}",
            facts,
        )

    @handles(Risk.Escalated)
    def risk_escalated(self, event: Risk.Escalated, view: View) -> None:
        risk_id = uuid_text(event.originator_id)
        facts = {"score": event.score, "level": event.level.value, "threshold": event.threshold}
        self._notify(
            view,
            RISK_ESCALATED,
            event,
            {"kind": "risk", "id": risk_id},
            f"/v1/aggregates/risk/{risk_id}",
            facts,
        )

    @handles(Budget.Committed, Budget.ExpenseRecorded)
    def budget_override(self, event: Budget.Committed | Budget.ExpenseRecorded, view: View) -> None:
        if event.override_approver_id is None:
            return
        budget_id = uuid_text(event.originator_id)
        if isinstance(event, Budget.Committed):
            action, reference = "committed", event.reference
        else:
            action, reference = "spent", event.invoice_reference
        campaign = event.campaign_id
        facts = {
            "action": action,
            "reference": reference,
            "category": event.category.value,
            "campaign_id": None if campaign is None else uuid_text(campaign),
            "amount": str(event.amount.amount),
            "currency": event.amount.currency,
        }
        self._notify(
            view,
            BUDGET_OVERRIDE,
            event,
            {"kind": "budget", "id": budget_id},
            f"/v1/aggregates/budget/{budget_id}",
            facts,
        )

    @handles(DataSubject.Erased)
    def erased(self, event: DataSubject.Erased, view: View) -> None:
        subject_id = event.subject_id
        self._notify(
            view,
            ERASURE_COMPLETED,
            event,
            {"kind": "data_subject", "id": subject_id},
            "/v1/feed?kinds=data_subject",
            {"subject": subject_id, "erased_at": event.at.isoformat()},
        )


def _words(language: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of ``doc`` as a summary shows them in ``language``."""
    facts = dict(doc.get("facts") or {})
    words = WORDS[language]
    kind = doc["kind"]
    if kind == POST_PUBLISH_FAILED:
        facts["retry"] = words["retryable" if facts.get("retryable") else "final"]
    elif kind == QUESTION_OVERDUE:
        facts["hours"] = f"{int(facts.get('waited_seconds', 0)) / 3600:.1f}"
        facts["platform"] = facts.get("platform") or "?"
    elif kind == RISK_ESCALATED:
        facts["level"] = words.get(str(facts.get("level")), facts.get("level"))
    elif kind == BUDGET_OVERRIDE:
        facts["action"] = words.get(str(facts.get("action")), facts.get("action"))
    return facts


def absolute_link(path: str, base_url: str | None) -> str:
    """``path`` made absolute with ``base_url`` (``https://ops.example.org``), if given."""
    if not base_url:
        return path
    return base_url.rstrip("/") + path


def public_notification(
    doc: Mapping[str, Any], *, language: str = "en", base_url: str | None = None
) -> dict[str, Any]:
    """What receivers get for the outbox document ``doc`` (docs/notifications.md):
    ``{"id", "kind", "occurred_at", "title", "summary", "language", "subject", "link",
    "facts"}``."""
    if language not in LANGUAGES:
        raise InvalidValueError(f"language is one of {', '.join(LANGUAGES)}, not {language!r}")
    kind = doc["kind"]
    title, summary = TEXTS[language][kind]
    return {
        "id": doc["id"],
        "kind": kind,
        "occurred_at": doc["occurred_at"],
        "title": title,
        "summary": summary.format(**_words(language, doc)),
        "language": language,
        "subject": dict(doc["subject"]),
        "link": absolute_link(quote(doc["path"], safe="/?=&:"), base_url),
        "facts": dict(doc.get("facts") or {}),
    }


TEST_TEXTS: Final[Mapping[str, tuple[str, str]]] = {
    "en": ("Test notification", "libops can reach this endpoint."),
    "zh": ("测试通知", "libops 可以连通此端点。"),
}
"""The title and summary of a test notification, by language."""


def trial_notification(
    notification_id: str, occurred_at: str, *, language: str = "en", base_url: str | None = None
) -> dict[str, Any]:
    """A notification of kind ``test`` (``libops webhooks test``): the same shape as the
    others, about nothing."""
    if language not in LANGUAGES:
        raise InvalidValueError(f"language is one of {', '.join(LANGUAGES)}, not {language!r}")
    title, summary = TEST_TEXTS[language]
    return {
        "id": notification_id,
        "kind": "test",
        "occurred_at": occurred_at,
        "title": title,
        "summary": summary,
        "language": language,
        "subject": {"kind": "test", "id": notification_id},
        "link": absolute_link("/healthz", base_url),
        "facts": {},
    }
