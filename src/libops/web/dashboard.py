"""The dashboard (``/``): the scorecard by campaign and the engagement by platform, from the
projections, caught up on each visit (docs/web.md)."""

from __future__ import annotations

from starlette.responses import Response

from libops.domain.platforms import REGISTRY
from libops.web.base import Page, WebBase


class DashboardScreen(WebBase):
    """The dashboard's page (``/``)."""

    def dashboard(self, page: Page) -> Response:
        engine = self.ops.projections
        engine.run()
        scorecard = engine.view("scorecard")
        engagement = engine.view("engagement")
        campaigns = [doc for key, doc in sorted(scorecard.items()) if key.startswith("campaign:")]
        platforms = [
            (key.removeprefix("platform:"), doc)
            for key, doc in sorted(engagement.items())
            if key.startswith("platform:")
        ]
        names = {profile.id: profile.name(page.lang) for profile in REGISTRY}
        return self.render(
            page,
            "dashboard.html",
            campaigns=campaigns,
            platforms=[(names.get(p, p), doc) for p, doc in platforms],
            position=self.ops.app.recorder.max_notification_id() or 0,
        )
