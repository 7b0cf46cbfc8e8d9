"""``libops campaigns`` and ``ops.campaigns.list``: every campaign with the id ``libops report
--campaign`` takes, its period and its state; ``libops --version``; help at 80 columns."""

from __future__ import annotations

import errno
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date
from importlib import metadata
from typing import Any
from uuid import UUID

import pytest
import typer
from typer.testing import CliRunner, Result

import libops
from libops import LibOps, cli
from libops.adapters.storage import STORE_ENV_VAR
from libops.cli import LibopsGroup, unwrap_help
from libops.domain.campaign import CampaignStatus
from libops.domain.errors import InvalidValueError
from libops.domain.values import Period
from tests.actors import PLANNER_ADMIN
from tests.conftest import make_store_url


def run(*args: str, columns: int = 80) -> Result:
    """Run the command line in-process, on a terminal ``columns`` wide."""
    return CliRunner().invoke(
        cli.app, list(args), env={"COLUMNS": str(columns)}, terminal_width=columns
    )


@pytest.fixture(autouse=True)
def _no_store_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)


def plan_three(ops: LibOps) -> dict[str, UUID]:
    """Three campaigns, two of them named alike, planned out of order; one cancelled."""
    reading = ops.campaigns.plan(
        PLANNER_ADMIN,
        name="Reading Month",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        platforms=["weibo", "wechat"],
    )
    kol_autumn = ops.campaigns.plan(
        PLANNER_ADMIN,
        name="KOL collaboration",
        kind="kol",
        period=Period(date(2026, 9, 1), date(2026, 9, 14)),
        platforms=["douyin"],
    )
    kol_spring = ops.campaigns.plan(
        PLANNER_ADMIN,
        name="KOL collaboration",
        kind="kol",
        period=Period(date(2026, 3, 2), date(2026, 3, 15)),
        platforms=["weibo"],
    )
    ops.campaigns.cancel(PLANNER_ADMIN, kol_autumn, reason="the partner withdrew")
    return {"reading": reading, "kol_autumn": kol_autumn, "kol_spring": kol_spring}


class TestCampaignListing:
    def test_lists_every_campaign_by_start_then_name(self, ops: LibOps) -> None:
        """Each campaign once, by first day; the two alike-named ones apart by id and period."""
        ids = plan_three(ops)
        listed = ops.campaigns.list()
        assert [c.id for c in listed] == [ids["kol_spring"], ids["reading"], ids["kol_autumn"]]
        assert [c.status for c in listed] == [
            CampaignStatus.PLANNED,
            CampaignStatus.PLANNED,
            CampaignStatus.CANCELLED,
        ]

    def test_filters_by_status(self, ops: LibOps) -> None:
        """A status (member or value) keeps only the campaigns in it."""
        ids = plan_three(ops)
        assert [c.id for c in ops.campaigns.list("cancelled")] == [ids["kol_autumn"]]
        assert [c.id for c in ops.campaigns.list(CampaignStatus.PLANNED)] == [
            ids["kol_spring"],
            ids["reading"],
        ]
        assert ops.campaigns.list("active") == ()

    def test_same_start_orders_by_name(self, memory_ops: LibOps) -> None:
        """Campaigns starting on the same day come by name."""
        period = Period(date(2026, 5, 1), date(2026, 5, 2))
        for name in ("Zither week", "Atlas day"):
            memory_ops.campaigns.plan(PLANNER_ADMIN, name=name, kind="topic", period=period)
        assert [c.name for c in memory_ops.campaigns.list()] == ["Atlas day", "Zither week"]

    def test_an_unknown_status_is_refused(self, memory_ops: LibOps) -> None:
        with pytest.raises(InvalidValueError, match="not a CampaignStatus"):
            memory_ops.campaigns.list("finished")

    def test_an_empty_store_has_none(self, memory_ops: LibOps) -> None:
        assert memory_ops.campaigns.list() == ()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_with_campaigns(
    request: pytest.FixtureRequest, tmp_path: object
) -> tuple[str, dict[str, UUID]]:
    """A migrated store (SQLite file or PostgreSQL schema) holding :func:`plan_three`'s."""
    url = make_store_url(request.param, tmp_path, request)
    with LibOps.open(url, migrate=True) as ops:
        ids = plan_three(ops)
    return url, ids


