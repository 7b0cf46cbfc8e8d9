"""What ``from libops import ...`` offers an embedder: real parameter types, never ``object``."""

from __future__ import annotations

import inspect

import libops


def _object_parameters() -> list[tuple[str, str]]:
    """Every (name, parameter) of an exported class's constructor or function typed ``object``."""
    found: list[tuple[str, str]] = []
    for name in libops.__all__:
        exported = getattr(libops, name)
        if inspect.isclass(exported):
            try:
                signature = inspect.signature(exported.__init__)
            except (ValueError, TypeError):
                continue
        elif inspect.isfunction(exported):
            signature = inspect.signature(exported)
        else:
            continue
        found += [
            (name, parameter.name)
            for parameter in signature.parameters.values()
            if parameter.annotation in ("object", object)
        ]
    return found


def test_no_public_parameter_is_typed_object() -> None:
    """No public constructor or function takes a parameter annotated ``object``."""
    assert _object_parameters() == []
