"""What a run of the projection engine did, projection by projection."""

from __future__ import annotations

from collections.abc import Mapping

import attrs


@attrs.frozen
class RunReport:
    """What one :meth:`ProjectionEngine.run` did for one projection."""

    name: str
    applied: int
    """Events applied to the view and committed."""
    batches: int
    """Batches committed."""
    conflicts: int
    """Batches another engine committed first (rolled back and re-read)."""
    position: int
    """The projection's position when the run ended."""

    def then(self, later: RunReport) -> RunReport:
        """This report and ``later`` (the same projection's next run) added up."""
        return RunReport(
            self.name,
            self.applied + later.applied,
            self.batches + later.batches,
            self.conflicts + later.conflicts,
            later.position,
        )


def merge_reports(totals: dict[str, RunReport], reports: Mapping[str, RunReport]) -> None:
    """Add ``reports`` of one run to the running ``totals`` (in place)."""
    for name, report in reports.items():
        before = totals.get(name)
        totals[name] = report if before is None else before.then(report)
