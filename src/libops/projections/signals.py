"""Risk signals: what the event log shows that should open, raise or close a risk, recorded once.

Two halves, so that the exactly-once guarantees of projections carry over to the risks:

1. :class:`RiskSignalsProjection` (name ``risk_signals``) *detects*. It is an ordinary,
   deterministic projection: its handlers keep the small state each detector needs and, when
   a detector fires or its condition clears, write an *outbox* document ``outbox:<signal
   id>`` with everything needed to act on it. The signal id is built from event data only
   (``<signal>:<scope>:<n>``, the ``n``-th firing for that scope; a clearing's is
   ``<signal>:<scope>:<n>:cleared``), so a rebuild re-creates exactly the same outbox.
2. :func:`libops.application.risk_signals.dispatch_signals` *acts*, in the application layer
   (this module only finds signals; it issues no command): it opens, raises or closes a risk
   for each outbox document, once, and discards the outbox documents (see that module).

A signal's *scope* is its cause's subject: one open risk per signal and scope. The
detectors (thresholds are class attributes; a subclass with another ``name`` may change them):

- ``negative_comment_spike`` (scope: platform): comments hidden plus participants
  sanctioned (by a moderator or automatically) on one platform on one Asia/Shanghai day
  (of the events' timestamps) reach :attr:`~RiskSignalsProjection.SPIKE_MINIMUM` (5) and
  :attr:`~RiskSignalsProjection.SPIKE_FACTOR` (3) times the mean of the 7 days before. It
  fires once per episode: a run of consecutive spiking days. Clears after
  :attr:`~RiskSignalsProjection.SPIKE_QUIET_DAYS` (7) whole days with no spiking day (seen
  from the next moderation, metric snapshot or publish after them);
- ``publish_failures`` (scope: platform): :attr:`~RiskSignalsProjection.FAILURES_IN_A_ROW`
  (3) publish failures on one platform with no successful publish in between; a publish on
  that platform re-arms it. Clears after
  :attr:`~RiskSignalsProjection.PUBLISHES_TO_CLEAR` (3) successful publishes in a row there;
- ``metric_anomaly`` (scope: ``<post id>:<platform>``): a metric snapshot with a count
  whose z-score against every earlier snapshot of that count on the platform is at least
  :attr:`~RiskSignalsProjection.ANOMALY_Z` (4) in size, once the platform has
  :attr:`~RiskSignalsProjection.ANOMALY_MIN_OBSERVATIONS` (20) earlier snapshots of it. The
  standard deviation counts as at least :attr:`~RiskSignalsProjection.ANOMALY_MIN_SD` (1),
  so a count that never varied is not flagged for a difference of one. It fires once per
  episode: a later snapshot of the same post and platform within range (or a clearing)
  re-arms it; a voided snapshot (``Post.MetricsVoided``) is taken out of the platform's
  statistics. Clears after :attr:`~RiskSignalsProjection.ANOMALY_CLEAR_SNAPSHOTS` (2)
  snapshots of the post on the platform in range in a row, once a snapshot of the
  platform is observed more than :attr:`~RiskSignalsProjection.ANOMALY_QUIET_DAYS` (7)
  days after the post's last unusual one, or once the unusual snapshots are voided;
- ``personal_data_in_draft`` (scope: post id): the automatic review found personal data
  (a mobile number, an ID card number, an e-mail address) in a post submitted for review;
  a later submission without any re-arms it. Clears when the post is approved (which needs
  a submission with no personal data found) or retracted;
- ``overspend`` (scope: ``<budget id>:<category>:<campaign id or general>``): a budget
  line's committed plus spent money goes past its allocation (only spent money, with
  :attr:`~RiskSignalsProjection.OVERSPEND_COUNTS_COMMITMENTS` false); the line coming back
  within its allocation re-arms it and clears it;
- ``homogeneous_content`` (scope: ``posts``; a market risk): of the posts submitted for
  review in an Asia/Shanghai month, the share the sameness check found close to a recent
  post (docs/sameness.md) reaches :attr:`~RiskSignalsProjection.SAMENESS_SHARE` (1/4), with
  at least :attr:`~RiskSignalsProjection.SAMENESS_MIN_POSTS` (4) posts. Clears when the
  share, with at least that many posts in the month, is below it again.

- ``brief_overdue`` (scope: brief id; issue 17): a content brief that is planned or in
  production is past its due day (plus :attr:`~RiskSignalsProjection.BRIEF_GRACE_DAYS`, 0)
  by the Asia/Shanghai day of the next event the projection sees of a brief, a drafted
  post, a publish or a metric snapshot. It opens a low market risk (a gap in the calendar
  readers will notice: likelihood 2, impact 2). Clears when the brief is drafted, dropped,
  or replanned to a day not yet past.

A clearing is written only while the scope has an open risk (one a firing opened and no one
closed yet); the scope then has none, and its next firing opens a new risk.

Documents:

- ``outbox:<signal id>``: a signal waiting to be dispatched. A firing (``"kind":
  "fired"``; documents from before clearings existed have no ``kind``): ``{"signal_id",
  "kind", "signal", "scope", "sequence", "action" ("identify" or "update"), "opened_by"
  (for "update": the signal id whose risk is still open for the scope), "title",
  "category", "likelihood", "impact", "description", "campaign_id", "post_id",
  "fired_at"}``. A clearing (``"kind": "cleared"``): ``{"signal_id", "kind", "signal",
  "scope", "sequence", "action" ("close"), "opened_by" (the firing whose risk to close),
  "risk_id" (that risk, if this view saw it opened, else null), "firings" (the scope's
  firings so far), "reason", "cleared_at"}``;
- ``sequence``: how many outbox documents were written so far (the outbox's order);
- ``scope:<signal>:<scope>``: ``{"firings", "opened_by", "risk_id"}``: how often the signal
  fired for the scope, and the open risk it opened (both null when none is open);
- ``risk:<risk id>``: ``{"signal", "scope"}`` for each open risk a signal opened (its
  ``Risk.Identified`` description ends with ``Signal: <signal id>.``; removed when closed);
- detector state: ``comments:<platform>`` (``{"days": {day: count}}`` for at most 8 days,
  ``"last_spike_day"``), ``spikes_to_clear`` (``{platform: last spiking day}`` for the
  spikes waiting for their quiet period), ``failures:<platform>`` (``{"in_a_row",
  "published_in_a_row"}``), ``metrics:<platform>`` (``{"counts": {count: [n, sum, sum of
  squares]}, "anomalous": [post ids], "watch": {post id: {"in_range": [observed at],
  "outliers": [observed at], "last"}}}``: exact integers, so nothing drifts with rounding,
  the posts in an episode, and the posts whose unusual metrics wait to clear, the oldest
  wait first), ``drafts_with_personal_data`` (the ids of the posts in an episode; these
  lists keep the latest :attr:`~RiskSignalsProjection.EPISODES_KEPT`), ``budget:<budget
  id>`` (``{"name"}``), ``line:<budget id>:<category>:<campaign id or general>``
  (``{"allocated", "committed", "spent"}`` as Decimal text, and ``"over"``),
  ``brief:<brief id>`` (``{"title", "campaign_id", "due", "assignee", "status",
  "overdue"}`` while the brief is not drafted or dropped), ``briefs_due`` (``{brief id: due
  day}`` of the planned briefs not yet overdue) and
  ``commitment:<budget id>:<reference>`` (its line and the amount still outstanding;
  removed once released or invoiced in full), ``sameness`` (``{"month", "posts": {post
  id: 1 if its latest submission had a similar post else 0}, "firing"}`` for the current
  month only).

None of the state grows with the number of events: it follows the platforms, the budget
lines, the open commitments and episodes, the scopes that fired and the outbox.

The projection is built from modules by responsibility: :mod:`~libops.projections.signals_rules`
(the names, keys and shared rules), :mod:`~libops.projections.signals_outbox` (thresholds,
ratings, the outbox and the risks the signals opened), then one class per group of detectors,
each built on the one before (a projection collects the handlers of its class and its base):
:mod:`~libops.projections.signals_briefs`, :mod:`~libops.projections.signals_budget`,
:mod:`~libops.projections.signals_review` and :mod:`~libops.projections.signals_platforms`.
Every name is importable from this module, as before.
"""

