"""The reliability suite: writers killed, servers stopped, contention and live followers.

``python -m tests.reliability`` runs every scenario with CI's modest counts and
``python -m tests.reliability --full`` with the full ones (docs/reliability.md); pytest runs
the CI counts through ``tests/reliability/test_reliability.py`` (marked ``slow``).
"""
