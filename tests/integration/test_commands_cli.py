"""``libops commands``: the command line lists every command, its fields and its roles."""

from __future__ import annotations

import json

import attrs
from typer.testing import CliRunner, Result

from libops import all_commands, build_command, cli


def run(*args: str) -> Result:
    """Run the command line in-process."""
    return CliRunner().invoke(cli.app, list(args))


class TestCommandsCli:
    def test_the_listing_names_every_command(self) -> None:
        """Without a name, every registered command is listed."""
        result = run("commands", "--json")
        assert result.exit_code == 0, result.output
        listed = json.loads(result.stdout)
        assert [entry["name"] for entry in listed] == list(all_commands())
        assert all(entry["roles"] and entry["summary"] for entry in listed)

    def test_one_command_shows_its_fields(self) -> None:
        """With a name, its fields come with their types, defaults and roles."""
        result = run("commands", "post.schedule", "--json")
        assert result.exit_code == 0, result.output
        (entry,) = json.loads(result.stdout)
        fields = {field["name"]: field for field in entry["fields"]}
        spec = all_commands()["post.schedule"]
        assert set(fields) == {f.name for f in attrs.fields(spec.type)} - {"idempotency_key"}
        assert fields["post_id"]["required"] is True
        assert fields["at"]["type"] == "datetime"
        assert entry["roles"] == sorted(role.value for role in spec.roles)
        assert "`platform`" in entry["summary"]

    def test_the_defaults_are_in_the_form_commands_are_built_from(self) -> None:
        """Each default, put back into a command's JSON, builds the command's default."""
        (entry,) = json.loads(run("commands", "risk.identify", "--json").stdout)
        defaults = {f["name"]: f["default"] for f in entry["fields"] if not f["required"]}
        required = {"title": "x", "category": "content", "likelihood": 1, "impact": 1, "owner": "o"}
        built = build_command("risk.identify", {**required, **defaults})
        assert built == build_command("risk.identify", required)

    def test_a_table_for_people(self) -> None:
        """Without --json the listing and one command's fields print as tables."""
        listing = run("commands")
        assert listing.exit_code == 0
        assert "campaign.plan" in listing.stdout
        one = run("commands", "campaign.pause")
        assert one.exit_code == 0
        assert "campaign_id" in one.stdout
        assert "operations_admin" in one.stdout

    def test_an_unknown_command_is_a_usage_error(self) -> None:
        """A name that is no command: one line on stderr, exit code 2."""
        result = run("commands", "campaign.launch_rocket")
        assert result.exit_code == cli.EXIT_USAGE
        assert result.stderr.startswith("error: no command named campaign.launch_rocket")
