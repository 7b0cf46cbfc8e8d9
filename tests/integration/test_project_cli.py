"""The command line's projection commands: ``libops project run``, ``rebuild`` and ``status``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from libops import Actor, LibOps, Objective, Period, Role, cli
from libops.adapters.storage import STORE_ENV_VAR
from libops.cli import follow as cli_follow
from libops.demo import run_demo
from libops.projections import ProjectionEngine
from libops.projections.standard import (
    STANDARD_PROJECTION_PATHS,
    STANDARD_PROJECTIONS,
    standard_projection_classes,
    standard_projections,
)
from tests.helpers import copy_store, count_events


def run(*args: str) -> Result:
    """Run the libops command line in-process."""
    return CliRunner().invoke(cli.app, list(args))


def run_json(*args: str) -> dict[str, Any]:
    """Run a ``--json`` command that must succeed; its JSON output."""
    result = run(*args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def record_more(url: str) -> None:
    """Record a few more events: a campaign planned, amended and launched."""
    planner = Actor("planner-later", [Role.CONTENT_PLANNER])
    admin = Actor("admin-later", [Role.OPERATIONS_ADMIN])
    with LibOps.open(url) as ops:
        campaign = ops.campaigns.plan(
            planner,
            name="Later",
            kind="topic",
            period=Period(date(2026, 5, 1), date(2026, 5, 31)),
            platforms=["weibo"],
            objectives=[Objective("reads", 100)],
        )
        ops.campaigns.amend(planner, campaign, name="Later still")
        ops.campaigns.launch(admin, campaign)


def standard_names() -> list[str]:
    """The names of the standard projections, in their fixed order."""
    return [cls.name for cls in standard_projection_classes()]


def expected(url: str) -> dict[str, tuple[int, int]]:
    """Per standard projection: (events it handles in the log, id of the last of them)."""
    found: dict[str, tuple[int, int]] = {}
    with LibOps.open(url) as ops:
        for cls in standard_projection_classes():
            ids = [
                n.id
                for n in ops.app.recorder.select_notifications(
                    0, 10**9, topics=cls.topics(), inclusive_of_start=False
                )
            ]
            found[cls.name] = (len(ids), ids[-1] if ids else 0)
    return found


def views(url: str) -> dict[str, dict[str, Any]]:
    """Every standard projection's stored view."""
    with LibOps.open(url) as ops, ProjectionEngine(ops, standard_projections()) as engine:
        return {name: engine.view(name) for name in engine.names}


def positions(url: str) -> dict[str, int]:
    """Every standard projection's stored position."""
    with LibOps.open(url) as ops, ProjectionEngine(ops, standard_projections()) as engine:
        return {name: engine.position(name) for name in engine.names}


@pytest.fixture(autouse=True)
def _no_store_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)


@pytest.fixture
def demo_url(tmp_path: Path) -> str:
    """A SQLite store holding a small libops demo run."""
    url = f"sqlite:///{tmp_path}/libops.db"
    run_demo(url, seed=7, posts=4, days=3)
    return url


class TestStandardRegistry:
    def test_the_standard_projections_in_their_fixed_order(self) -> None:
        """The registry lists the standard projections, in the order they run."""
        assert STANDARD_PROJECTION_PATHS == (
            "libops.projections.engagement:EngagementProjection",
            "libops.projections.wci:WciProjection",
            "libops.projections.cadence:CadenceComplianceProjection",
            "libops.projections.interactions:InteractionEffectivenessProjection",
            "libops.projections.budget:BudgetPositionsProjection",
            "libops.projections.risks:RiskRegisterProjection",
            "libops.projections.scorecard:CampaignScorecardProjection",
            "libops.projections.activity:ActivityLogProjection",
            "libops.projections.signals:RiskSignalsProjection",
            "libops.projections.standing:StandingProjection",
            "libops.projections.reuse:ReuseProjection",
            "libops.projections.surveys:SurveysProjection",
            "libops.projections.topics:TopicHeatProjection",
            "libops.projections.followers:FollowersProjection",
            "libops.projections.team:TeamProjection",
            "libops.projections.media:MediaProjection",
        )
        assert standard_projection_classes() == STANDARD_PROJECTIONS

    def test_every_standard_projection_handles_events_under_its_own_name(self) -> None:
        """Each standard projection has handlers and a name no other one has."""
        assert all(cls.topics() for cls in STANDARD_PROJECTIONS)
        assert len(set(standard_names())) == len(STANDARD_PROJECTIONS)
        assert [type(p) for p in standard_projections()] == list(STANDARD_PROJECTIONS)

    def test_ops_projections_runs_the_standard_projections(self, demo_url: str) -> None:
        """``ops.projections`` is an engine over the standard projections, made once."""
        with LibOps.open(demo_url) as ops:
            engine = ops.projections
            assert engine is ops.projections
            assert list(engine.names) == standard_names()
            reports = engine.run()
        assert {name: r.applied for name, r in reports.items()} == {
            name: count for name, (count, _) in expected(demo_url).items()
        }


