"""eventsourcing transcodings for libops values, built from the domain's schema registry."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from libops.domain.schema import ENUM_TYPES, VALUE_TYPES, converter
from libops.domain.values import resume_limits, suspend_limits


class ValueTranscoding(Transcoding):
    """Stores an attrs value object as the plain data the libops converter gives."""

    def __init__(self, value_type: type[Any], name: str) -> None:
        self.type = value_type
        self.name = name
        self._unstructure = converter.get_unstructure_hook(value_type)
        self._structure = converter.get_structure_hook(value_type)

    def encode(self, obj: Any) -> Any:
        return self._unstructure(obj)

    def decode(self, data: Any) -> Any:
        # A stored value is read back as it was recorded, even past a limit set since.
        token = suspend_limits()
        try:
            return self._structure(data, self.type)
        finally:
            resume_limits(token)


class EnumTranscoding(Transcoding):
    """Stores an enumeration member as its value."""

    def __init__(self, enum_type: type[enum.Enum], name: str) -> None:
        self.type = enum_type
        self.name = name

    def encode(self, obj: enum.Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> enum.Enum:
        member: enum.Enum = self.type(data)
        return member


def register_libops_transcodings(
    transcoder: JSONTranscoder, extra: Mapping[type[Any], str] = MappingProxyType({})
) -> None:
    """Register every libops value and enumeration type on ``transcoder``, and the
    ``extra`` attrs classes (the application's stored command results) by their names."""
    for value_type, name in {**VALUE_TYPES, **extra}.items():
        transcoder.register(ValueTranscoding(value_type, name))
    for enum_type, name in ENUM_TYPES.items():
        transcoder.register(EnumTranscoding(enum_type, name))
