"""The interactions and content-quality sections as data: interactions, sameness, reuse, media
and copyright, and satisfaction surveys."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from libops.domain.values import Period


@attrs.frozen
class Interactions:
    """Interaction effectiveness (from the interactions view; Q&A and moderation are
    library-wide, contests and reading sessions those of the campaigns in scope)."""

    participants: int
    participants_by_kind: tuple[tuple[str, int], ...]
    questions: int
    answered: int
    escalated: int
    answer_rate: Decimal | None
    median_response_seconds: Decimal | None
    p90_response_seconds: int | None
    contests: int
    contest_entries: int
    disqualified: int
    sessions: int
    registrations: int
    attendance: int
    contributions: int
    moderation: tuple[tuple[str, int], ...]
    moderation_total: int
    # The quality of participation (issue 17, item 2), from the view's ``quality`` document.
    answer_lengths: tuple[tuple[str, int], ...] = ()
    contribution_lengths: tuple[tuple[str, int], ...] = ()
    median_answer_length: Decimal | None = None
    median_contribution_length: Decimal | None = None
    answered_well: int = 0
    answered_well_rate: Decimal | None = None
    returning: int = 0
    returning_share: Decimal | None = None
    contest_winners: int = 0
    # What the quality figures rest on, in the report's period (issue 17): questions received,
    # participants who took part, comments featured and readers rewarded. The quality figures
    # count only the period's events; the counts above cover the whole history.
    quality_period: Period | None = None
    quality_questions: int = 0
    quality_participants: int = 0
    featured: int = 0
    rewarded: int = 0


# --- sameness and reuse (issue 17, items 5, 6 and 9): near-duplicates, reuse, 原创 ----------


@attrs.frozen
class SimilarPairRow:
    """A post submitted in scope and the recent post the sameness check found it close to,
    by their titles now (``[redacted]`` for a redacted one), with the score (0 to 100)."""

    post: str
    similar: str
    score: int


@attrs.frozen
class Sameness:
    """What the sameness check found at review in scope (docs/sameness.md)."""

    submitted: int = 0
    near_duplicates: int = 0
    share: Decimal | None = None
    pairs: tuple[SimilarPairRow, ...] = ()


@attrs.frozen
class ReuseCostRow:
    """Production cost per post of reused or of new content, in one currency."""

    reused: bool
    currency: str
    total: Decimal
    posts: int
    per_post: Decimal


@attrs.frozen
class Reuse:
    """Posts published in scope by origin (原创 / 转载) and reuse (复用), and their cost."""

    posts: int = 0
    original: int = 0
    reposted: int = 0
    reused: int = 0
    original_ratio: Decimal | None = None
    reuse_rate: Decimal | None = None
    costs: tuple[ReuseCostRow, ...] = ()


# --- media and copyright (issue 17, item 8) and checklist items (item 9) -------------------


@attrs.frozen
class CopyrightAssetRow:
    """An asset of the media library used by posts published in scope."""

    title: str
    publishes: int
    licence_kind: str
    expires_on: date | None


@attrs.frozen
class ReviewItemRow:
    """How the reviews in scope answered one checklist item the library added."""

    label_en: str
    label_zh: str
    checked: int
    not_checked: int
    not_applicable: int


@attrs.frozen
class Copyright:
    """Copyright (版权) in scope: the assets published posts used, the licences ending within
    30 days of ``as_of``, the licence findings review raised (by kind), and the answers to
    the checklist items the library added."""

    assets: tuple[CopyrightAssetRow, ...] = ()
    expiring: tuple[CopyrightAssetRow, ...] = ()
    as_of: date | None = None
    findings: tuple[tuple[str, int], ...] = ()
    items: tuple[ReviewItemRow, ...] = ()

    @property
    def recorded(self) -> bool:
        """Whether there is anything to say."""
        return bool(self.assets or self.expiring or self.findings or self.items)


# --- satisfaction surveys (issue 17, item 1) ---------------------------------------------


@attrs.frozen
class SurveyRow:
    """One survey in the report's scope, from the surveys view: its responses and rate, CSAT,
    NPS with its 95% interval (points), and the change from the survey before it of the same
    target kind (``previous_title`` None when it is the first)."""

    title: str
    target: str
    """``activity``, ``campaign`` or ``account``."""
    day: date
    """The day the survey stands for: the end of an account survey's period, else the day it
    closed (or opened, while it is open)."""
    responses: int
    response_rate: Decimal | None
    csat: Decimal | None
    nps: Decimal | None
    nps_low: Decimal | None
    nps_high: Decimal | None
    previous_title: str | None = None
    csat_change: Decimal | None = None
    """Change of CSAT from the previous survey of the same target kind (a ratio)."""
    nps_change: Decimal | None = None
    """Change of NPS from the previous survey of the same target kind (points)."""


@attrs.frozen
class Satisfaction:
    """The satisfaction surveys in the report's scope, oldest first."""

    surveys: tuple[SurveyRow, ...] = ()

    @property
    def responses(self) -> int:
        """Every response to the surveys in scope."""
        return sum(row.responses for row in self.surveys)
