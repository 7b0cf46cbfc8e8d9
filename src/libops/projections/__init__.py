"""Read models computed from the event log: the exactly-once engine and custom projections.

Write a :class:`Projection` with ``@handles(...)`` methods that change a :class:`View`, and run
it with :class:`ProjectionEngine`; see docs/projections.md. The engine reads an
:class:`EventLog` and writes a :class:`ViewStore` (the ports in :mod:`libops.projections.ports`);
an opened :class:`~libops.LibOps` provides both.
"""

from libops.projections.engine import ProjectionEngine
from libops.projections.ports import EventLog, ProjectionStore, ViewChanges, ViewStore
from libops.projections.reports import RunReport
from libops.projections.views import Projection, View, handles

__all__ = [
    "EventLog",
    "Projection",
    "ProjectionEngine",
    "ProjectionStore",
    "RunReport",
    "View",
    "ViewChanges",
    "ViewStore",
    "handles",
]
