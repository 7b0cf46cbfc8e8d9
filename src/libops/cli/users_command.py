"""``libops users``: the people who sign in, their roles, scopes, passwords and API tokens.

The CLI acts as the local operator: whoever can run it on the store's machine holds the
store itself, so it acts as an operations admin (``--by`` names them in the record), which
is also how the first user is added to a store that has none.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from libops.adapters.storage import DEFAULT_STORE
from libops.bootstrap import LibOps
from libops.cli.common import StoreOption, operator, parse_day, print_json, reporting_errors, stdout
from libops.domain.errors import PasswordPolicyError
from libops.domain.users import User, normalise_login
from libops.domain.values import Role
from libops.projections.engine import ProjectionEngine
from libops.projections.team import Member, TeamProjection, roster

users_app = typer.Typer(
    help="People and access: users, roles, scopes, passwords and API tokens.",
    no_args_is_help=True,
)
tokens_app = typer.Typer(help="A user's API tokens: issue, list, revoke.", no_args_is_help=True)
users_app.add_typer(tokens_app, name="tokens")
training_app = typer.Typer(help="A member's training records: add.", no_args_is_help=True)
users_app.add_typer(training_app, name="training")

ByOption = Annotated[
    str,
    typer.Option("--by", help="Who makes the change (recorded as an operations admin)."),
]
LoginArgument = Annotated[str, typer.Argument(help="The user's login.")]
MemberArgument = Annotated[str, typer.Argument(help="The member's login.")]
RoleOption = Annotated[
    list[str],
    typer.Option("--role", help="A role (repeat for several): " + ", ".join(r.value for r in Role)),
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    again = typer.prompt("Password again", hide_input=True)
    if first != again:
        raise PasswordPolicyError("the two passwords typed differ")
    return str(first)


def _user_json(user: User) -> dict[str, object]:
    scope = user.scope
    return {
        "login": user.login,
        "name": user.name,
        "roles": sorted(r.value for r in user.roles),
        "platforms": None if scope.platforms is None else sorted(p.value for p in scope.platforms),
        "campaigns": None if scope.campaigns is None else sorted(map(str, scope.campaigns)),
        "disabled": user.disabled,
        "has_password": user.password_hash is not None,
        "tokens": sum(not t.revoked for t in user.tokens.values()),
    }


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(help="The login (letters, digits, . _ @ -).")],
    name: Annotated[str, typer.Option("--name", help="The person's display name.")],
    role: RoleOption,
    campaign: Annotated[
        list[str] | None,
        typer.Option("--campaign", help="Limit the roles to this campaign (repeat)."),
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option("--platform", help="Limit the roles to this platform's accounts (repeat)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Add the user without a password (tokens only).")
    ] = False,
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Add a user with roles (and a scope); asks for their password unless --no-password."""
    actor = operator(by)
    with reporting_errors(store):
        password = None if no_password else _read_password(password_stdin)
        with LibOps.open(store) as ops:
            ops.users.add(
                actor,
                login=login,
                name=name,
                roles=role,
                platforms=platform or None,
                campaigns=campaign or None,
            )
            if password is not None:
                ops.users.set_password(actor, login=login, password=password)
    stdout().print(f"added user {normalise_login(login)}")