from __future__ import annotations

from libops.domain.bulk import MetricImport
from libops.projections.signals_platforms import PlatformSignals
from libops.projections.signals_rules import (
    BRIEF_OVERDUE,
    BRIEFS_DUE,
    CLEARED,
    CLEARED_SUFFIX,
    DRAFTS,
    FIRED,
    HOMOGENEOUS_CONTENT,
    KEY_PREFIX,
    METRIC_ANOMALY,
    NAME,
    NEGATIVE_COMMENT_SPIKE,
    OUTBOX,
    OVERSPEND,
    PERSONAL_DATA_IN_DRAFT,
    PUBLISH_FAILURES,
    SAMENESS,
    SPIKES,
    TRAILER,
    ZONE,
    signal_id_in,
    signal_key,
    signal_parts,
)


class RiskSignalsProjection(PlatformSignals):
    """Detect the standard risk signals and keep the outbox that the dispatch reads.

    The dispatch is :func:`libops.application.risk_signals.dispatch_signals`.
    """

    name = NAME
    expands = (MetricImport.BatchRecorded,)  # a bulk import's rows, as snapshot events
    apply_cost = 0.42  # measured: see Projection.apply_cost


__all__ = [
    "BRIEFS_DUE",
    "BRIEF_OVERDUE",
    "CLEARED",
    "CLEARED_SUFFIX",
    "DRAFTS",
    "FIRED",
    "HOMOGENEOUS_CONTENT",
    "KEY_PREFIX",
    "METRIC_ANOMALY",
    "NAME",
    "NEGATIVE_COMMENT_SPIKE",
    "OUTBOX",
    "OVERSPEND",
    "PERSONAL_DATA_IN_DRAFT",
    "PUBLISH_FAILURES",
    "SAMENESS",
    "SPIKES",
    "TRAILER",
    "ZONE",
    "RiskSignalsProjection",
    "signal_id_in",
    "signal_key",
    "signal_parts",
]
