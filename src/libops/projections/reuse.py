"""Where posts come from and what they cost: original (原创) or reposted (转载), reused (复用)
or new, production cost per post, and what the sameness check found at review.

Documents (name ``reuse``; see docs/reuse.md and docs/sameness.md):

- ``post:<post id>``: ``{"campaign_id", "origin" ("original" until declared otherwise),
  "derived_from" (the post it was made from, or null), "published_day" (the first day,
  Asia/Shanghai, it went out on any platform, or null), "retracted", "costs" ({currency:
  decimal text}: the expenses recorded against it), "submitted_day" (of its latest
  submission for review, or null), "similar" ([[post id, score], ...]: the ``similar_post``
  findings of that submission, the most similar first)}``.

No post text is kept: titles and bodies are sealed in the store (the report opens the titles
it names). :func:`reuse_figures` and :func:`sameness_figures` sum the documents for a period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import attrs

from libops.domain.budget import Budget
from libops.domain.post import ORIGINAL, REPOSTED, Post
from libops.domain.values import FindingKind, Period
from libops.projections.views import Projection, View, handles, local_day, uuid_text

NAME: Final = "reuse"
"""The name of the reuse projection."""

_PLACES: Final = Decimal("0.0001")
_MONEY: Final = Decimal("0.01")


def _new(campaign_id: object) -> dict[str, Any]:
    return {
        "campaign_id": None if campaign_id is None else str(campaign_id),
        "origin": ORIGINAL,
        "derived_from": None,
        "published_day": None,
        "retracted": False,
        "costs": {},
        "submitted_day": None,
        "similar": [],
    }


class ReuseProjection(Projection):
    """Each post's origin, the post it was made from, its production cost, when it went out,
    and the near-duplicates found when it was last submitted (see the module)."""

    name = NAME
    apply_cost = 0.3

    def _post(self, view: View, post_id: object, campaign_id: object = None) -> dict[str, Any]:
        doc: dict[str, Any] = view.get(f"post:{post_id}") or _new(campaign_id)
        return doc

    @handles(Post.Drafted)
    def drafted(self, event: Post.Drafted, view: View) -> None:
        view.put(f"post:{uuid_text(event.originator_id)}", _new(event.campaign_id))

    @handles(Post.OriginDeclared)
    def origin_declared(self, event: Post.OriginDeclared, view: View) -> None:
        doc = self._post(view, event.originator_id, event.campaign_id)
        doc["origin"] = event.origin
        doc["derived_from"] = None if event.derived_from is None else str(event.derived_from)
        view.put(f"post:{uuid_text(event.originator_id)}", doc)

    @handles(Post.SubmittedForReview)
    def submitted(self, event: Post.SubmittedForReview, view: View) -> None:
        doc = self._post(view, event.originator_id, event.campaign_id)
        doc["submitted_day"] = local_day(event.timestamp)
        doc["similar"] = [
            [f.where.removeprefix("post:"), int(f.excerpt)]
            for f in tuple(event.findings)
            if f.kind is FindingKind.SIMILAR_POST
        ]
        view.put(f"post:{uuid_text(event.originator_id)}", doc)

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        doc = self._post(view, event.originator_id, event.campaign_id)
        day = local_day(event.receipt.published_at)
        if doc["published_day"] is None or day < doc["published_day"]:
            doc["published_day"] = day
        view.put(f"post:{uuid_text(event.originator_id)}", doc)

    @handles(Post.Retracted)
    def retracted(self, event: Post.Retracted, view: View) -> None:
        doc = self._post(view, event.originator_id, event.campaign_id)
        doc["retracted"] = True
        view.put(f"post:{uuid_text(event.originator_id)}", doc)

    @handles(Budget.ExpenseRecorded)
    def expense(self, event: Budget.ExpenseRecorded, view: View) -> None:
        post_id = getattr(event, "post_id", None)
        if post_id is None:
            return
        doc = self._post(view, post_id)
        currency = event.amount.currency
        spent = Decimal(doc["costs"].get(currency, "0")) + event.amount.amount
        doc["costs"][currency] = str(spent)
        view.put(f"post:{post_id}", doc)


# --- figures for a period ----------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(_PLACES, ROUND_HALF_UP)


@attrs.frozen
class CostPerPost:
    """Production cost of a group of posts in one currency: the total, the posts counted
    (all the group's posts in scope, costed or not) and the cost per post."""

    currency: str
    total: Decimal
    posts: int

    @property
    def per_post(self) -> Decimal:
        return (self.total / self.posts).quantize(_MONEY, ROUND_HALF_UP)


@attrs.frozen
class ReuseFigures:
    """Posts published in scope by where they come from, and what they cost to make."""

    posts: int = 0
    original: int = 0
    reposted: int = 0
    reused: int = 0
    reused_cost: tuple[CostPerPost, ...] = ()
    new_cost: tuple[CostPerPost, ...] = ()

    @property
    def reuse_rate(self) -> Decimal | None:
        """Reused posts / all posts (None when there are none)."""
        return _rate(self.reused, self.posts)

    @property
    def original_ratio(self) -> Decimal | None:
        """Original posts / all posts (原创内容占比; None when there are none)."""
        return _rate(self.original, self.posts)


def _in_scope(day: str | None, period: Period | None) -> bool:
    return day is not None and (period is None or date.fromisoformat(day) in period)


def _posts(view: Mapping[str, Any], campaign: str | None) -> Iterable[tuple[str, dict[str, Any]]]:
    for key, doc in view.items():
        if key.startswith("post:") and (campaign is None or doc.get("campaign_id") == campaign):
            yield key.removeprefix("post:"), doc


def _costs(docs: list[dict[str, Any]]) -> tuple[CostPerPost, ...]:
    totals: dict[str, Decimal] = {}
    for doc in docs:
        for currency, amount in doc["costs"].items():
            totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
    return tuple(CostPerPost(c, totals[c], len(docs)) for c in sorted(totals))


def reuse_figures(
    view: Mapping[str, Any], period: Period | None = None, campaign: str | None = None
) -> ReuseFigures:
    """Posts published in ``period`` (by their first publishing day; all when None), of
    ``campaign`` if given, not retracted: how many are original, reposted and reused, and
    the cost per post of reused and of new (not reused) content."""
    docs = [
        doc
        for _, doc in _posts(view, campaign)
        if not doc["retracted"] and _in_scope(doc["published_day"], period)
    ]
    reused = [d for d in docs if d["derived_from"] is not None]
    new = [d for d in docs if d["derived_from"] is None]
    return ReuseFigures(
        posts=len(docs),
        original=sum(1 for d in docs if d["origin"] == ORIGINAL),
        reposted=sum(1 for d in docs if d["origin"] == REPOSTED),
        reused=len(reused),
        reused_cost=_costs(reused),
        new_cost=_costs(new),
    )


@attrs.frozen
class SimilarPair:
    """A post submitted in scope and the recent post the sameness check found it close to."""

    post_id: str
    similar_id: str
    score: int


@attrs.frozen
class SamenessFigures:
    """Posts submitted for review in scope (by their latest submission), the near-duplicates
    among them, and the most similar pairs."""

    submitted: int = 0
    near_duplicates: int = 0
    pairs: tuple[SimilarPair, ...] = ()

    @property
    def share(self) -> Decimal | None:
        """Near-duplicates / posts submitted (None when none was submitted)."""
        return _rate(self.near_duplicates, self.submitted)


def sameness_figures(
    view: Mapping[str, Any],
    period: Period | None = None,
    campaign: str | None = None,
    *,
    pairs: int = 5,
) -> SamenessFigures:
    """What the sameness check found for the posts submitted for review in ``period`` (by
    their latest submission's day), of ``campaign`` if given: at most ``pairs`` pairs, the
    highest score first."""
    docs = [
        (post_id, doc)
        for post_id, doc in _posts(view, campaign)
        if _in_scope(doc["submitted_day"], period)
    ]
    found = [
        SimilarPair(post_id, str(similar), int(score))
        for post_id, doc in docs
        for similar, score in doc["similar"][:1]
    ]
    found.sort(key=lambda p: (-p.score, p.post_id))
    return SamenessFigures(
        submitted=len(docs),
        near_duplicates=sum(1 for _, doc in docs if doc["similar"]),
        pairs=tuple(found[:pairs]),
    )
