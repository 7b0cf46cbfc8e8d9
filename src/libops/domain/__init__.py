"""The libops domain model: aggregates, value objects, rules and ports. No I/O happens here."""
