"""Read models computed from the event log (the projection engine arrives with issue 4)."""
