"""Exporting the whole history as an audit bundle that :mod:`libops.verify` checks alone.

The bundle is JSON Lines (see :func:`libops.verify.read_bundle` for the format): a header,
every checkpoint (as the log keeps it: the signed statement, its frontier and the leaf hashes
it covers), then every event of the log in order, exactly as stored (its state in base64,
ciphertext and all). An auditor checks it with ``python -m libops.verify BUNDLE``, without
libops's domain code or a database.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Final, TextIO

import attrs

from libops.application.app import LibOpsApplication
from libops.application.checkpoints import aggregate_hex, read_checkpoints
from libops.verify import BUNDLE_FORMAT, StoredCheckpoint

PAGE: Final = 5_000
"""How many events one read of the log returns."""


@attrs.frozen
class ExportReport:
    """What an export wrote."""

    events: int
    checkpoints: int
    last_position: int


def stored_checkpoints(app: LibOpsApplication) -> list[StoredCheckpoint]:
    """Every checkpoint the log holds that can be read, with its own position, as plain data."""
    readable, _unreadable = read_checkpoints(app)
    return readable


def _event_line(notification: Any) -> str:
    aggregate_id = aggregate_hex(notification.originator_id)
    state = base64.b64encode(bytes(notification.state)).decode("ascii")
    row = [
        notification.id,
        aggregate_id,
        notification.originator_version,
        notification.topic,
        state,
    ]
    return json.dumps({"event": row}, ensure_ascii=False, separators=(",", ":"))


def export_bundle(
    app: LibOpsApplication,
    out: TextIO,
    *,
    exported_at: str,
    on_progress: Callable[[int, int], None] | None = None,
) -> ExportReport:
    """Write the whole log to ``out`` as an audit bundle, up to its last event now.

    ``on_progress`` gets the position reached and the last position after each page.
    """
    stop = app.recorder.max_notification_id() or 0
    checkpoints = [c for c in stored_checkpoints(app) if c.position <= stop]
    header = {
        "format": BUNDLE_FORMAT,
        "version": 1,
        "exported_at": exported_at,
        "last_position": stop,
        "checkpoints": len(checkpoints),
    }
    out.write(json.dumps(header) + "\n")
    for checkpoint in checkpoints:
        out.write(json.dumps({"checkpoint": checkpoint._asdict()}) + "\n")
    events = after = 0
    while after < stop:
        batch = app.recorder.select_notifications(after, PAGE, stop=stop, inclusive_of_start=False)
        if not batch:
            break
        out.writelines(_event_line(notification) + "\n" for notification in batch)
        events += len(batch)
        after = batch[-1].id
        if on_progress is not None:
            on_progress(after, stop)
    return ExportReport(events=events, checkpoints=len(checkpoints), last_position=after)
