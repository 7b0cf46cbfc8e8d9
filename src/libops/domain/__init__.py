"""The libops domain model: aggregates, value objects, rules and ports. No I/O happens here."""

# The platform registry: Platform consults it for the ids registered besides its members.
from libops.domain import platforms as _platforms  # noqa: F401
