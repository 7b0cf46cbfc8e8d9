"""The ``libops`` typer application, assembled from the command groups."""

from __future__ import annotations

from importlib import metadata
from typing import Annotated

import typer

from libops.cli.audit import audit_app
from libops.cli.campaigns_command import campaigns
from libops.cli.commands_command import commands
from libops.cli.common import DebugOption, LibopsGroup, set_debug
from libops.cli.credentials_command import credentials_app
from libops.cli.db import db_app
from libops.cli.demo_command import demo
from libops.cli.import_command import import_export
from libops.cli.platforms_command import platforms
from libops.cli.privacy_command import privacy_app
from libops.cli.project import project_app
from libops.cli.publish_command import metrics_app, publish_app
from libops.cli.report_command import report
from libops.cli.serve_command import serve
from libops.cli.standing_command import standing_app
from libops.cli.surveys_command import surveys_app
from libops.cli.tick_command import tick_command
from libops.cli.users_command import users_app
from libops.cli.webhooks_command import webhooks_app

app = typer.Typer(
    name="libops",
    help="Run a library's social-media operations on an event-sourced store.",
    no_args_is_help=True,
    add_completion=False,
    # Local variables hold store URLs with passwords: never print them in a traceback.
    pretty_exceptions_show_locals=False,
    # Errors become one-line messages and exit codes (tracebacks only with --debug).
    cls=LibopsGroup,
)


def installed_version() -> str:
    """libops's version: the installed package's metadata, else ``libops.__version__``."""
    try:
        return metadata.version("libops")
    except metadata.PackageNotFoundError:
        import libops

        return libops.__version__


def _print_version(value: bool) -> None:
    if value:
        print(f"libops {installed_version()}")
        raise typer.Exit(0)


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        "-V",
        help="Print libops's version and exit.",
        callback=_print_version,
        is_eager=True,
    ),
]


@app.callback()
def libops_options(debug: DebugOption = False, version: VersionOption = False) -> None:
    """Run a library's social-media operations on an event-sourced store."""
    set_debug(debug)


app.add_typer(db_app, name="db")
app.add_typer(project_app, name="project")
app.add_typer(audit_app, name="audit")
app.add_typer(privacy_app, name="privacy")
app.add_typer(standing_app, name="standing")
app.add_typer(surveys_app, name="surveys")
app.add_typer(users_app, name="users")
app.add_typer(webhooks_app, name="webhooks")
app.command("demo")(demo)
app.command("report")(report)
app.command("campaigns")(campaigns)
app.command("commands")(commands)
app.command("serve")(serve)
app.command("platforms")(platforms)
app.add_typer(publish_app, name="publish")
app.add_typer(metrics_app, name="metrics")
app.add_typer(credentials_app, name="credentials")
app.command("tick")(tick_command)
app.command("import")(import_export)


def main() -> None:
    """Run the libops command line (the ``libops`` console script)."""
    app()
