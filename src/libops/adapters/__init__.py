"""Adapters: storage, platforms, clocks and other things that touch the outside world."""
