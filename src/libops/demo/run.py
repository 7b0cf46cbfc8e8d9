"""Running the demo on a store: the sandbox platforms, the quarters, the projections, the report."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import attrs
from eventsourcing.application import AggregateNotFoundError

from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import Reception, SandboxPlatform
from libops.adapters.storage import count_events
from libops.bootstrap import LibOps
from libops.demo.exports import import_exports
from libops.demo.quarter import Quarter
from libops.demo.setting import (
    DEFAULT_POSTS,
    LONGEST_QUARTER,
    PLATFORMS,
    START,
    TEAM,
    beijing_time,
)
from libops.demo.simulation import Simulation
from libops.demo.summary import DemoSummary, summarise
from libops.demo.texts import content
from libops.domain.errors import DemoStoreInUseError, LibopsError
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.values import Actor, PostVariant


def run_demo(
    url: str,
    *,
    seed: int = 2026,
    posts: int = DEFAULT_POSTS,
    days: int | None = None,
    scale: int = 1,
    project: bool = False,
    report_dir: Path | None = None,
    lang: str = "en",
    progress: Callable[[str, int, int], None] | None = None,
    imports: bool = True,
) -> DemoSummary:
    """Run the demo on the store at ``url`` (migrating it first) and say what happened.

    ``scale`` calendar quarters one after another (2026 Q2, Q3, Q4, 2027 Q1, ...), each
    whole (1 April to 30 June, 1 July to 30 September, ...) with ``posts`` posts spread over
    it; with ``days`` only the first ``days`` days of each quarter (all of a shorter one).
    A store that already holds anything but this scenario (same ``seed``, ``posts`` and
    ``days``) is refused before anything is recorded (:class:`DemoStoreInUseError`); the
    same scenario again records nothing new. With ``project`` the standard projections are
    caught up and their risk signals dispatched at the end; with ``report_dir`` the report is
    written there too (in ``lang``), once :mod:`libops.report` exists. With ``imports``
    (the default) the library's WeChat back-office exports shipped with the demo are imported
    after the simulation (:mod:`libops.demo.exports`: follower days always, the article totals
    in the default scenario), as its staff would with ``libops import``.
    """
    sizes = (("posts", posts), ("scale", scale), *(() if days is None else (("days", days),)))
    for name, value in sizes:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    if days is not None and days > LONGEST_QUARTER:
        raise ValueError(
            f"days must be at most {LONGEST_QUARTER} (the longest quarter), not {days}"
        )
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    report = progress or (lambda _stage, _done, _total: None)
    clock = ManualClock(beijing_time(START - timedelta(days=4), 9))
    sim_holder: list[Simulation] = []

    def reception(variant: PostVariant, at: datetime) -> Reception:
        return sim_holder[0].reception(variant, at)

    gateways = [
        SandboxPlatform(
            platform,
            seed=seed,
            clock=clock,
            supports_idempotency_key=i % 2 == 0,
            reception=reception,
        )
        for i, platform in enumerate(PLATFORMS)
    ]
    key = scenario_key(seed, posts, days, lang)
    with LibOps.open(url, clock=clock, migrate=True, gateways=gateways) as ops:
        events_before = int(ops.app.recorder.max_notification_id() or 0)
        if events_before:
            check_same_scenario(ops, seed, posts, days, lang)
        sim = Simulation(ops, clock, gateways)
        sim_holder.append(sim)
        quarters = [Quarter(sim, q, key, seed, posts, days, lang) for q in range(scale)]
        for quarter in quarters:
            quarter.schedule_all()
        sim.run(report)
        span = (quarters[0].first, quarters[-1].day(quarters[-1].days - 1))
        imported = import_exports(ops, seed, posts, days, span, report) if imports else []
        from_signals = 0
        if project or report_dir is not None:
            report("projections", 0, 3)
            ops.projections.run()
            report("projections", 1, 3)
            from libops.application.risk_signals import dispatch_signals

            outcomes = dispatch_signals(ops, ops.projections)
            from_signals = sum(1 for o in outcomes if o.recorded)
            report("projections", 2, 3)
            ops.projections.run()
            report("projections", 3, 3)
        written, note = None, None
        if report_dir is not None:
            written, note = _write_report(ops, report_dir, lang)
        events_after = int(ops.app.recorder.max_notification_id() or 0)
        return summarise(
            ops,
            sim,
            quarters,
            seed,
            scale,
            events_before,
            events_after,
            from_signals,
            project or report_dir is not None,
            written,
            note,
            imported,
        )


def scenario_key(seed: int, posts: int, days: int | None, lang: str = "en") -> str:
    """What every idempotency key of the demo with these parameters starts with
    (``x`` then ``days``, or ``xq`` for whole quarters; ``-zh`` when its content is
    Chinese, ``--lang zh``: another history than the English run's)."""
    return f"demo-{seed}-{posts}x{'q' if days is None else days}{'-zh' if lang == 'zh' else ''}"


def scenario_options(
    seed: int | str, posts: int | str, days: int | str | None, lang: str | None = None
) -> str:
    """The ``libops demo`` options that name a scenario (no ``--days`` for whole quarters,
    ``--lang zh`` for the Chinese content)."""
    shown = "" if days is None or days == "q" else f" --days {days}"
    return f"--seed {seed} --posts {posts}{shown}{' --lang zh' if lang == 'zh' else ''}"


def check_same_scenario(
    ops: LibOps, seed: int, posts: int, days: int | None, lang: str = "en"
) -> None:
    """Refuse, recording nothing, a store that holds anything but this same demo scenario.

    The same ``seed``, ``posts`` and ``days`` (or whole quarters) again are accepted:
    every command carries an idempotency key, so a rerun records nothing new (and finishes
    a run that was stopped), and a larger ``scale`` adds the quarters that follow. Another
    scenario's readers, erasures and plan would collide with the ones recorded, so it is
    refused up front with :class:`DemoStoreInUseError`, saying which scenario the store
    holds and what to do.
    """
    key = scenario_key(seed, posts, days, lang)
    first_quarter = IdempotencyRecord.id_for(f"{key}:q0:budget")
    try:
        ops.app.repository.get(first_quarter)
        return
    except AggregateNotFoundError:
        pass
    held = _stored_scenario(ops)
    where = ops.config.redacted_url
    count = count_events(ops.app.recorder)
    if held is None:
        what = f"{count} events that are not a demo's (a library's own records?)"
        rerun = ""
    else:
        what = f"{count} events of another demo scenario ({held})"
        rerun = f", or run that same scenario again ({held}) to rewrite its report"
    raise DemoStoreInUseError(
        f"the store at {where} already holds {what}; the demo with "
        f"{scenario_options(seed, posts, days, lang)} would mix with them and stop "
        f"half-way, so nothing was recorded. Run it on another store, for example "
        f"libops demo --store sqlite:///libops-demo-{seed}.db{rerun}"
    )


def _stored_scenario(ops: LibOps) -> str | None:
    """The demo parameters the store's first demo idempotency key names, if it has one."""
    topic = IdempotencyRecord.Recorded.TOPIC
    for notification in ops.app.recorder.select_notifications(1, 50, topics=[topic]):
        recorded = ops.app.mapper.to_domain_event(notification)
        found = _DEMO_KEY.match(str(getattr(recorded, "key", "")))
        if found:
            return scenario_options(found["seed"], found["posts"], found["days"], found["lang"])
    return None


_DEMO_KEY: Final = re.compile(
    r"^demo-(?P<seed>-?\d+)-(?P<posts>\d+)x(?P<days>\d+|q)(?:-(?P<lang>zh))?:"
)


def team(lang: str) -> list[Actor]:
    """The demo's team with their names in ``lang`` (李娜 in a Chinese run), for the report."""
    return [attrs.evolve(a, name=content(f"person.{a.id}", lang)) for a in TEAM.values()]


def _write_report(ops: LibOps, report_dir: Path, lang: str) -> tuple[str | None, str | None]:
    """THE REPORT HOOK: write the report with :func:`libops.report.write_report`, if it exists.

    Imported lazily: the report package is built separately; until it can be imported the
    demo says so in one line and carries on. Returns where the report is (its HTML file) or
    a one-line note saying why there is none.
    """
    try:
        module = importlib.import_module("libops.report")
        write_report = module.write_report
    except (ImportError, AttributeError) as error:
        return None, f"report skipped: libops.report is not available yet ({error})"
    try:
        files = write_report(
            ops, report_dir, lang=lang, library=content("library", lang), people=team(lang)
        )
    except LibopsError as error:  # no CJK font for --lang zh, a directory it cannot write
        return None, f"report not written: {error}"
    return str(getattr(files, "html", report_dir)), None
