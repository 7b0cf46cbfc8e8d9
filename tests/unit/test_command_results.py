"""A keyed command's first result is stored with its key: every such result must be storable.

Found by the generated bad-input test: ``audit.checkpoint`` with an idempotency key failed
with "CheckpointInfo is not serializable" once the log held anything to sign.
"""

from __future__ import annotations

import datetime
import decimal
import typing
import uuid
from typing import Any

from libops import Actor, LibOps, Role
from libops.application.catalogue import all_commands, result_type
from libops.application.checkpoints import RecordCheckpoint
from libops.application.commands import RESULT_TYPES
from libops.domain.schema import ENUM_TYPES, VALUE_TYPES

PLAIN: tuple[Any, ...] = (
    type(None),
    str,
    int,
    bool,
    float,
    uuid.UUID,
    datetime.datetime,
    datetime.date,
    decimal.Decimal,
)
CONTAINERS = (list, tuple, dict)


def leaves(annotation: Any) -> list[Any]:
    """The classes an annotation is made of (``list[X] | None`` gives list, X, NoneType)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if not args:
        return [annotation]
    found = [origin] if origin in CONTAINERS else []
    return found + [leaf for arg in args for leaf in leaves(arg) if leaf is not Ellipsis]


def test_every_keyed_result_is_storable() -> None:
    storable = {Any, *PLAIN, *CONTAINERS, *VALUE_TYPES, *ENUM_TYPES, *RESULT_TYPES}
    unstorable = {
        name: [leaf for leaf in leaves(result_type(spec.type)) if leaf not in storable]
        for name, spec in all_commands().items()
        if spec.type.KEYED
    }
    assert {name: found for name, found in unstorable.items() if found} == {}


def test_a_keyed_checkpoint_is_stored_and_repeated(store_url: str) -> None:
    auditor = Actor("ann.audit", [Role.AUDITOR, Role.OPERATIONS_ADMIN, Role.TECHNICAL_SUPPORT])
    with LibOps.open(store_url, migrate=True) as ops:
        assert ops.execute(auditor, RecordCheckpoint(idempotency_key="nightly-1")) is None
        first = ops.execute(auditor, RecordCheckpoint(idempotency_key="nightly-2"))
        again = ops.execute(auditor, RecordCheckpoint(idempotency_key="nightly-2"))
        assert first is not None
        assert first.size >= 1
        assert again == first
        assert len(ops.audit.checkpoints()) == 1
