"""The demo's media library (issue 17): the library's own photo and a stock key visual whose
licence ends just before the first topic post using it is drafted; review finds the expired
licence, the reviewer sends the post back and the planner swaps in the library's own photo,
so the post is approved and published as planned (docs/media.md)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from libops.demo.plan import PlannedPost
from libops.demo.setting import TEAM, beijing_time
from libops.demo.state import QuarterState
from libops.domain.media import Licence, asset_reference


class MediaActions(QuarterState):
    """A quarter's media: registered at its start, one licence running out."""

    media_assets: dict[str, UUID]

    def schedule_media(self) -> None:
        """Put the registration of the quarter's media on the agenda."""
        self.media_assets = {}
        self.sim.at(beijing_time(self.day(-3), 9, 5), self.register_media)

    def swapped_post(self) -> PlannedPost | None:
        """The post drafted with the stock visual whose licence has run out: the first topic
        post without a slip (None if the plan has none)."""
        chosen = [p for p in self.plan if p.role == "topic" and not p.slip]
        return chosen[0] if chosen else None

    def stock_expiry(self) -> date:
        """The last day of the stock visual's licence: before the swapped post is drafted."""
        post = self.swapped_post()
        return self.day(-3 if post is None else max(post.day - 3, -3))

    def register_media(self) -> None:
        """Register the library's own photo and the stock key visual, with their licences."""
        ops, key, planner = self.ops, self.key, TEAM["planner"]
        self.media_assets["own"] = ops.media.register(
            planner,
            title="馆舍实景 · Library interior",
            kind="image",
            source="City Library photo archive",
            content_ref=f"sha256:{self.index:02d}" + "0" * 62,
            licence=Licence(kind="own_work", holder="City Library"),
            idempotency_key=f"{key}:media:own",
        )
        self.media_assets["stock"] = ops.media.register(
            planner,
            title="读书日主视觉 · Book Day key visual",
            kind="image",
            source="Stock image agency",
            content_ref=f"sha256:{self.index:02d}" + "1" * 62,
            licence=Licence(
                kind="purchased",
                holder="Stock image agency",
                reference=f"order Q{self.index}-0418",
                expires_on=self.stock_expiry(),
            ),
            idempotency_key=f"{key}:media:stock",
        )

    def post_media(self, post: PlannedPost) -> list[str]:
        """The media a planned post is drafted with."""
        if post is self.swapped_post() and "stock" in self.media_assets:
            return [asset_reference(self.media_assets["stock"])]
        return [f"media/q{self.index}-{post.n:04d}.jpg"]

    def own_media(self) -> list[str]:
        """The media a post swaps to when its licence fails: the library's own photo."""
        return [asset_reference(self.media_assets["own"])]
