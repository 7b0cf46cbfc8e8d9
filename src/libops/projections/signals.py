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
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, ClassVar, Final
from uuid import UUID
from zoneinfo import ZoneInfo

from libops.domain.brief import ContentBrief
from libops.domain.budget import Budget
from libops.domain.bulk import MetricImport
from libops.domain.cadence import DEFAULT_TIMEZONE
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.post import Post
from libops.domain.review import PERSONAL_DATA
from libops.domain.risk import STANDARD_SIGNALS, Risk, signal_source
from libops.domain.values import FindingKind, MetricSnapshot
from libops.projections.views import Projection, View, handles, uuid_text

NAME: Final = "risk_signals"
"""The name of the standard risk-signals projection."""

(
    NEGATIVE_COMMENT_SPIKE,
    PUBLISH_FAILURES,
    METRIC_ANOMALY,
    PERSONAL_DATA_IN_DRAFT,
    OVERSPEND,
    HOMOGENEOUS_CONTENT,
    BRIEF_OVERDUE,  # a content brief past its due day, not drafted or dropped (issue 17)
) = STANDARD_SIGNALS

KEY_PREFIX: Final = "signal:"
"""A signal's idempotency key is this followed by its signal id."""

TRAILER: Final = "Signal: "
"""The last line of a signal's description: this, the signal id and a full stop."""

OUTBOX: Final = "outbox:"
"""The key prefix of the signals waiting to be dispatched."""

SAMENESS: Final = "sameness"
"""The key of the sameness detector's state."""

DRAFTS: Final = "drafts_with_personal_data"
"""The key of the ids of the posts in a personal-data episode."""

SPIKES: Final = "spikes_to_clear"
"""The key of the platforms whose comment spike waits for a quiet period, with the last
spiking day of each."""

FIRED: Final = "fired"
"""The ``kind`` of an outbox document that opens or raises a risk."""

CLEARED: Final = "cleared"
"""The ``kind`` of an outbox document that closes a risk because its condition cleared."""

CLEARED_SUFFIX: Final = ":cleared"
"""A clearing's signal id is ``<signal>:<scope>:<n>`` followed by this (``n``: the firings of
the scope so far), so it never equals a firing's id."""

ZONE: Final = ZoneInfo(DEFAULT_TIMEZONE)
_EXACT: Final = Context(prec=200)
_SHOWN: Final = Context(prec=28)
_WINDOW: Final = 7
"""Days before the day judged that the comment spike compares with."""


BRIEFS_DUE: Final = "briefs_due"
"""The key of the planned briefs not yet overdue, with their due days."""


def _far_out(value: int, n: int, total: int, squares: int, weights: tuple[int, int, int]) -> bool:
    """Whether |z| >= Z for ``value`` against n earlier values summing to ``total`` (squares
    summing to ``squares``), in whole numbers: no rounding, and fast.

    With d = n x - S and V = n (n Q - S^2), |z| >= Z with sd at least f is
    d^2 (n - 1) >= Z^2 max(V, n^2 (n - 1) f^2); Z and f are fractions zn/zd, fn/fd, so
    d^2 (n - 1) zd^2 fd^2 >= max(zn^2 fd^2 V, zn^2 fn^2 n^2 (n - 1)); ``weights`` are
    (zd^2 fd^2, zn^2 fd^2, zn^2 fn^2).
    """
    far, spread_weight, least_weight = weights
    deviation = n * value - total
    return deviation * deviation * (n - 1) * far >= max(
        spread_weight * n * (n * squares - total * total), least_weight * n * n * (n - 1)
    )


def signal_id_in(description: str) -> str | None:
    """The signal id a signal's risk description ends with (``Signal: <id>.``), if any."""
    last = description.rpartition("\n")[2]
    if not last.startswith(TRAILER) or not last.endswith("."):
        return None
    return last[len(TRAILER) : -1] or None


def signal_parts(signal_id: str) -> tuple[str, str, int] | None:
    """The signal, scope and firing number of a firing's signal id
    (``<signal>:<scope>:<n>``), or None if ``signal_id`` is not one."""
    signal, _, rest = signal_id.partition(":")
    scope, _, number = rest.rpartition(":")
    if not signal or not scope or not number.isdigit() or number.startswith("0"):
        return None
    return signal, scope, int(number)


def signal_key(signal_id: str) -> str:
    """The idempotency key a signal's dispatch uses."""
    return KEY_PREFIX + signal_id


def _optional_uuid(text: str | None) -> UUID | None:
    return None if text is None else UUID(text)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


def _money(value: Decimal) -> str:
    return str(value)


def _one_place(value: Fraction) -> str:
    """``value`` as Decimal text with one decimal place (deterministic, for descriptions)."""
    shown = _SHOWN.divide(Decimal(value.numerator), Decimal(value.denominator))
    return str(shown.quantize(Decimal("0.1")))