class TestCampaignsCommand:
    def test_lists_ids_names_periods_and_states(
        self, store_with_campaigns: tuple[str, dict[str, UUID]]
    ) -> None:
        url, ids = store_with_campaigns
        result = run("campaigns", "--store", url)
        assert result.exit_code == 0, result.output
        text = result.stdout
        order = [text.index(str(ids[key])) for key in ("kol_spring", "reading", "kol_autumn")]
        assert order == sorted(order)
        assert f"{ids['kol_spring']}  2026-03-02 – 2026-03-15  planned" in text
        assert f"{ids['kol_autumn']}  2026-09-01 – 2026-09-14  cancelled" in text
        assert text.count("KOL collaboration") == 2
        assert "kind kol; platforms douyin" in text
        assert max(len(line) for line in text.splitlines()) <= 80

    def test_json(self, store_with_campaigns: tuple[str, dict[str, UUID]]) -> None:
        url, ids = store_with_campaigns
        result = run("campaigns", "--store", url, "--json")
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert [row["id"] for row in rows] == [
            str(ids["kol_spring"]),
            str(ids["reading"]),
            str(ids["kol_autumn"]),
        ]
        assert rows[1] == {
            "id": str(ids["reading"]),
            "name": "Reading Month",
            "kind": "topic",
            "status": "planned",
            "start": "2026-04-01",
            "end": "2026-04-30",
            "platforms": ["weibo", "wechat"],
        }

    def test_the_state_filter(self, store_with_campaigns: tuple[str, dict[str, UUID]]) -> None:
        url, ids = store_with_campaigns
        result = run("campaigns", "--store", url, "--state", "cancelled", "--json")
        assert result.exit_code == 0, result.output
        assert [row["id"] for row in json.loads(result.stdout)] == [str(ids["kol_autumn"])]
        planned = run("campaigns", "--store", url, "--status", "PLANNED")
        assert planned.exit_code == 0, planned.output
        assert str(ids["kol_autumn"]) not in planned.stdout
        assert str(ids["reading"]) in planned.stdout
        none = run("campaigns", "--store", url, "--state", "paused")
        assert (none.exit_code, none.stdout) == (0, "no campaigns paused\n")

    def test_a_listed_id_is_what_report_takes(
        self, store_with_campaigns: tuple[str, dict[str, UUID]], tmp_path: Any
    ) -> None:
        """The id listed opens the campaign's report (its period is the report's)."""
        url, ids = store_with_campaigns
        (row, *_) = json.loads(run("campaigns", "--store", url, "--json").stdout)
        out = tmp_path / "report"
        result = run("report", "--store", url, "--campaign", row["id"], "--out", str(out))
        assert result.exit_code == 0, result.output
        assert row["id"] == str(ids["kol_spring"])

    def test_an_unknown_state_is_a_usage_error(self, tmp_path: Any) -> None:
        result = run("campaigns", "--store", "memory://", "--state", "finished")
        assert result.exit_code == 2
        assert "finished" in result.output
        assert "Traceback" not in result.output

    def test_an_empty_store(self, tmp_path: Any) -> None:
        url = f"sqlite:///{tmp_path}/libops.db"
        libops.migrate(url)
        result = run("campaigns", "--store", url)
        assert (result.exit_code, result.stdout) == (0, "no campaigns\n")
        as_json = run("campaigns", "--store", url, "--json")
        assert (as_json.exit_code, json.loads(as_json.stdout)) == (0, [])

    @pytest.mark.parametrize(
        ("url", "code", "fragment"),
        [
            ("sqlit:///x.db", 2, "unknown store scheme"),
            ("sqlite:///{tmp}/missing.db", 1, "does not exist yet"),
        ],
    )
    def test_a_bad_store_is_a_clean_error(
        self, tmp_path: Any, url: str, code: int, fragment: str
    ) -> None:
        result = run("campaigns", "--store", url.format(tmp=tmp_path))
        assert result.exit_code == code, result.output
        assert result.stderr.startswith("error: ")
        assert fragment in result.stderr
        assert "Traceback" not in result.output
        assert result.stdout == ""


