"""The detectors of the risk-signals projection (:mod:`libops.projections.signals`) that read what
happens on the platforms: ``negative_comment_spike``, ``publish_failures`` and
``metric_anomaly``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from libops.domain.interaction.moderation import ConductRecord
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot
from libops.projections.signals_review import ReviewSignals
from libops.projections.signals_rules import (
    _SHOWN,
    _WINDOW,
    METRIC_ANOMALY,
    NEGATIVE_COMMENT_SPIKE,
    PUBLISH_FAILURES,
    SPIKES,
    _far_out,
    _iso_days_before,
    _one_place,
)
from libops.projections.views import View, handles, local_date, uuid_text


class PlatformSignals(ReviewSignals):
    """Detects ``negative_comment_spike``, ``publish_failures`` and ``metric_anomaly``."""

    # --- negative comment spike ----------------------------------------------------------

    @handles(
        ConductRecord.CommentHidden,
        ConductRecord.Sanctioned,
        ConductRecord.SanctionedAutomatically,
    )
    def moderated(self, event: ConductRecord.CommentHidden, view: View) -> None:
        """A hidden comment or a sanction counts on its platform's Shanghai day."""
        platform = event.comment.platform.value
        day = local_date(event.timestamp)
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
        today = local_date(event.timestamp)
        # More than the quiet days before today: an ISO day before the cut-off, as text.
        cutoff = _iso_days_before(today, self.SPIKE_QUIET_DAYS)
        quiet = [(platform, last) for platform, last in spikes.items() if last < cutoff]
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
        if not watch and not outlying:
            return  # no wait to follow or start (nearly every snapshot)
        platform = snapshot.platform.value
        observed = snapshot.observed_at.isoformat()
        day = local_date(snapshot.observed_at)
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
            last = local_date(datetime.fromisoformat(waited["last"]))
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
