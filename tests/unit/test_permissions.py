"""The permission table is the one place that says who may do what."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import libops
from libops import Actor, Role
from libops.domain.errors import PermissionDeniedError
from libops.domain.permissions import PERMISSIONS, authorize

SRC = Path(libops.__file__).parent
DOMAIN = SRC / "domain"


def _authorize_calls(source: str, filename: str) -> tuple[set[str], list[str]]:
    """The command names passed to ``authorize(...)`` in ``source``, and calls not checkable.

    A command name must be a string literal, so this scan (and a reader) can see it.
    """
    names: set[str] = set()
    problems: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called != "authorize":
            continue
        command = node.args[1] if len(node.args) > 1 else None
        for keyword in node.keywords:
            if keyword.arg == "command":
                command = keyword.value
        if isinstance(command, ast.Constant) and isinstance(command.value, str):
            names.add(command.value)
        else:
            problems.append(f"{filename}:{node.lineno}: the command name is not a literal")
    return names, problems


def _scan(root: Path) -> tuple[set[str], list[str]]:
    names: set[str] = set()
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        found, trouble = _authorize_calls(path.read_text(encoding="utf-8"), str(path))
        names |= found
        problems += trouble
    return names, problems


class TestTheTableIsTheOnePlace:
    def test_the_scan_finds_authorize_calls(self) -> None:
        """The scan sees literal names, keyword names, and refuses names it cannot read."""
        source = (
            "from libops.domain import permissions\n"
            "def f(actor, name):\n"
            "    authorize(actor, 'a.one')\n"
            "    permissions.authorize(actor, command='a.two')\n"
            "    authorize(actor, name)\n"
        )
        names, problems = _authorize_calls(source, "example.py")
        assert names == {"a.one", "a.two"}
        assert problems == ["example.py:5: the command name is not a literal"]

    def test_domain_command_names_are_in_the_table(self) -> None:
        """Every authorize(...) in libops.domain names a command in PERMISSIONS, literally."""
        names, problems = _scan(DOMAIN)
        assert not problems
        assert {"campaign.plan", "campaign.launch"} <= names  # the scan is not vacuous
        assert sorted(names - set(PERMISSIONS)) == []

    def test_every_table_entry_is_used_in_the_domain(self) -> None:
        """Every command in PERMISSIONS is checked by some authorize(...) in libops.domain."""
        names, _ = _scan(DOMAIN)
        assert sorted(set(PERMISSIONS) - names) == []

    def test_other_layers_use_only_table_names(self) -> None:
        """authorize(...) outside the domain (application, adapters) also names table entries."""
        names, problems = _scan(SRC)
        assert not problems
        assert sorted(names - set(PERMISSIONS)) == []

    def test_no_role_checks_outside_the_table(self) -> None:
        """Only permissions.py asks whether an actor holds a role."""
        offenders = []
        for path in sorted(SRC.rglob("*.py")):
            if path == DOMAIN / "permissions.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "has_any":
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
                if isinstance(node, ast.Name) and node.id == "PERMISSIONS":
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
        assert [o for o in offenders if not o.startswith("domain/values.py")] == []


SELF_SERVICE = (
    "user.set_password",
    "user.issue_token",
    "user.revoke_token",
    "user.record_training",
    "user.correct_training",
)
"""Commands every role may give, for their own password and tokens, and their own training
records (issue 17; libops.domain.users)."""


class TestTheTable:
    def test_command_names(self) -> None:
        """Commands are named 'aggregate.command' in lower case, each with at least one role."""
        for command, roles in PERMISSIONS.items():
            aggregate, _, action = command.partition(".")
            assert aggregate.isidentifier(), command
            assert action.isidentifier(), command
            assert command == command.lower()
            assert roles, command
            assert all(isinstance(role, Role) for role in roles), command

    def test_auditor_is_allowed_no_command_but_checkpoints(self) -> None:
        """The auditor role is read-only: only a checkpoint (no business state) lists it, and
        the commands by which anyone looks after their own credentials."""
        assert [c for c, roles in PERMISSIONS.items() if Role.AUDITOR in roles] == [
            "audit.checkpoint",
            *SELF_SERVICE,
        ]

    @pytest.mark.parametrize(
        "command", sorted(set(PERMISSIONS) - {"audit.checkpoint", *SELF_SERVICE})
    )
    def test_auditor_is_refused_every_command(self, command: str) -> None:
        """authorize refuses the auditor every command in the table that changes the record."""
        with pytest.raises(PermissionDeniedError):
            authorize(Actor("auditor-1", [Role.AUDITOR]), command)

    def test_the_table_cannot_be_changed(self) -> None:
        """The table is read-only at run time."""
        with pytest.raises(TypeError):
            PERMISSIONS["campaign.plan"] = frozenset(Role)  # type: ignore[index]  # read-only


class TestAuthorize:
    @pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
    @pytest.mark.parametrize("command", sorted(PERMISSIONS))
    def test_one_role(self, command: str, role: Role) -> None:
        """An actor with one role is allowed exactly the commands listing that role."""
        actor = Actor(f"{role.value}-1", [role])
        if role in PERMISSIONS[command]:
            authorize(actor, command)
            return
        with pytest.raises(PermissionDeniedError) as refused:
            authorize(actor, command)
        error = refused.value
        assert error.command == command
        assert error.actor_id == actor.id
        for needed in PERMISSIONS[command]:
            assert needed.value in str(error), (needed, str(error))
        assert command in str(error)

    def test_error_lists_the_needed_roles(self) -> None:
        """The message names the actor, the command and every role that would do."""
        with pytest.raises(PermissionDeniedError) as refused:
            authorize(Actor("planner-1", [Role.CONTENT_PLANNER]), "campaign.launch")
        assert str(refused.value) == (
            "actor 'planner-1' may not campaign.launch: it needs one of the roles "
            "[operations_admin]"
        )

    def test_any_allowed_role_is_enough(self) -> None:
        """An actor holding several roles is allowed if any one of them is."""
        authorize(Actor("x", [Role.AUDITOR, Role.REVIEWER]), "post.review")

    def test_no_roles_no_commands(self) -> None:
        """An actor without roles may give no command."""
        nobody = Actor("nobody", [])
        for command in PERMISSIONS:
            with pytest.raises(PermissionDeniedError):
                authorize(nobody, command)

    def test_only_actors_give_commands(self) -> None:
        """A command given by something other than an Actor is a programming error."""
        with pytest.raises(TypeError, match="given by an Actor"):
            authorize("admin-1", "campaign.launch")  # type: ignore[arg-type]  # deliberately bad

    def test_permission_denied_is_a_libops_error(self) -> None:
        """Callers can catch it as a libops error or as Python's PermissionError."""
        assert issubclass(PermissionDeniedError, libops.LibopsError)
        assert issubclass(PermissionDeniedError, PermissionError)
