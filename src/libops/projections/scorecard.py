"""The campaign scorecard: each campaign's objectives against their actual values.

The actuals this projection can work out from the events it handles are the post metrics of
the campaign's posts: ``posts_published`` (published post variants, one per post and
platform), ``reads``, ``views``, ``likes``, ``comments``, ``shares``, ``favourites``,
``followers_gained`` and ``engagements`` (likes + comments + shares + favourites). For each
post and platform only the latest cumulative snapshot counts (``Post.MetricsRecorded``);
a correction (``Post.MetricsCorrected``) replaces it, so lowered counts lower the actuals.
A voided snapshot (``Post.MetricsVoided``) gives way to the latest valid one before it.
A snapshot without a follower count adds nothing to ``followers_gained``. An objective on
another metric (``participants``) has ``actual`` and ``attainment`` null.

Documents:

- ``campaign:<campaign id>``: ``{"name", "kind", "status", "objectives": [{"metric",
  "platform" (null: all platforms), "target", "actual", "attainment"}], "actuals": {metric:
  n}, "actuals_by_platform": {platform: {metric: n}}}``. ``target`` is Decimal text;
  ``attainment`` is actual / target as Decimal text with four places (``"0.8000"`` is 80%),
  rounded half-even;
- ``post:<post id>:<platform>``: the post variant's campaign, whether it was published, and
  its latest counts (what the campaign's actuals hold for it).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final
from uuid import UUID

from libops.domain.bulk import MetricImport
from libops.domain.campaign import Campaign
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Objective
from libops.projections.views import Projection, View, handles, uuid_text

COUNTS: Final = ("reads", "views", "likes", "comments", "shares", "favourites", "followers_gained")
"""The counts of a metric snapshot that the actuals sum."""
ENGAGEMENT_COUNTS: Final = ("likes", "comments", "shares", "favourites")
"""Engagements are the sum of these (as in the engagement projection)."""
ACTUAL_METRICS: Final = (*COUNTS, "engagements", "posts_published")
"""The objective metrics whose actual value this projection computes."""

_QUANTUM: Final = Decimal("0.0001")


def _zero_actuals() -> dict[str, int]:
    return dict.fromkeys(ACTUAL_METRICS, 0)


def attainment(actual: int | None, target: str) -> str | None:
    """``actual / target`` as Decimal text with four places, or None if ``actual`` is None."""
    if actual is None:
        return None
    return str((Decimal(actual) / Decimal(target)).quantize(_QUANTUM, ROUND_HALF_EVEN))


def _objectives(objectives: tuple[Objective, ...]) -> list[dict[str, Any]]:
    return [
        {
            "metric": objective.metric.value,
            "platform": None if objective.platform is None else objective.platform.value,
            "target": str(objective.target),
            "actual": None,
            "attainment": None,
        }
        for objective in tuple(objectives)
    ]


def _score(document: dict[str, Any]) -> None:
    """Fill each objective's actual and attainment from the campaign's actuals."""
    for objective in document["objectives"]:
        if objective["metric"] not in ACTUAL_METRICS:
            continue
        if objective["platform"] is None:
            actuals = document["actuals"]
        else:
            actuals = document["actuals_by_platform"].get(objective["platform"], {})
        actual = int(actuals.get(objective["metric"], 0))
        objective["actual"] = actual
        objective["attainment"] = attainment(actual, objective["target"])


def _campaign_document(view: View, campaign_id: str) -> dict[str, Any]:
    found: dict[str, Any] | None = view.get(f"campaign:{campaign_id}")
    if found is not None:
        return found
    return {
        "name": None,
        "kind": None,
        "status": None,
        "objectives": [],
        "actuals": _zero_actuals(),
        "actuals_by_platform": {},
    }


def _contribute(
    view: View, campaign_id: str | None, platform: str, counts: dict[str, int], sign: int
) -> None:
    """Add (``sign`` 1) or take away (-1) a post variant's counts to its campaign's actuals."""
    if campaign_id is None:
        return
    document = _campaign_document(view, campaign_id)
    by_platform = document["actuals_by_platform"].setdefault(platform, _zero_actuals())
    for actuals in (document["actuals"], by_platform):
        for metric, value in counts.items():
            actuals[metric] = actuals.get(metric, 0) + sign * value
    view.put(f"campaign:{campaign_id}", document)  # scored once per batch, before commit


_WAS: Final = "_was"
"""A field a post variant document has only while a batch changes it: ``[campaign id,
counts]`` as the campaign's actuals hold it. ``before_commit`` moves the difference into
the actuals and removes it, so it is never stored."""


def _variant(
    view: View,
    event: Post.Published | Post.MetricsRecorded | Post.MetricsCorrected | Post.MetricsVoided,
    platform: str,
) -> dict[str, Any]:
    """The post variant's document (created, not yet counted anywhere, if new)."""
    key = f"post:{uuid_text(event.originator_id)}:{platform}"
    variant: dict[str, Any] | None = view.get(key)
    if variant is None:
        variant = {"campaign_id": _campaign(event.campaign_id), "published": False, "counts": {}}
        view.put(key, variant)
    return variant


