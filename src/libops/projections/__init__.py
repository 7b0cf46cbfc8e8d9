"""Read models computed from the event log: the exactly-once engine and custom projections.

Write a :class:`Projection` with ``@handles(...)`` methods that change a :class:`View`, and run
it with :class:`ProjectionEngine`; see docs/projections.md.
"""

from libops.projections.engine import ProjectionEngine, RunReport, migrate_projection_tables, run
from libops.projections.views import Projection, View, handles

__all__ = [
    "Projection",
    "ProjectionEngine",
    "RunReport",
    "View",
    "handles",
    "migrate_projection_tables",
    "run",
]
