"""The activity log (``/activity``): who did what, the latest first, a page at a time, from
the activity projection (docs/web.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from libops.domain.errors import MalformedRequestError
from libops.projections.activity import PAGE_SIZE as ACTIVITY_PAGE_SIZE
from libops.projections.activity import expand, summarised
from libops.projections.activity import page_key as activity_page_key
from libops.web.base import ACTIVITY_PAGE, Page, WebBase


class ActivityScreen(WebBase):
    """The activity log's page (``/activity``)."""

    def activity(self, page: Page) -> Response:
        engine = self.ops.projections
        engine.run()
        total = int(engine.get("activity", "sequence") or 0)
        before_text = page.request.query_params.get("before")
        before = total + 1
        if before_text is not None:
            if (
                not before_text.isascii()
                or not before_text.isdigit()
                or len(before_text) > 18
                or int(before_text) < 1
            ):
                raise MalformedRequestError(
                    "before", f"before is an entry's number (1 or more), not {before_text!r}"
                )
            before = min(int(before_text), total + 1)
        first = max(1, before - ACTIVITY_PAGE)
        pages: dict[str, list[Any]] = {}
        rows = []
        for sequence in range(before - 1, first - 1, -1):
            key = activity_page_key(sequence)
            if key not in pages:
                pages[key] = engine.get("activity", key) or []
            index = (sequence - 1) % ACTIVITY_PAGE_SIZE
            if index < len(pages[key]):
                found = summarised(self.ops.event_log(), expand(pages[key][index]))
                found["recorded_at"] = datetime.fromisoformat(found["recorded_at"])
                rows.append(found)
        return self.render(
            page,
            "activity.html",
            rows=rows,
            total=total,
            older=first if first > 1 else None,
            newer=before + ACTIVITY_PAGE if before <= total else None,
            zone=self.ops.posts.cadence.zone,
        )
