"""The libops command line: ``libops demo``, ``libops report``, ``libops campaigns``,
``libops commands``, ``libops db ...``, ``libops project ...``, ``libops audit ...``,
``libops privacy ...`` and ``libops --version``.

Every command that touches the event store takes ``--store URL`` (or reads ``LIBOPS_STORE``;
the default is the embedded ``sqlite:///libops.db``). Any error ends the command with a
one-line message on standard error and a non-zero exit code, never a traceback: 2 for a store
URL that is wrong as written or a bad argument, 1 for anything else about the store, 70 for an
error libops did not expect (a bug). ``libops --debug ...`` (or ``LIBOPS_DEBUG=1``) shows the
traceback instead.

One module per command group (:mod:`~libops.cli.db`, :mod:`~libops.cli.project`,
:mod:`~libops.cli.demo_command`, :mod:`~libops.cli.report_command`,
:mod:`~libops.cli.campaigns_command`, ...), what they share in :mod:`~libops.cli.common`,
and :mod:`~libops.cli.app` assembling :data:`app`. New commands are plain functions
registered there (or on a sub-app such as :data:`db_app`); wrap their work in
:func:`reporting_errors`. Their docstrings are unwrapped for ``--help``
(:func:`unwrap_help`), so each paragraph wraps to the terminal; a help text must not hold a
word wider than its column (rich cuts it with "…"): the help of every command is checked at
80 columns in ``tests/integration/test_campaigns_cli.py``.
"""

from __future__ import annotations

from libops.cli.app import app, installed_version, main
from libops.cli.campaigns_command import campaign_row, campaigns
from libops.cli.common import (
    DEBUG_ENV_VAR,
    EXIT_BAD_URL,
    EXIT_INTERNAL,
    EXIT_STORE_ERROR,
    EXIT_USAGE,
    LibopsGroup,
    StoreOption,
    reporting_errors,
    stderr,
    stdout,
    unwrap_help,
)
from libops.cli.db import db_app, db_check, db_migrate
from libops.cli.demo_command import DEMO_LANGUAGES, demo
from libops.cli.follow import (
    FOLLOW_INTERVAL,
    SIGNALS_VIEW,
    ProjectionReports,
)
from libops.cli.project import (
    BatchSizeOption,
    JsonOption,
    project_app,
    project_rebuild,
    project_run,
    project_status,
)
from libops.cli.report_command import EXIT_NO_FONT, report

__all__ = [
    "DEBUG_ENV_VAR",
    "DEMO_LANGUAGES",
    "EXIT_BAD_URL",
    "EXIT_INTERNAL",
    "EXIT_NO_FONT",
    "EXIT_STORE_ERROR",
    "EXIT_USAGE",
    "FOLLOW_INTERVAL",
    "SIGNALS_VIEW",
    "BatchSizeOption",
    "JsonOption",
    "LibopsGroup",
    "ProjectionReports",
    "StoreOption",
    "app",
    "campaign_row",
    "campaigns",
    "db_app",
    "db_check",
    "db_migrate",
    "demo",
    "installed_version",
    "main",
    "project_app",
    "project_rebuild",
    "project_run",
    "project_status",
    "report",
    "reporting_errors",
    "stderr",
    "stdout",
    "unwrap_help",
]
