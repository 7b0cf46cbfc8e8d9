"""The state machines' fixture: each kind of store in turn."""

from tests.stateful.harness import machine_store

__all__ = ["machine_store"]