class TestVersion:
    @pytest.mark.parametrize("flag", ["--version", "-V"])
    def test_prints_the_installed_version(self, flag: str) -> None:
        result = run(flag)
        assert result.exit_code == 0, result.output
        assert result.stdout == f"libops {metadata.version('libops')}\n"

    def test_falls_back_to_the_module_version(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Run from a source tree that is not installed, the module's version is printed."""

        def not_installed(name: str) -> str:
            raise metadata.PackageNotFoundError(name)

        monkeypatch.setattr(metadata, "version", not_installed)
        monkeypatch.setattr(libops, "__version__", "9.8.7")
        assert run("--version").stdout == "libops 9.8.7\n"


# --- help at 80 columns ----------------------------------------------------------------


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(cli.app)))
_FRAME = re.compile(r"[│╭╮╰╯─]")


def _words(text: str) -> set[str]:
    """The words of ``text``, without rich's frame or the punctuation around them."""
    return {
        word.strip(".,;:()[]<>'\"`|")
        for word in _FRAME.sub(" ", text).replace("\\", " ").replace(",", " ").split()
    } - {""}


def _written(command: Any) -> set[str]:
    """Every word the help of ``command`` should show whole: its help, its options' help,
    and their names."""
    words = _words(command.help or "")
    for param in command.params:
        words |= _words(getattr(param, "help", None) or "")
        words |= _words(" ".join(param.opts + param.secondary_opts))
    return words


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "libops" for p, _ in COMMANDS]
)
def test_help_fits_80_columns(path: tuple[str, ...], command: Any) -> None:
    """Every command's --help at 80 columns: no line wider, nothing cut short with "…", no
    word broken across lines, no paragraph left with the source's line breaks."""
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    assert "…" not in result.output
    missing = _written(command) - _words(result.output)
    assert not missing, f"cut or garbled in `libops {' '.join(path)} --help`: {missing}"
    # A line of prose ending far before the edge, followed by more of the same paragraph,
    # is a line break kept from the source (typer keeps them; libops unwraps them).
    for line, after in itertools.pairwise(lines):
        if line.startswith(" ") and after.strip() and not after.lstrip().startswith(("│", "╭")):
            assert len(line.rstrip()) > 60 or not line.strip(), (line, after)


def test_the_commands_are_all_walked() -> None:
    """The walk above sees the groups' commands (so a new command is checked too)."""
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "campaigns", "report", "db migrate", "project run", "audit verify"} <= names


def test_a_reader_leaving_early_is_no_bug_report() -> None:
    """`libops demo --help | head`: when the reader of standard output goes away, libops ends
    as click does (exit 1, nothing said), not with "libops failed unexpectedly ... a bug"
    (which it said when the pipe broke half-way through the help, at 200 columns)."""
    piped = typer.Typer(cls=LibopsGroup)

    @piped.command("write")
    def write() -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    @piped.command("other")
    def other() -> None:  # two commands: a group, as libops is
        """Nothing."""

    result = CliRunner().invoke(piped, ["write"])
    assert result.exit_code == 1, result.output
    assert "unexpectedly" not in result.output


def test_unwrap_help_joins_the_lines_of_each_paragraph() -> None:
    """A docstring's paragraphs become one line each; a ``\\b`` paragraph stays as written."""
    text = """First line
        goes on.

        Second paragraph,
        two lines.

        \b
        kept
        as is
        """
    assert (
        unwrap_help(text)
        == "First line goes on.\n\nSecond paragraph, two lines.\n\n\b\nkept\nas is"
    )
    assert unwrap_help(None) is None