class TestProjectRun:
    def test_catches_up_every_standard_projection(self, demo_url: str) -> None:
        """Each projection applies every event it handles and ends at the end of the log."""
        want = expected(demo_url)
        with LibOps.open(demo_url) as ops:
            last_id = count_events(ops)
        payload = run_json("project", "run", "--store", demo_url, "--no-signals")
        assert payload["last_notification_id"] == last_id
        assert list(payload["projections"]) == standard_names()
        for name, row in payload["projections"].items():
            assert row["applied"] == want[name][0], name
            assert (row["position"], row["lag"], row["caught_up"]) == (last_id, 0, True)
        assert positions(demo_url) == dict.fromkeys(want, last_id)

    def test_signals_are_dispatched_and_caught_up(self, demo_url: str) -> None:
        """By default the signals found open risks, which the projections then apply too."""
        payload = run_json("project", "run", "--store", demo_url)
        raised = [row for row in payload["signals"] if row["action"] != "failed"]
        assert raised
        assert {row["signal"] for row in raised} == {"personal_data_in_draft"}
        with LibOps.open(demo_url) as ops:
            last_id = count_events(ops)
        assert payload["last_notification_id"] == last_id
        assert all(row["position"] == last_id for row in payload["projections"].values())
        again = run_json("project", "run", "--store", demo_url)
        assert all(row["applied"] == 0 for row in again["projections"].values())
        with LibOps.open(demo_url) as ops:
            assert count_events(ops) == last_id

    def test_workers_give_what_one_process_gives(self, demo_url: str, tmp_path: Path) -> None:
        """``--workers 2`` catches every projection up to the same views and positions."""
        other_url = copy_store(tmp_path, tmp_path / "other")
        shared = run_json("project", "run", "--store", demo_url, "--workers", "2", "--no-signals")
        alone = run_json("project", "run", "--store", other_url, "--no-signals")
        assert shared["projections"] == alone["projections"]
        assert views(demo_url) == views(other_url)

    def test_workers_need_a_store_other_processes_can_open(self) -> None:
        """memory:// cannot be shared with worker processes: a usage error, nothing run."""
        result = run("project", "run", "--store", "memory://", "--workers", "2")
        assert result.exit_code == 2
        assert "--workers needs a store other processes can open" in result.output

    def test_a_second_run_applies_nothing(self, demo_url: str) -> None:
        """Running again finds every projection caught up: nothing is applied twice."""
        first = run_json("project", "run", "--store", demo_url)
        before = views(demo_url)
        second = run_json("project", "run", "--store", demo_url)
        assert all(row["applied"] == 0 for row in second["projections"].values())
        assert {n: r["position"] for n, r in second["projections"].items()} == {
            n: r["position"] for n, r in first["projections"].items()
        }
        assert views(demo_url) == before

    def test_small_batches_give_the_views_a_rebuild_gives(self, demo_url: str) -> None:
        """Catching up seven events at a time ends with the views a replay from zero gives."""
        # Without dispatching signals: the risks they record would be a second catch-up.
        payload = run_json(
            "project", "run", "--store", demo_url, "--batch-size", "7", "--no-signals"
        )
        # One pass over the log for all of them: the events any of them handles, 7 a batch
        # (plus one empty batch that reaches the end of the log if that count is a multiple
        # of 7 and events no projection handles follow the last one).
        with LibOps.open(demo_url) as ops:
            union = sorted({t for cls in standard_projection_classes() for t in cls.topics()})
            notifications = ops.app.recorder.select_notifications(
                0, 10**9, topics=union, inclusive_of_start=False
            )
            trailing = notifications[-1].id < count_events(ops)
        handled = len(notifications)
        batches = {row["batches"] for row in payload["projections"].values()}
        assert batches == {-(-handled // 7) + (handled % 7 == 0 and trailing)}
        incremental = views(demo_url)
        with LibOps.open(demo_url) as ops, ProjectionEngine(ops, standard_projections()) as eng:
            for name in eng.names:
                eng.rebuild(name)
        assert views(demo_url) == incremental

    def test_events_recorded_later_are_caught_up_next_time(self, demo_url: str) -> None:
        """A later run applies only what was recorded since the previous one."""
        run_json("project", "run", "--store", demo_url)
        before = expected(demo_url)
        record_more(demo_url)
        after = expected(demo_url)
        assert after != before
        payload = run_json("project", "run", "--store", demo_url)
        for name, row in payload["projections"].items():
            assert row["applied"] == after[name][0] - before[name][0], name
            assert row["position"] == payload["last_notification_id"]

    def test_prints_a_table_per_projection(self, demo_url: str) -> None:
        """Without --json it prints each projection with its events applied and position."""
        want = expected(demo_url)
        with LibOps.open(demo_url) as ops:
            last_id = count_events(ops)
        result = run("project", "run", "--store", demo_url, "--no-signals")
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0] == "projections caught up"
        for name, (count, _) in want.items():
            row = next(line.split() for line in lines if line.split()[:1] == [name])
            assert row[1:3] == [str(count), str(last_id)]

    def test_follow_on_sqlite_polls_and_ends_on_ctrl_c(
        self, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--follow on SQLite catches up, follows by polling, and stops cleanly on Ctrl-C."""
        monkeypatch.setattr(cli_follow, "_new_stop_event", _InterruptingStop)
        with LibOps.open(demo_url) as ops:
            last_id = count_events(ops)
        result = run("project", "run", "--follow", "--no-signals", "--store", demo_url)
        assert result.exit_code == 0, (result.output, result.exception)
        assert "stopped following" in result.stderr
        assert set(positions(demo_url).values()) == {last_id}

    def test_follow_needs_a_shared_store(self) -> None:
        """--follow on memory:// (no other process can write to it) is refused, exit code 2."""
        result = run("project", "run", "--follow", "--store", "memory://")
        assert result.exit_code == cli.EXIT_USAGE == 2
        assert result.stderr.startswith("error: following the log needs a store other")
        assert "not memory" in result.stderr

    def test_an_unmigrated_store_is_a_clean_error(self, tmp_path: Path) -> None:
        """A store that was never migrated: a one-line error, exit code 1, no traceback."""
        result = run("project", "run", "--store", f"sqlite:///{tmp_path}/none.db")
        assert result.exit_code == cli.EXIT_STORE_ERROR
        assert result.stderr.startswith("error: ")
        assert "libops db migrate" in result.stderr
        assert "Traceback" not in result.output


class TestProjectRebuild:
    def test_rebuild_replays_one_projection(self, demo_url: str) -> None:
        """rebuild NAME replays that projection from zero to the same view; others stay."""
        name = standard_names()[-1]
        count, _ = expected(demo_url)[name]
        run_json("project", "run", "--store", demo_url, "--no-signals")
        before = views(demo_url)
        payload = run_json("project", "rebuild", name, "--store", demo_url)
        assert list(payload["projections"]) == [name]
        assert payload["projections"][name]["applied"] == count
        assert payload["projections"][name]["position"] == payload["last_notification_id"]
        assert views(demo_url) == before

    def test_rebuild_before_any_run_builds_the_view(self, demo_url: str) -> None:
        """Rebuilding a projection that never ran builds it; the others stay at zero."""
        first, *others = standard_names()
        result = run("project", "rebuild", first, "--store", demo_url)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"rebuilt {first}")
        found = positions(demo_url)
        with LibOps.open(demo_url) as ops:
            assert found[first] == count_events(ops)
        assert all(found[name] == 0 for name in others)

    def test_an_unknown_name_lists_the_known_ones(self, demo_url: str) -> None:
        """An unknown projection: exit code 2, the known names, and nothing changed."""
        with LibOps.open(demo_url) as ops:
            events = count_events(ops)
        result = run("project", "rebuild", "no-such-view", "--store", demo_url)
        assert result.exit_code == 2
        assert result.stderr.startswith("error: no projection named 'no-such-view'")
        for name in standard_names():
            assert name in result.stderr
        assert result.stdout == ""
        assert set(positions(demo_url).values()) == {0}
        with LibOps.open(demo_url) as ops:
            assert count_events(ops) == events


class TestProjectStatus:
    def test_status_before_and_after_a_run(self, demo_url: str) -> None:
        """Position 0 and lag = last id before; after a run, position and lag per projection."""
        with LibOps.open(demo_url) as ops:
            last_id = count_events(ops)
        before = run_json("project", "status", "--store", demo_url)
        assert before["last_notification_id"] == last_id
        for name, row in before["projections"].items():
            # The demo records no standing (rankings, honours...): nothing for it to do. It
            # imports its WeChat follower figures, so the followers projection has work.
            caught_up = name == "standing"
            assert row == {"position": 0, "lag": last_id, "caught_up": caught_up}, name
        run_json("project", "run", "--store", demo_url, "--no-signals")
        after = run_json("project", "status", "--store", demo_url)
        for name in standard_names():
            assert after["projections"][name] == {
                "position": last_id,
                "lag": 0,
                "caught_up": True,
            }

    def test_status_sees_new_events_as_lag(self, demo_url: str) -> None:
        """Events recorded after a run show as lag and as not caught up."""
        first = run_json("project", "run", "--store", demo_url, "--no-signals")
        ran_to = first["last_notification_id"]
        before = expected(demo_url)
        record_more(demo_url)
        after = expected(demo_url)
        with LibOps.open(demo_url) as ops:
            last_id = count_events(ops)
        status = run_json("project", "status", "--store", demo_url)
        assert status["last_notification_id"] == last_id > ran_to
        for name, row in status["projections"].items():
            assert row["position"] == ran_to
            assert row["lag"] == last_id - ran_to
            assert row["caught_up"] is (after[name] == before[name]), name
        assert not all(row["caught_up"] for row in status["projections"].values())

    def test_status_prints_a_table(self, demo_url: str) -> None:
        """Without --json it lists each projection with position, lag and whether caught up."""
        result = run("project", "status", "--store", demo_url)
        assert result.exit_code == 0, result.output
        for name in standard_names():
            assert any(line.split()[:2] == [name, "0"] for line in result.stdout.splitlines())


class _InterruptingStop(threading.Event):
    """A stop event whose first look raises KeyboardInterrupt, as Ctrl-C would."""

    def is_set(self) -> bool:
        raise KeyboardInterrupt

    def wait(self, timeout: float | None = None) -> bool:
        raise KeyboardInterrupt


class TestFollow:
    def test_follower_applies_events_recorded_while_it_runs(self, postgres_url: str) -> None:
        """A follower thread catches up, then applies what is recorded later, exactly once."""
        run_demo(postgres_url, seed=3, posts=2, days=2)
        stop = threading.Event()
        rounds: list[dict[str, int]] = []
        with (
            LibOps.open(postgres_url) as ops,
            ProjectionEngine(ops, standard_projections()) as engine,
            ProjectionEngine(ops, standard_projections()) as following,
        ):
            follower = threading.Thread(
                target=following.follow,
                kwargs={
                    "stop": stop,
                    "poll_interval": 0.05,
                    "on_round": lambda _new, totals: rounds.append(
                        {name: report.applied for name, report in totals.items()}
                    ),
                },
            )
            follower.start()
            try:
                time.sleep(0.2)  # let it catch up with the demo, then record more
                record_more(postgres_url)
                record_more(postgres_url)
                want = expected(postgres_url)
                last_id = count_events(ops)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if {n: engine.position(n) for n in engine.names} == dict.fromkeys(
                        engine.names, last_id
                    ):
                        break
                    time.sleep(0.05)
            finally:
                stop.set()
                follower.join(timeout=30)
            assert not follower.is_alive()
        assert rounds[-1] == {name: count for name, (count, _) in want.items()}
        followed = views(postgres_url)
        with (
            LibOps.open(postgres_url) as ops,
            ProjectionEngine(ops, standard_projections()) as engine,
        ):
            for name in engine.names:
                engine.rebuild(name)
        assert views(postgres_url) == followed

    def test_cli_follow_ends_cleanly_on_ctrl_c(
        self, postgres_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``project run --follow``: Ctrl-C stops it with exit code 0 and a summary."""
        run_demo(postgres_url, seed=5, posts=2, days=2)
        monkeypatch.setattr(cli_follow, "_new_stop_event", _InterruptingStop)
        want = expected(postgres_url)
        with LibOps.open(postgres_url) as ops:
            last_id = count_events(ops)
        result = run("project", "run", "--follow", "--no-signals", "--store", postgres_url)
        assert result.exit_code == 0, (result.output, result.exception)
        assert "following new events" in result.stderr
        assert "stopped following" in result.stderr
        for name, (count, _) in want.items():
            row = next(
                line.split() for line in result.stdout.splitlines() if line.split()[:1] == [name]
            )
            assert row[1:3] == [str(count), str(last_id)]

    def test_a_real_ctrl_c_while_events_arrive_stops_cleanly(self, postgres_url: str) -> None:
        """SIGINT to a following process while writers record events: it finishes the round
        in progress, prints its summary and exits 0 (never a half-done query's error)."""
        run_demo(postgres_url, seed=5, posts=2, days=2)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        follower = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "libops.cli",
                "project",
                "run",
                "--follow",
                "--no-signals",
                "--batch-size",
                "3",
                "--store",
                postgres_url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert follower.stderr is not None
            line = ""
            while "following new events" not in line:
                line = follower.stderr.readline()
                assert line, "the follower ended before following"
            for _ in range(3):
                record_more(postgres_url)
            follower.send_signal(signal.SIGINT)
            out, err = follower.communicate(timeout=60)
        finally:
            if follower.poll() is None:
                follower.kill()
        assert follower.returncode == 0, err
        assert "stopped following" in err
        assert "Traceback" not in err
        assert out.splitlines()[0] == "projections caught up"