def _remember(variant: dict[str, Any]) -> None:
    """Note what the variant counts in its campaign's actuals, before the batch changes it."""
    if _WAS not in variant:
        counted = dict(variant["counts"])
        if variant["published"]:
            counted["posts_published"] = 1
        variant[_WAS] = [variant["campaign_id"], counted]


def _roll_up(view: View, platform: str, variant: dict[str, Any]) -> None:
    """Replace what the variant counted in its campaign's actuals by what it counts now."""
    campaign, old = variant.pop(_WAS)
    new = dict(variant["counts"])
    if variant["published"]:
        new["posts_published"] = 1
    if campaign == variant["campaign_id"]:
        delta = {name: new.get(name, 0) - old.get(name, 0) for name in {*new, *old}}
        _contribute(view, campaign, platform, {k: v for k, v in delta.items() if v}, 1)
    else:
        _contribute(view, campaign, platform, old, -1)
        _contribute(view, variant["campaign_id"], platform, new, 1)


def _counts(snapshot: MetricSnapshot) -> dict[str, int]:
    counts = {name: getattr(snapshot, name) or 0 for name in COUNTS}
    counts["engagements"] = sum(counts[name] for name in ENGAGEMENT_COUNTS)
    return counts


def _campaign(campaign_id: UUID | None) -> str | None:
    return None if campaign_id is None else uuid_text(campaign_id)


_CAMPAIGN_STATUS: Final[dict[type[Any], str]] = {
    Campaign.Launched: "live",
    Campaign.Resumed: "live",
    Campaign.Paused: "paused",
    Campaign.Completed: "completed",
    Campaign.Cancelled: "cancelled",
}
"""The campaign's status after each event that changes it."""


class CampaignScorecardProjection(Projection):
    """Each campaign's objectives with their targets, actual values and attainment."""

    name = "scorecard"
    expands = (MetricImport.BatchRecorded,)  # a bulk import's rows, as snapshot events
    apply_cost = 0.65  # measured: see Projection.apply_cost

    @handles(Campaign.Planned)
    def planned(self, event: Campaign.Planned, view: View) -> None:
        """A planned campaign's objectives, with the actuals its posts already have."""
        document = _campaign_document(view, uuid_text(event.originator_id))
        document.update(
            name=event.name,
            kind=event.kind.value,
            status="planned",
            objectives=_objectives(event.objectives),
        )
        _score(document)
        view.put(f"campaign:{uuid_text(event.originator_id)}", document)

    @handles(Campaign.Amended)
    def amended(self, event: Campaign.Amended, view: View) -> None:
        """A new name or new objectives replace the old ones."""
        document = _campaign_document(view, uuid_text(event.originator_id))
        if event.name is not None:
            document["name"] = event.name
        if event.objectives is not None:
            document["objectives"] = _objectives(event.objectives)
            _score(document)
        view.put(f"campaign:{uuid_text(event.originator_id)}", document)

    @handles(*_CAMPAIGN_STATUS)
    def status(self, event: Any, view: View) -> None:
        """The campaign is running, paused, over or called off (its actuals stay)."""
        view.update(
            f"campaign:{uuid_text(event.originator_id)}", status=_CAMPAIGN_STATUS[type(event)]
        )

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        """A post variant went out: one more post published, once per post and platform."""
        variant = _variant(view, event, event.receipt.platform.value)
        if not variant["published"]:
            _remember(variant)
            variant["published"] = True

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def metrics(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        """The latest snapshot (or its correction) replaces the variant's counts."""
        variant = _variant(view, event, event.snapshot.platform.value)
        _remember(variant)
        variant["campaign_id"] = _campaign(event.campaign_id)
        variant["counts"] = _counts(event.snapshot)

    @handles(Post.MetricsVoided)
    def voided(self, event: Post.MetricsVoided, view: View) -> None:
        """A voided snapshot no longer counts: the latest valid one (if any) does."""
        variant = _variant(view, event, event.voided.platform.value)
        _remember(variant)
        variant["campaign_id"] = _campaign(event.campaign_id)
        variant["counts"] = {} if event.latest is None else _counts(event.latest)

    def before_commit(self, view: View) -> None:
        """Add what the post variants changed by this batch now count to their campaigns'
        actuals, then score every campaign touched: actuals and attainment per objective."""
        for key in view.touched():
            if key.startswith("post:"):
                variant = view.get(key)
                if variant is not None and _WAS in variant:
                    _roll_up(view, key.rsplit(":", 1)[1], variant)
        for key in view.touched():
            if key.startswith("campaign:"):
                document = view.get(key)
                if document is not None and "objectives" in document:
                    _score(document)
