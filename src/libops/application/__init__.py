"""The application layer: command services that load aggregates, call them and save once."""