@users_app.command("password")
def users_password(
    login: LoginArgument,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Set a user's password (asked for, or read from standard input)."""
    with reporting_errors(store):
        password = _read_password(password_stdin)
        with LibOps.open(store) as ops:
            ops.users.set_password(operator(by), login=login, password=password)
    stdout().print(f"password set for {normalise_login(login)}")


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """List the users: login, name, roles, scope, whether disabled."""
    with reporting_errors(store), LibOps.open(store) as ops:
        users = [ops.users.get(login) for login in ops.users.logins()]
    rows = [_user_json(u) for u in users]
    if as_json:
        print_json(rows)
        return
    table = Table("login", "name", "roles", "scope", "state", box=None, pad_edge=False)
    for row in rows:
        scope = []
        if row["platforms"] is not None:
            scope.append("platforms: " + ", ".join(row["platforms"]))  # type: ignore[arg-type]
        if row["campaigns"] is not None:
            scope.append("campaigns: " + ", ".join(row["campaigns"]))  # type: ignore[arg-type]
        table.add_row(
            str(row["login"]),
            str(row["name"]),
            ", ".join(row["roles"]),  # type: ignore[arg-type]
            "; ".join(scope) or "all",
            "disabled" if row["disabled"] else "enabled",
        )
    out = stdout()
    out.print(f"{len(rows)} users")
    out.print(table)


@users_app.command("roles")
def users_roles(
    login: LoginArgument,
    role: RoleOption,
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Replace a user's roles."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.users.change_roles(operator(by), login=login, roles=role)
    stdout().print(f"{normalise_login(login)}: {', '.join(sorted(role))}")


@users_app.command("scopes")
def users_scopes(
    login: LoginArgument,
    campaign: Annotated[
        list[str] | None, typer.Option("--campaign", help="A campaign they reach (repeat).")
    ] = None,
    platform: Annotated[
        list[str] | None, typer.Option("--platform", help="A platform they reach (repeat).")
    ] = None,
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Replace the campaigns and platforms a user's roles reach (none given: everything)."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.users.change_scopes(
            operator(by), login=login, platforms=platform or None, campaigns=campaign or None
        )
    stdout().print(f"scope of {normalise_login(login)} changed")


@users_app.command("disable")
def users_disable(
    login: LoginArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")] = "",
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Stop a user signing in (by password or token)."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.users.disable(operator(by), login=login, reason=reason)
    stdout().print(f"disabled {normalise_login(login)}")


@users_app.command("enable")
def users_enable(
    login: LoginArgument,
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Let a disabled user sign in again."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.users.enable(operator(by), login=login)
    stdout().print(f"enabled {normalise_login(login)}")


@tokens_app.command("issue")
def tokens_issue(
    login: LoginArgument,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="A role of the token (repeat; default: all the user's)."),
    ] = None,
    expires_days: Annotated[
        int, typer.Option("--expires-days", help="Days until it expires (1 to 366).")
    ] = 90,
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Issue an API token and print it (this once: only its hash is kept)."""
    with reporting_errors(store), LibOps.open(store) as ops:
        issued = ops.users.issue_token(
            operator(by), login=login, roles=role or None, expires_days=expires_days, label=label
        )
    print(issued.token)
    typer.echo(
        f"token {issued.token_id}, expires {issued.expires_at.isoformat()}: store it now, "
        "it is not shown again",
        err=True,
    )


@tokens_app.command("list")
def tokens_list(
    login: LoginArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """List a user's tokens (ids, roles, expiry, label; never their secrets)."""
    with reporting_errors(store), LibOps.open(store) as ops:
        user = ops.users.get(login)
    rows = [
        {
            "token_id": t.token_id,
            "roles": sorted(r.value for r in t.roles),
            "expires_at": t.expires_at.isoformat(),
            "label": t.label,
            "revoked": t.revoked,
        }
        for t in user.tokens.values()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("token", "roles", "expires", "label", "state", box=None, pad_edge=False)
    for row in rows:
        table.add_row(
            str(row["token_id"]),
            ", ".join(row["roles"]),  # type: ignore[arg-type]
            str(row["expires_at"]),
            str(row["label"]),
            "revoked" if row["revoked"] else "active",
        )
    stdout().print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    login: LoginArgument,
    token_id: Annotated[str, typer.Argument(help="The token's id (from tokens list).")],
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Revoke one of a user's API tokens."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.users.revoke_token(operator(by), login=login, token_id=token_id)
    stdout().print(f"revoked token {token_id}")


# --- the team (issue 17, item 7): duties, joining, leaving, training, the roster -------------


@users_app.command("duties")
def users_duties(
    login: MemberArgument,
    duties: Annotated[
        list[str] | None,
        typer.Argument(help='Their duties, each one argument ("WeChat editor"); none clears.'),
    ] = None,
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Replace a member's duties."""
    with reporting_errors(store), LibOps.open(store) as ops:
        ops.users.set_duties(operator(by), login=login, duties=duties or [])
    stdout().print(f"{normalise_login(login)}: {'; '.join(duties or []) or 'no duties'}")


@users_app.command("join")
def users_join(
    login: MemberArgument,
    on: Annotated[str, typer.Option("--on", help="The day they joined (YYYY-MM-DD).")],
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Record the day a member joined the team (a member who left rejoins this way)."""
    with reporting_errors(store):
        day = parse_day(on, "--on")
        with LibOps.open(store) as ops:
            ops.users.join(operator(by), login=login, on=day)
    stdout().print(f"{normalise_login(login)} joined on {day.isoformat()}")


@users_app.command("leave")
def users_leave(
    login: MemberArgument,
    on: Annotated[str, typer.Option("--on", help="The day they left (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")] = "",
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Record that a member left the team: they can no longer sign in or act."""
    with reporting_errors(store):
        day = parse_day(on, "--on")
        with LibOps.open(store) as ops:
            ops.users.leave(operator(by), login=login, on=day, reason=reason)
    stdout().print(f"{normalise_login(login)} left on {day.isoformat()} (disabled)")


@training_app.command("add")
def training_add(
    login: MemberArgument,
    course: Annotated[str, typer.Option("--course", help="The course's name.")],
    on: Annotated[str, typer.Option("--date", help="The day of the training (YYYY-MM-DD).")],
    hours: Annotated[str, typer.Option("--hours", help="Hours spent (above 0, at most 500).")],
    provider: Annotated[str, typer.Option("--provider", help="Who gave it.")] = "",
    learned: Annotated[str, typer.Option("--learned", help="What was learned.")] = "",
    certificate: Annotated[
        str, typer.Option("--certificate", help="A certificate's reference.")
    ] = "",
    by: ByOption = "operations-admin",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Record a training a member took."""
    with reporting_errors(store):
        day = parse_day(on, "--date")
        with LibOps.open(store) as ops:
            training_id = ops.users.record_training(
                operator(by),
                login=login,
                course=course,
                on=day,
                hours=hours,
                provider=provider,
                learned=learned,
                certificate=certificate,
            )
    stdout().print(f"training {training_id} recorded for {normalise_login(login)}")


def _member_json(member: Member) -> dict[str, Any]:
    return {
        "login": member.login,
        "name": member.name,
        "roles": list(member.roles),
        "duties": list(member.duties),
        "joined": None if member.joined is None else member.joined.isoformat(),
        "joined_recorded": member.joined_recorded,
        "left": None if member.left is None else member.left.isoformat(),
        "left_reason": member.left_reason,
        "disabled": member.disabled,
        "history": [[d.isoformat(), change, detail] for d, change, detail in member.history],
        "training": [
            {
                "id": t.training_id,
                "course": t.course,
                "provider": t.provider,
                "date": t.day.isoformat(),
                "hours": str(t.hours),
                "learned": t.learned,
                "certificate": t.certificate,
            }
            for t in member.trainings
        ],
    }


@users_app.command("roster")
def users_roster(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """The team: each member's roles, duties, joining and leaving days, training hours (with
    --json: also the dated history of role and duty changes, and each training)."""
    with (
        reporting_errors(store),
        LibOps.open(store) as ops,
        ProjectionEngine(ops, [TeamProjection()]) as engine,
    ):
        engine.run()
        members = roster(engine.view(TeamProjection.name))
    if as_json:
        print_json([_member_json(m) for m in members])
        return
    table = Table(
        "login", "name", "roles", "duties", "joined", "left", "training", box=None, pad_edge=False
    )
    for m in members:
        hours = sum(t.hours for t in m.trainings)
        table.add_row(
            m.login,
            m.name,
            ", ".join(m.roles),
            "; ".join(m.duties) or "—",
            "—" if m.joined is None else m.joined.isoformat() + ("" if m.joined_recorded else "*"),
            "—" if m.left is None else m.left.isoformat(),
            f"{hours} h ({len(m.trainings)})" if m.trainings else "—",
        )
    out = stdout()
    out.print(f"{len(members)} members (* joined: the day added; no joining day recorded)")
    out.print(table)
