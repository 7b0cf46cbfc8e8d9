"""The risk register (``/risks``): the heat map of likelihood by impact, the open risks, a
risk identified or reassessed (docs/web.md)."""

from __future__ import annotations

from starlette.responses import Response

from libops.domain.permissions import authorize
from libops.domain.risk import MAX_RATING as RATINGS
from libops.domain.risk import RiskCategory, RiskLevel, level_for
from libops.web.base import Page, Refused, WebBase, may, parse_id, parse_rating, tr


class RisksScreen(WebBase):
    """The risk register's page (``/risks``) and its forms."""

    def risks(
        self, page: Page, *, message: str | None = None, error: str | None = None
    ) -> Response:
        engine = self.ops.projections
        engine.run()
        view = engine.view("risks")
        register = view.get("register") or {}
        heat = register.get("heat_map") or [[0] * RATINGS for _ in range(RATINGS)]
        # Rows: likelihood 5 (top) to 1; columns: impact 1 to 5; each cell its count and level.
        grid = [
            (
                likelihood,
                [
                    (impact, heat[likelihood - 1][impact - 1], level_for(likelihood * impact).value)
                    for impact in range(1, RATINGS + 1)
                ],
            )
            for likelihood in range(RATINGS, 0, -1)
        ]
        open_risks = sorted(
            (
                (key.removeprefix("risk:"), doc)
                for key, doc in view.items()
                if key.startswith("risk:") and doc.get("status") == "open"
            ),
            key=lambda pair: (-pair[1]["score"], pair[1]["title"]),
        )
        person = page.person
        return self.render(
            page,
            "risks.html",
            422 if error else 200,
            grid=grid,
            register=register,
            open_risks=open_risks,
            ratings=list(range(1, RATINGS + 1)),
            categories=[c.value for c in RiskCategory],
            logins=self.ops.users.logins(),
            may_identify=may(person, "risk.identify") or may(person, "risk.identify_content"),
            content_only=not may(person, "risk.identify"),
            may_reassess=may(person, "risk.reassess"),
            levels=[level.value for level in RiskLevel],
            message=message,
            error=error,
            form=page.form,
        )

    def identify_risk(self, page: Page) -> Response:
        form = page.form
        category = form.get("category", "")
        if category == RiskCategory.CONTENT.value:
            authorize(page.person, "risk.identify_content")
        else:
            authorize(page.person, "risk.identify")
        identified = self.attempt(
            lambda: self.ops.risks.identify(
                page.person,
                title=form.get("title", ""),
                category=category,
                likelihood=parse_rating(form.get("likelihood", ""), "likelihood"),
                impact=parse_rating(form.get("impact", ""), "impact"),
                owner=form.get("owner", ""),
                description=form.get("description", ""),
            )
        )
        if isinstance(identified, Refused):
            return self.risks(page, error=identified.message)
        return self.risks(page, message=tr(page, "risks.identified"))

    def reassess_risk(self, page: Page) -> Response:
        authorize(page.person, "risk.reassess")
        form = page.form
        risk_id = parse_id(form.get("risk_id", ""), "risk")
        reassessed = self.attempt(
            lambda: self.ops.risks.reassess(
                page.person,
                risk_id,
                likelihood=parse_rating(form.get("likelihood", ""), "likelihood"),
                impact=parse_rating(form.get("impact", ""), "impact"),
                reason=form.get("reason", ""),
            )
        )
        if isinstance(reassessed, Refused):
            return self.risks(page, error=reassessed.message)
        return self.risks(page, message=tr(page, "risks.reassessed"))