class RiskSignalsProjection(Projection):
    """Detect the standard risk signals and keep the outbox that the dispatch reads.

    The dispatch is :func:`libops.application.risk_signals.dispatch_signals`.
    """

    name = NAME
    expands = (MetricImport.BatchRecorded,)  # a bulk import's rows, as snapshot events
    apply_cost = 0.42  # measured: see Projection.apply_cost

    SPIKE_MINIMUM: ClassVar[int] = 5
    """Hidden plus sanctioned comments on one platform and day needed for a spike."""
    SPIKE_FACTOR: ClassVar[Fraction] = Fraction(3)
    """How many times the mean of the 7 days before a spiking day must be reached."""
    FAILURES_IN_A_ROW: ClassVar[int] = 3
    """Publish failures on one platform, with no publish in between, that raise a signal."""
    ANOMALY_Z: ClassVar[Fraction] = Fraction(4)
    """The size of z-score (standard deviations from the mean) that makes a count anomalous."""
    ANOMALY_MIN_OBSERVATIONS: ClassVar[int] = 20
    """Earlier snapshots of a count on a platform needed before it is judged."""
    ANOMALY_MIN_SD: ClassVar[Fraction] = Fraction(1)
    """The smallest standard deviation a z-score divides by."""
    OVERSPEND_COUNTS_COMMITMENTS: ClassVar[bool] = True
    """Whether committed money counts towards going past an allocation (else spent only)."""
    SPIKE_QUIET_DAYS: ClassVar[int] = 7
    """Whole days with no spiking day after the last one that clear a comment spike."""
    PUBLISHES_TO_CLEAR: ClassVar[int] = 3
    """Successful publishes in a row on a platform, after its last failure, that clear its
    publish-failures risk."""
    ANOMALY_CLEAR_SNAPSHOTS: ClassVar[int] = 2
    """Snapshots of a post on a platform in range, one after another after its last unusual
    one, that clear its unusual-metrics risk."""
    ANOMALY_QUIET_DAYS: ClassVar[int] = 7
    """Days after a post's last unusual snapshot on a platform (by the snapshots' observed
    days) with no unusual one that clear its unusual-metrics risk."""
    SAMENESS_SHARE: ClassVar[Fraction] = Fraction(1, 4)
    """The share of a month's submitted posts found close to a recent post (a
    ``similar_post`` finding) from which homogeneous content is a market risk."""
    SAMENESS_MIN_POSTS: ClassVar[int] = 4
    """Posts submitted in the month needed before their share is judged."""
    OUTLIERS_KEPT: ClassVar[int] = 20
    """Unusual snapshots remembered per post waiting to clear (voiding all of them clears)."""

    _weights: tuple[tuple[Fraction, Fraction], tuple[int, int, int]] | None = None
    EPISODES_KEPT: ClassVar[int] = 200
    """Open metric episodes kept per platform, and drafts with personal data kept: the
    oldest is forgotten beyond that (so it may fire again), and the state stays bounded."""

    RATINGS: ClassVar[Mapping[str, tuple[str, int, int]]] = {
        # A wave of hidden and sanctioned comments: a controversy in the making.
        NEGATIVE_COMMENT_SPIKE: ("content", 3, 3),
        # Posts not going out: a platform or credential problem.
        PUBLISH_FAILURES: ("technical", 4, 3),
        # Unusual attention (or a counting error) on one post: check what drew it.
        METRIC_ANOMALY: ("content", 2, 3),
        # Readers' personal data about to be published (PIPL).
        PERSONAL_DATA_IN_DRAFT: ("content", 3, 4),
        # Public money spent past what was approved: an audit finding.
        OVERSPEND: ("regulatory", 3, 3),
        # Drafts repeating recent posts: homogeneous content loses readers (a market risk).
        HOMOGENEOUS_CONTENT: ("market", 3, 2),
        # A planned brief past its due day: a gap in the calendar readers will notice.
        BRIEF_OVERDUE: ("market", 2, 2),
    }
    """Each signal's risk category, likelihood and impact when it opens a risk."""

    # --- the outbox ----------------------------------------------------------------------

    def _fire(
        self,
        view: View,
        event: Any,
        signal: str,
        scope: str,
        *,
        title: str,
        description: str,
        campaign_id: UUID | None = None,
        post_id: UUID | None = None,
    ) -> None:
        """Record a firing of ``signal`` for ``scope`` in the outbox."""
        scope_key = f"scope:{signal}:{scope}"
        state = view.get(scope_key) or {"firings": 0, "opened_by": None, "risk_id": None}
        state["firings"] += 1
        signal_id = f"{signal}:{scope}:{state['firings']}"
        action = "identify" if state["opened_by"] is None else "update"
        opened_by = state["opened_by"]
        if action == "identify":
            state["opened_by"] = signal_id
            state["risk_id"] = None
        view.put(scope_key, state)
        sequence = view.get("sequence", 0) + 1
        view.put("sequence", sequence)
        category, likelihood, impact = self.RATINGS[signal]
        view.put(
            OUTBOX + signal_id,
            {
                "signal_id": signal_id,
                "kind": FIRED,
                "signal": signal,
                "scope": scope,
                "sequence": sequence,
                "action": action,
                "opened_by": opened_by,
                "title": title[:200],
                "category": category,
                "likelihood": likelihood,
                "impact": impact,
                "description": f"{description[:1800]}\n{TRAILER}{signal_id}.",
                "campaign_id": None if campaign_id is None else str(campaign_id),
                "post_id": None if post_id is None else str(post_id),
                "fired_at": event.timestamp.isoformat(),
            },
        )

    def policy(self, signal: str) -> str:
        """When a risk ``signal`` opened is closed automatically, in words (with this
        projection's thresholds), as a closing reason states it."""
        policies = {
            NEGATIVE_COMMENT_SPIKE: (
                f"a comment spike on a platform clears after {self.SPIKE_QUIET_DAYS} days "
                "with no spiking day"
            ),
            PUBLISH_FAILURES: (
                f"publish failures on a platform clear after {self.PUBLISHES_TO_CLEAR} "
                "successful publishes in a row there"
            ),
            METRIC_ANOMALY: (
                "unusual metrics of a post on a platform clear after "
                f"{self.ANOMALY_CLEAR_SNAPSHOTS} snapshots in a row back in range, after "
                f"{self.ANOMALY_QUIET_DAYS} days with no unusual snapshot, or when the unusual "
                "snapshots are voided"
            ),
            PERSONAL_DATA_IN_DRAFT: (
                "personal data in a draft clears when the post, revised, is approved, or "
                "when it is retracted"
            ),
            OVERSPEND: "an overspent budget line clears when it is back within its allocation",
            HOMOGENEOUS_CONTENT: (
                "homogeneous content clears when, with at least "
                f"{self.SAMENESS_MIN_POSTS} posts submitted in a month, the share of "
                f"near-duplicates is below {self.SAMENESS_SHARE}"
            ),
            BRIEF_OVERDUE: (
                "an overdue content brief clears when it is drafted, dropped or replanned to "
                "a day not yet past"
            ),
        }
        return policies.get(signal, f"the {signal} signal's condition cleared")

    def _clear(self, view: View, event: Any, signal: str, scope: str, evidence: str) -> None:
        """Record in the outbox that the condition of ``signal`` for ``scope`` cleared.

        Only when the scope has an open risk (or one about to be opened): if a person closed
        it first, or none was opened, nothing is written. The scope then has no open risk:
        its next firing opens a new one.
        """
        scope_key = f"scope:{signal}:{scope}"
        state = view.get(scope_key)
        if state is None or state.get("opened_by") is None:
            return
        firings = int(state["firings"])
        signal_id = f"{signal}:{scope}:{firings}{CLEARED_SUFFIX}"
        opened_by, risk_id = state["opened_by"], state.get("risk_id")
        view.put(scope_key, {**state, "opened_by": None, "risk_id": None})
        sequence = view.get("sequence", 0) + 1
        view.put("sequence", sequence)
        view.put(
            OUTBOX + signal_id,
            {
                "signal_id": signal_id,
                "kind": CLEARED,
                "signal": signal,
                "scope": scope,
                "sequence": sequence,
                "action": "close",
                "opened_by": opened_by,
                "risk_id": risk_id,
                "firings": firings,
                "reason": (
                    f"Closed automatically by the risk-signals policy: {self.policy(signal)}. "
                    f"{evidence[:1400]}\n{TRAILER}{signal_id}."
                ),
                "cleared_at": event.timestamp.isoformat(),
            },
        )

    @handles(Risk.Identified)
    def risk_identified(self, event: Risk.Identified, view: View) -> None:
        """A dispatched signal opened a risk: it is now the open risk of the signal's scope,
        unless the scope moved on (its condition cleared, or another firing opens a risk).

        The signal id is read from the description's last line, ``Signal: <signal id>.``,
        which every signal's description ends with.
        """
        self._claim(view, event, event.description)

    @handles(Risk.Reassessed)
    def risk_reassessed(self, event: Risk.Reassessed, view: View) -> None:
        """A firing that was to open a risk raised one instead (a dispatch from before
        clearings existed did that for a scope whose risk was open): that risk is the
        scope's open risk. Reassessments by people, and raises of the scope's risk, change
        nothing here."""
        self._claim(view, event, event.reason)

    def _claim(self, view: View, event: Any, text: str) -> None:
        if not event.source.startswith(KEY_PREFIX):
            return
        signal_id = signal_id_in(text)
        parts = None if signal_id is None else signal_parts(signal_id)
        if signal_id is None or parts is None:
            return
        signal, scope, _n = parts
        if event.source != signal_source(signal):
            return
        risk_id = str(event.originator_id)
        scope_key = f"scope:{signal}:{scope}"
        state = view.get(scope_key)
        identified = isinstance(event, Risk.Identified)
        if state is not None and state.get("opened_by") == signal_id:
            view.put(scope_key, {**state, "risk_id": risk_id})
        elif state is None and identified:
            # A risk whose firing this view never saw (a view of later events only).
            view.put(scope_key, {"firings": 0, "opened_by": signal_id, "risk_id": risk_id})
        elif not identified:
            return
        # Open risks a signal opened, so that closing one frees its scope.
        view.put(f"risk:{risk_id}", {"signal": signal, "scope": scope})

    @handles(Risk.Closed)
    def risk_closed(self, event: Risk.Closed, view: View) -> None:
        """A closed risk no longer takes a signal's firings: the next one opens a new risk."""
        risk_key = f"risk:{event.originator_id}"
        opened = view.get(risk_key)
        if opened is None:
            return
        view.delete(risk_key)
        scope_key = f"scope:{opened['signal']}:{opened['scope']}"
        state = view.get(scope_key)
        if state is not None and state["risk_id"] == str(event.originator_id):
            view.put(scope_key, {**state, "opened_by": None, "risk_id": None})

    # --- negative comment spike ----------------------------------------------------------

    @handles(
        ConductRecord.CommentHidden,
        ConductRecord.Sanctioned,
        ConductRecord.SanctionedAutomatically,
    )
    def moderated(self, event: ConductRecord.CommentHidden, view: View) -> None:
        """A hidden comment or a sanction counts on its platform's Shanghai day."""
        platform = event.comment.platform.value
        day = _local_day(event.timestamp)
        self._quiet_spikes(view, event)
        key = f"comments:{platform}"
        state = view.get(key) or {"days": {}, "last_spike_day": None}
        days: dict[str, int] = state["days"]
        days[day.isoformat()] = days.get(day.isoformat(), 0) + 1
        # Only the newest day and the 7 before it are kept: a late event for an older day
        # is counted where it can still matter, and judged only if its day is still kept.
        newest = max(date.fromisoformat(d) for d in days)
        oldest = (newest - timedelta(days=_WINDOW)).isoformat()
        days = state["days"] = {d: n for d, n in sorted(days.items()) if d >= oldest}
        if day.isoformat() < oldest:
            view.put(key, state)
            return
        count = days[day.isoformat()]
        before = sum(
            days.get((day - timedelta(days=back)).isoformat(), 0) for back in range(1, _WINDOW + 1)
        )
        spiking = count >= self.SPIKE_MINIMUM and count * _WINDOW >= self.SPIKE_FACTOR * before
        last = state["last_spike_day"]
        if spiking and last != day.isoformat():
            state["last_spike_day"] = day.isoformat()
            spikes = view.get(SPIKES) or {}
            if spikes.get(platform, "") < day.isoformat():
                view.put(SPIKES, {**spikes, platform: day.isoformat()})
            if last != (day - timedelta(days=1)).isoformat():
                mean = Fraction(before, _WINDOW)
                self._fire(
                    view,
                    event,
                    NEGATIVE_COMMENT_SPIKE,
                    platform,
                    title=f"Spike in hidden and sanctioned comments on {platform}",
                    description=(
                        f"{count} comments were hidden or their authors sanctioned on "
                        f"{platform} on {day.isoformat()} (Asia/Shanghai), against a mean of "
                        f"{_one_place(mean)} a day over the {_WINDOW} days before "
                        f"(thresholds: at least {self.SPIKE_MINIMUM} and "
                        f"{_one_place(self.SPIKE_FACTOR)} times that mean)."
                    ),
                )
        view.put(key, state)

    def _quiet_spikes(self, view: View, event: Any) -> None:
        """Clear each comment spike whose platform had no spiking day for
        :attr:`SPIKE_QUIET_DAYS` whole days, by the day of ``event`` (a moderation, a
        metric snapshot or a publish: whatever the projection sees next)."""
        spikes: dict[str, str] | None = view.get(SPIKES)
        if not spikes:
            return
        today = _local_day(event.timestamp)
        quiet = [
            (platform, last)
            for platform, last in spikes.items()
            if (today - date.fromisoformat(last)).days > self.SPIKE_QUIET_DAYS
        ]
        if not quiet:
            return
        view.put(SPIKES, {p: d for p, d in spikes.items() if (p, d) not in quiet})
        for platform, last in quiet:
            self._clear(
                view,
                event,
                NEGATIVE_COMMENT_SPIKE,
                platform,
                f"No day with a spike in hidden and sanctioned comments on {platform} for "
                f"{self.SPIKE_QUIET_DAYS} days after the last one, {last} (Asia/Shanghai), "
                f"as of {today.isoformat()}.",
            )

    # --- publish failures ----------------------------------------------------------------

    @handles(Post.PublishFailed)
    def publish_failed(self, event: Post.PublishFailed, view: View) -> None:
        """Another failure in a row on the platform; the threshold-th one fires."""
        platform = event.platform.value
        key = f"failures:{platform}"
        in_a_row = (view.get(key) or {"in_a_row": 0})["in_a_row"] + 1
        view.put(key, {"in_a_row": in_a_row, "published_in_a_row": 0})
        self._quiet_spikes(view, event)
        if in_a_row == self.FAILURES_IN_A_ROW:
            self._fire(
                view,
                event,
                PUBLISH_FAILURES,
                platform,
                title=f"{in_a_row} publish failures in a row on {platform}",
                description=(
                    f"Publishing on {platform} failed {in_a_row} times in a row with no "
                    f"successful publish in between; the last failure, at "
                    f"{event.at.isoformat()}, was on post {event.originator_id}: "
                    f"{event.error[:500]}"
                ),
            )

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        """A successful publish ends the run of failures on its platform; the
        :attr:`PUBLISHES_TO_CLEAR`-th in a row clears the platform's publish-failures risk."""
        platform = event.receipt.platform.value
        self._quiet_spikes(view, event)
        self._overdue_briefs(view, event)
        key = f"failures:{platform}"
        state = view.get(key) or {}
        published = int(state.get("published_in_a_row", 0)) + 1
        view.put(key, {"in_a_row": 0, "published_in_a_row": published})
        if published == self.PUBLISHES_TO_CLEAR:
            self._clear(
                view,
                event,
                PUBLISH_FAILURES,
                platform,
                f"{published} publishes in a row succeeded on {platform} since the last "
                f"failure; the last, at {event.receipt.published_at.isoformat()}, was post "
                f"{event.originator_id}.",
            )

    # --- metric anomaly ------------------------------------------------------------------

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def metrics(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        """Judge each count of the snapshot against the platform's earlier snapshots."""
        snapshot: MetricSnapshot = event.snapshot
        platform = snapshot.platform.value
        self._overdue_briefs(view, event)
        key = f"metrics:{platform}"
        state = view.get(key)
        if state is None:
            state = {"counts": {}, "anomalous": []}
            view.put(key, state)
        stats: dict[str, list[int]] = state["counts"]
        outliers: list[str] = []
        minimum = self.ANOMALY_MIN_OBSERVATIONS
        weights = self._z_weights()
        for count_name in MetricSnapshot.COUNTS:
            value = getattr(snapshot, count_name)
            if value is None:
                continue
            stat = stats.get(count_name)
            if stat is None:
                stat = stats[count_name] = [0, 0, 0]
            n, total, squares = stat
            if n >= minimum and _far_out(value, n, total, squares, weights):
                outliers.append(self._outlier(count_name, value, n, total, squares))
            stat[0], stat[1], stat[2] = n + 1, total + value, squares + value * value
        post = uuid_text(event.originator_id)
        self._watch_metrics(view, event, state, post, snapshot, bool(outliers))
        self._quiet_spikes(view, event)
        anomalous: list[str] = state["anomalous"]
        if not outliers or post in anomalous:
            if not outliers and post in anomalous:
                anomalous.remove(post)
            return
        anomalous.append(post)
        del anomalous[: -self.EPISODES_KEPT]
        self._fire(
            view,
            event,
            METRIC_ANOMALY,
            f"{post}:{platform}",
            title=f"Unusual metrics for a post on {platform}",
            description=(
                f"The {platform} snapshot of post {post} observed at "
                f"{snapshot.observed_at.isoformat()} is far outside the platform's usual "
                f"range (|z| at least {_one_place(self.ANOMALY_Z)}): " + "; ".join(outliers) + "."
            ),
            campaign_id=event.campaign_id,
            post_id=event.originator_id,
        )

    @staticmethod
    def _watched(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The posts of a platform whose unusual metrics wait to clear, the one whose last
        unusual snapshot is oldest first (a view from before clearings existed starts with
        the posts of its open episodes, waiting from their next snapshot on)."""
        watch: dict[str, dict[str, Any]] | None = state.get("watch")
        if watch is None:
            watch = state["watch"] = {
                post: {"in_range": [], "outliers": [], "last": None} for post in state["anomalous"]
            }
        return watch

    def _watch_metrics(
        self,
        view: View,
        event: Any,
        state: dict[str, Any],
        post: str,
        snapshot: MetricSnapshot,
        outlying: bool,
    ) -> None:
        """Follow the posts whose unusual metrics wait to clear, on a snapshot of ``post``.

        An unusual snapshot (re)starts the post's wait. The post's risk clears at its
        :attr:`ANOMALY_CLEAR_SNAPSHOTS`-th snapshot in range in a row, or once a snapshot
        of the platform is observed more than :attr:`ANOMALY_QUIET_DAYS` days after the
        post's last unusual one (snapshots are cumulative: a post that drew unusual
        attention keeps its high counts, and its figures stop coming when the platform or
        the library stops measuring it, so a quiet period is what shows the burst is over).
        """
        watch = self._watched(state)
        platform = snapshot.platform.value
        observed = snapshot.observed_at.isoformat()
        day = _local_day(snapshot.observed_at)
        entry = watch.pop(post, None)
        if outlying:
            entry = entry or {"in_range": [], "outliers": [], "last": None}
            entry["in_range"] = []
            entry["outliers"] = [*entry["outliers"], observed][-self.OUTLIERS_KEPT :]
            entry["last"] = observed
            watch[post] = entry  # last: the wait that started most recently
            for old in list(watch)[: -self.EPISODES_KEPT]:
                del watch[old]
        elif entry is not None:
            entry["in_range"] = [*entry["in_range"], observed]
            if len(entry["in_range"]) >= self.ANOMALY_CLEAR_SNAPSHOTS:
                self._clear(
                    view,
                    event,
                    METRIC_ANOMALY,
                    f"{post}:{platform}",
                    f"The next {len(entry['in_range'])} {platform} snapshots of post {post} "
                    f"after its unusual one, observed at {', '.join(entry['in_range'])}, are "
                    "back within the platform's usual range.",
                )
            else:
                watch[post] = entry
        # The waits that started longest ago come first: clear those past the quiet period.
        for waiting, waited in list(watch.items()):
            if waited["last"] is None:
                waited["last"] = observed  # waiting from before clearings: from now on
                continue
            last = _local_day(datetime.fromisoformat(waited["last"]))
            if (day - last).days <= self.ANOMALY_QUIET_DAYS:
                break
            del watch[waiting]
            if waiting in state["anomalous"]:
                state["anomalous"].remove(waiting)  # its next unusual snapshot fires again
            self._clear(
                view,
                event,
                METRIC_ANOMALY,
                f"{waiting}:{platform}",
                f"No unusual {platform} snapshot of post {waiting} for "
                f"{self.ANOMALY_QUIET_DAYS} days after its last one, observed at "
                f"{waited['last']} (the platform's snapshots are observed up to {observed}).",
            )

    @handles(Post.MetricsVoided)
    def metrics_voided(self, event: Post.MetricsVoided, view: View) -> None:
        """A voided snapshot leaves the platform's statistics (a signal it fired stays); once
        every unusual snapshot of the post's wait is voided, its risk clears."""
        snapshot: MetricSnapshot = event.voided
        state = view.get(f"metrics:{snapshot.platform.value}")
        if state is None:
            return
        post = uuid_text(event.originator_id)
        watch = self._watched(state)
        entry = watch.get(post)
        observed = snapshot.observed_at.isoformat()
        if entry is not None and observed in entry["in_range"]:
            entry["in_range"] = [o for o in entry["in_range"] if o != observed]
        if entry is not None and observed in entry["outliers"]:
            entry["outliers"] = [o for o in entry["outliers"] if o != observed]
            if not entry["outliers"]:
                del watch[post]
                if post in state["anomalous"]:
                    state["anomalous"].remove(post)  # its next unusual snapshot fires again
                platform = snapshot.platform.value
                self._clear(
                    view,
                    event,
                    METRIC_ANOMALY,
                    f"{post}:{platform}",
                    f"The unusual {platform} snapshot of post {post}, observed at {observed}, "
                    f"was voided: {event.reason[:500]}",
                )
        stats: dict[str, list[int]] = state["counts"]
        for count_name in MetricSnapshot.COUNTS:
            value = getattr(snapshot, count_name)
            stat = stats.get(count_name)
            if value is None or stat is None or stat[0] == 0:
                continue
            stat[0], stat[1], stat[2] = stat[0] - 1, stat[1] - value, stat[2] - value * value

    def _z_weights(self) -> tuple[int, int, int]:
        """The whole-number weights :func:`_far_out` takes: zd^2 fd^2, zn^2 fd^2, zn^2 fn^2."""
        z, floor = self.ANOMALY_Z, self.ANOMALY_MIN_SD
        cached = self._weights
        if cached is None or cached[0] != (z, floor):
            cached = self._weights = (
                (z, floor),
                (
                    z.denominator**2 * floor.denominator**2,
                    z.numerator**2 * floor.denominator**2,
                    z.numerator**2 * floor.numerator**2,
                ),
            )
        return cached[1]

    def _outlier(self, name: str, value: int, n: int, total: int, squares: int) -> str:
        """How far out ``value`` is, in words, with its z-score to one place."""
        mean = Fraction(total, n)
        floor = self.ANOMALY_MIN_SD * self.ANOMALY_MIN_SD
        variance = max(Fraction(n * squares - total * total, n * (n - 1)), floor)
        deviation = value - mean
        z = _SHOWN.divide(
            _SHOWN.divide(Decimal(deviation.numerator), Decimal(deviation.denominator)),
            _SHOWN.sqrt(_SHOWN.divide(Decimal(variance.numerator), Decimal(variance.denominator))),
        )
        return (
            f"{name} {value} (mean {_one_place(mean)} over {n} snapshots, "
            f"z = {z.quantize(Decimal('0.1'))})"
        )

    # --- personal data in a draft --------------------------------------------------------

    @handles(Post.SubmittedForReview)
    def submitted(self, event: Post.SubmittedForReview, view: View) -> None:
        """Personal data found by the automatic review fires once until a clean submission.

        The submission also counts towards the share of near-duplicates
        (:meth:`_watch_sameness`)."""
        self._watch_sameness(event, view)
        personal = [f for f in tuple(event.findings) if f.kind in PERSONAL_DATA]
        post = str(event.originator_id)
        flagged = view.get(DRAFTS) or []
        if not personal:
            if post in flagged:
                flagged.remove(post)
                view.put(DRAFTS, flagged)
            return
        if post in flagged:
            return
        view.put(DRAFTS, [*flagged, post][-self.EPISODES_KEPT :])
        # The excerpts are masked, but they stay out of the risk anyway: kinds and places only.
        found = ", ".join(
            f"{f.kind.value.replace('_', ' ')} in {f.where}"
            for f in sorted(personal, key=lambda f: (f.where, f.kind.value))
        )
        self._fire(
            view,
            event,
            PERSONAL_DATA_IN_DRAFT,
            post,
            title="Personal data in a draft post",
            description=(
                f"The automatic review found personal data in post {post}, submitted for "
                f"review by {event.actor_id}: {found}. The post cannot be approved until it "
                "is removed."
            ),
            campaign_id=event.campaign_id,
            post_id=event.originator_id,
        )

    @handles(Post.Approved)
    def approved(self, event: Post.Approved, view: View) -> None:
        """An approved post had no personal data left (approval needs that): its
        personal-data risk clears."""
        self._clear(
            view,
            event,
            PERSONAL_DATA_IN_DRAFT,
            str(event.originator_id),
            f"Post {event.originator_id} was revised, submitted again with no personal data "
            f"found by the automatic review, and approved by {event.actor_id} on "
            f"{_local_day(event.timestamp).isoformat()}.",
        )

    @handles(Post.Retracted)
    def retracted(self, event: Post.Retracted, view: View) -> None:
        """A retracted post ends its personal-data episode and clears its risk (an approved
        one had none)."""
        flagged = view.get(DRAFTS)
        if flagged and str(event.originator_id) in flagged:
            flagged.remove(str(event.originator_id))
            view.put(DRAFTS, flagged)
        self._clear(
            view,
            event,
            PERSONAL_DATA_IN_DRAFT,
            str(event.originator_id),
            f"Post {event.originator_id} was retracted by {event.actor_id} on "
            f"{_local_day(event.timestamp).isoformat()}: it will not be published.",
        )

    # --- overspend -----------------------------------------------------------------------

    @handles(Budget.Opened)
    def budget_opened(self, event: Budget.Opened, view: View) -> None:
        """Remember the budget's name for the signal's title."""
        view.put(f"budget:{event.originator_id}", {"name": event.name})

    @handles(Budget.Allocated)
    def allocated(self, event: Budget.Allocated, view: View) -> None:
        """Allocated money raises the line's allocation."""
        self._line(
            view, event, event.category.value, event.campaign_id, allocated=event.amount.amount
        )

    @handles(Budget.Adjusted)
    def adjusted(self, event: Budget.Adjusted, view: View) -> None:
        """Each changed line's allocation becomes its new amount."""
        for change in tuple(event.changes):
            self._line(
                view,
                event,
                change.category.value,
                change.campaign_id,
                allocated=_EXACT.subtract(change.after.amount, change.before.amount),
            )

    @handles(Budget.Committed)
    def committed(self, event: Budget.Committed, view: View) -> None:
        """A commitment holds money on its line until released or invoiced."""
        line = self._line(
            view, event, event.category.value, event.campaign_id, committed=event.amount.amount
        )
        view.put(
            f"commitment:{event.originator_id}:{event.reference}",
            {"line": line, "outstanding": _money(event.amount.amount)},
        )

    @handles(Budget.Released)
    def released(self, event: Budget.Released, view: View) -> None:
        """Released money leaves the commitment's line."""
        self._settle(view, event, event.reference, event.amount.amount)

    @handles(Budget.ExpenseRecorded)
    def expense(self, event: Budget.ExpenseRecorded, view: View) -> None:
        """An invoice is spent on its line; what it settles is no longer committed."""
        if event.settles is not None and event.settled.amount:
            self._settle(view, event, event.settles, event.settled.amount)
        self._line(view, event, event.category.value, event.campaign_id, spent=event.amount.amount)

    def _settle(self, view: View, event: Any, reference: str, amount: Decimal) -> None:
        key = f"commitment:{event.originator_id}:{reference}"
        held = view.get(key)
        if held is None:
            return
        _budget, category, campaign = held["line"].split(":")[1:]
        self._line(
            view, event, category, None if campaign == "general" else campaign, committed=-amount
        )
        outstanding = _EXACT.subtract(Decimal(held["outstanding"]), amount)
        if outstanding > 0:
            view.put(key, {**held, "outstanding": _money(outstanding)})
        else:
            view.delete(key)

    def _line(
        self,
        view: View,
        event: Any,
        category: str,
        campaign_id: UUID | str | None,
        **deltas: Decimal,
    ) -> str:
        """Apply ``deltas`` to a line; fire if it just went past its allocation."""
        budget_id = str(event.originator_id)
        campaign = "general" if campaign_id is None else str(campaign_id)
        key = f"line:{budget_id}:{category}:{campaign}"
        line = view.get(key) or {
            "allocated": "0",
            "committed": "0",
            "spent": "0",
            "over": False,
        }
        for field, delta in deltas.items():
            line[field] = _money(_EXACT.add(Decimal(line[field]), delta))
        allocated = Decimal(line["allocated"])
        used = Decimal(line["spent"])
        if self.OVERSPEND_COUNTS_COMMITMENTS:
            used = _EXACT.add(used, Decimal(line["committed"]))
        over = used > allocated
        if over != line["over"]:
            budget = view.get(f"budget:{budget_id}") or {"name": budget_id}
            what = "committed and spent" if self.OVERSPEND_COUNTS_COMMITMENTS else "spent"
            line_name = "general" if campaign_id is None else f"campaign {campaign}"
            scope = f"{budget_id}:{category}:{campaign}"
            figures = f"(committed {line['committed']}, spent {line['spent']})"
            if over:
                self._fire(
                    view,
                    event,
                    OVERSPEND,
                    scope,
                    title=f"Over allocation: {budget['name']} / {category} / {campaign}",
                    description=(
                        f"The {category} line ({line_name}) "
                        f"of budget {budget['name']!r} ({budget_id}) has {used} {what} "
                        f"{figures} against an allocation of {allocated}: "
                        f"{_EXACT.subtract(used, allocated)} over."
                    ),
                    campaign_id=None if campaign_id is None else UUID(str(campaign_id)),
                )
            else:
                self._clear(
                    view,
                    event,
                    OVERSPEND,
                    scope,
                    f"The {category} line ({line_name}) of budget {budget['name']!r} "
                    f"({budget_id}) is back within its allocation: {used} {what} {figures} "
                    f"against {allocated}.",
                )
        line["over"] = over
        view.put(key, line)
        return key

    # --- homogeneous content (the sameness check) ---------------------------------------

    def _watch_sameness(self, event: Post.SubmittedForReview, view: View) -> None:
        """``homogeneous_content`` (scope ``posts``): of the posts submitted for review in an
        Asia/Shanghai calendar month (each post once, judged by its latest submission), the
        share the sameness check found close to a recent post reaches
        :attr:`SAMENESS_SHARE` (a quarter) once there are :attr:`SAMENESS_MIN_POSTS` (4).
        Fires once per episode; clears when, with at least that many posts in the month
        (a new month starts counting afresh), the share is below it again."""
        month = _local_day(event.timestamp).isoformat()[:7]
        state = view.get(SAMENESS) or {"month": month, "posts": {}, "firing": False}
        if state["month"] != month:
            state = {"month": month, "posts": {}, "firing": state["firing"]}
        similar = sum(1 for f in tuple(event.findings) if f.kind is FindingKind.SIMILAR_POST)
        state["posts"][str(event.originator_id)] = 1 if similar else 0
        posts = len(state["posts"])
        near = sum(state["posts"].values())
        if posts >= self.SAMENESS_MIN_POSTS:
            share = Fraction(near, posts)
            figures = f"{near} of the {posts} posts submitted for review in {month}"
            if share >= self.SAMENESS_SHARE and not state["firing"]:
                state["firing"] = True
                self._fire(
                    view,
                    event,
                    HOMOGENEOUS_CONTENT,
                    "posts",
                    title="Homogeneous content: drafts repeat recent posts",
                    description=(
                        f"The sameness check found {figures} close to a recent post of the "
                        f"account ({_one_place(share * 100)}%, threshold "
                        f"{_one_place(self.SAMENESS_SHARE * 100)}%). Readers tire of content "
                        "that says again what they have read: vary topics and formats."
                    ),
                    post_id=event.originator_id,
                )
            elif share < self.SAMENESS_SHARE and state["firing"]:
                state["firing"] = False
                self._clear(
                    view,
                    event,
                    HOMOGENEOUS_CONTENT,
                    "posts",
                    f"The sameness check found {figures} close to a recent post "
                    f"({_one_place(share * 100)}%).",
                )
        view.put(SAMENESS, state)

    # --- content briefs overdue (issue 17, part "content briefs") ------------------------

    BRIEF_GRACE_DAYS: ClassVar[int] = 0
    """Whole days after a brief's due day before it counts as overdue: with 0, a brief due
    on the 20th is overdue from the first event the projection sees on the 21st."""

    @handles(ContentBrief.Proposed)
    def brief_proposed(self, event: ContentBrief.Proposed, view: View) -> None:
        """Remember the brief's title and campaign, for the signal's words."""
        view.put(
            f"brief:{event.originator_id}",
            {
                "title": event.title,
                "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
                "due": None,
                "assignee": None,
                "status": "idea",
                "overdue": False,
            },
        )
        self._overdue_briefs(view, event)

    @handles(ContentBrief.Planned, ContentBrief.Replanned)
    def brief_planned(self, event: ContentBrief.Planned, view: View) -> None:
        """A brief on the calendar is watched until its due day passes; one replanned to a
        day not yet past is no longer overdue."""
        brief_id = str(event.originator_id)
        key = f"brief:{brief_id}"
        brief = view.get(key) or {"title": brief_id, "campaign_id": None, "overdue": False}
        today = _local_day(event.timestamp)
        brief.update(due=event.due_on, assignee=event.assignee)
        if isinstance(event, ContentBrief.Planned):
            brief["status"] = "planned"
        if brief["overdue"] and date.fromisoformat(event.due_on) >= today:
            brief["overdue"] = False
            self._clear(
                view,
                event,
                BRIEF_OVERDUE,
                brief_id,
                f"The content brief {brief['title']!r} ({brief_id}) was replanned on "
                f"{today.isoformat()} to be due on {event.due_on}.",
            )
        view.put(key, brief)
        if not brief["overdue"]:
            due = view.get(BRIEFS_DUE) or {}
            view.put(BRIEFS_DUE, {**due, brief_id: event.due_on})
        self._overdue_briefs(view, event)

    @handles(ContentBrief.ProductionStarted)
    def brief_started(self, event: ContentBrief.ProductionStarted, view: View) -> None:
        """Work began: the brief stays watched."""
        key = f"brief:{event.originator_id}"
        brief = view.get(key)
        if brief is not None:
            view.put(key, {**brief, "status": "in production"})
        self._overdue_briefs(view, event)

    @handles(ContentBrief.Drafted, ContentBrief.Dropped)
    def brief_ended(self, event: ContentBrief.Drafted, view: View) -> None:
        """A drafted or dropped brief is no longer watched; if it was overdue, that clears."""
        brief_id = str(event.originator_id)
        due = view.get(BRIEFS_DUE) or {}
        if brief_id in due:
            view.put(BRIEFS_DUE, {b: d for b, d in due.items() if b != brief_id})
        brief = view.get(f"brief:{brief_id}") or {"title": brief_id}
        view.delete(f"brief:{brief_id}")
        today = _local_day(event.timestamp).isoformat()
        if isinstance(event, ContentBrief.Drafted):
            what = f"was drafted as post {event.post_id} on {today}"
        else:
            what = f"was dropped on {today}: {event.reason[:500]}"
        self._clear(
            view, event, BRIEF_OVERDUE, brief_id, f"The content brief {brief['title']!r} {what}."
        )
        self._overdue_briefs(view, event)

    @handles(Post.Drafted)
    def post_drafted(self, event: Post.Drafted, view: View) -> None:
        """A post drafted is a moment of the library's day: briefs due before it are late."""
        self._overdue_briefs(view, event)

    def _overdue_briefs(self, view: View, event: Any) -> None:
        """Fire for each watched brief whose due day (plus :attr:`BRIEF_GRACE_DAYS`) is
        before the day of ``event`` (Asia/Shanghai), once: it is then no longer watched."""
        due: dict[str, str] | None = view.get(BRIEFS_DUE)
        if not due:
            return
        today = _local_day(event.timestamp)
        late = sorted(
            (day, brief_id)
            for brief_id, day in due.items()
            if (today - date.fromisoformat(day)).days > self.BRIEF_GRACE_DAYS
        )
        if not late:
            return
        fired = {brief_id for _day, brief_id in late}
        view.put(BRIEFS_DUE, {b: d for b, d in due.items() if b not in fired})
        for day, brief_id in late:
            key = f"brief:{brief_id}"
            brief = view.get(key) or {"title": brief_id, "campaign_id": None}
            view.put(key, {**brief, "overdue": True})
            days = (today - date.fromisoformat(day)).days
            self._fire(
                view,
                event,
                BRIEF_OVERDUE,
                brief_id,
                title=f"Content brief overdue: {brief['title']}",
                description=(
                    f"The content brief {brief['title']!r} ({brief_id}) was due on {day} "
                    f"(Asia/Shanghai) and, {days} {'day' if days == 1 else 'days'} later, on "
                    f"{today.isoformat()}, is still {brief.get('status', 'planned')}, not "
                    f"drafted; assigned to {brief.get('assignee') or 'no one'}."
                ),
                campaign_id=_optional_uuid(brief.get("campaign_id")),
            )
