"""``python -m libops.cli``: the command line, as the ``libops`` console script runs it."""

from libops.cli import main

main()
