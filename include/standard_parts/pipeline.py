"""The nightly run as plain functions: what the CLI calls and what each Airflow task calls.

Every stage opens the operational store under the warehouse lock, does its work and closes it,
so stages can run in separate processes (Airflow workers) one after another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from functools import partial

from .config import Settings
from .errors import GateFailure
from .feeds import FEEDS, files_of
from .store import ops_connection, ops_session, scratch_dir, warehouse_lock

log = logging.getLogger(__name__)

# Feeds in dependency order: the org snapshot first (everything points at stations/communities),
# instructions last (their objects resolve against the day's snapshots).
INGEST_ORDER: tuple[str, ...] = ("org", "population", "venues", "antifraud", "instructions")
assert set(INGEST_ORDER) == set(FEEDS)


def check_inputs(settings: Settings, run_date: date) -> dict:
    """SPEC section 3.1, before any stage writes: landing, snapshot age, daily delivery, readable
    headers with every required column. Refuses the date (GateFailure, recorded) or keeps a copy of
    the operational store to roll the date back to if a later gate fails."""
    from .rundates import begin

    return begin(settings, run_date)


def finish(settings: Settings, run_date: date) -> dict:
    """Every gate of the date passed: mark it succeeded (``standard-parts status``, run_status.json)."""
    from .rundates import finish as finish_date

    return finish_date(settings, run_date)


def as_of_date(settings: Settings, run_date: date) -> date:
    """The date the marts and the report are built as of: the newest run date processed successfully
    (SPEC section 8), or this one if it is newer. Re-running an older date never rolls them back."""
    from .rundates import newest_succeeded

    newest = newest_succeeded(settings)
    return max(run_date, newest) if newest else run_date


def ingest(settings: Settings, feed: str, run_date: date) -> list[dict]:
    """Ingest one feed for a run date and enforce its gate; returns per-file row counts."""
    from .ingest.gate import gate_feed
    from .ingest.loader import ingest_feed

    with warehouse_lock(settings):
        with ops_connection(settings) as con:
            results = ingest_feed(con, settings, feed, run_date)
        # A fresh connection for the gate: closing the loading one hands DuckDB's buffers back
        # (2.4 GB after the 5.3M-row persons snapshot), so the gate's DataFrame does not stack on them.
        with ops_connection(settings) as con:
            gate_feed(con, settings, feed, run_date, results)
    return [asdict(r) for r in results]


def generate(settings: Settings, run_date: date) -> dict:
    """Generate the run date's tasks (replacing any earlier generation of that date)."""
    from .generate.engine import generate as generate_tasks

    with ops_session(settings) as con:
        result = generate_tasks(con, settings, run_date)
    return asdict(result)


def gate_generated(settings: Settings, run_date: date) -> None:
    """The tasks gate: nothing is published unless the run date's tasks pass it."""
    from .generate.gate import gate_tasks

    with ops_session(settings) as con:
        gate_tasks(con, settings, run_date)


def publish(settings: Settings, run_date: date) -> dict:
    """Build every officer's package and deliver it to the configured target (ledger-tracked)."""
    from .generate.engine import prepare
    from .publish import publish_packages
    from .publish.packages import iter_packages

    if not settings.publish:
        log.info("publish: no target configured (STANDARD_PARTS_PUBLISH / --publish); skipped")
        return {"skipped": True}
    with ops_session(settings) as con:
        from .privacy import register_udf

        register_udf(con, settings.key_bytes)
        prepare(con, settings, run_date)
        # a generator: packages are built a chunk of officers at a time and parked on disk until sent
        packages = iter_packages(con, settings, run_date)
        result = publish_packages(con, packages, settings.publish, spool_dir=str(scratch_dir(settings)))
    return {"target": result.target, "total": result.total, "delivered_now": result.delivered_now,
            "already_delivered": result.already_delivered}


def completions(settings: Settings, run_date: date, final: bool = True) -> list[dict]:
    """Ingest the run date's completions file and enforce its gate. Called twice a night:
    before generation (what landed by the run date closes tasks) and after it (the day's file
    may complete tasks issued that morning)."""
    from .completions import run_stage

    return run_stage(settings, run_date, final=final)


def supervise(settings: Settings, run_date: date) -> dict:
    """Escalate open tasks overdue by ``escalate_after_hours`` to their station's leader (督办, SPEC 12);
    before publishing, so the leaders' packages of the date carry them."""
    from .handoffs import supervise as escalate

    with ops_session(settings) as con:
        return escalate(con, settings, run_date)


def publish_handoffs(settings: Settings, run_date: date) -> dict:
    """Send the hand-offs opened by the night's completions to their departments (一键流转, SPEC 12)."""
    from .handoffs import publish_handoffs as send
    from .handoffs import refresh_partners

    with ops_session(settings) as con:
        if not settings.publish:
            refresh_partners(con, settings)  # the marts still judge each department by its own levels
            log.info("publish_handoffs: no target configured (STANDARD_PARTS_PUBLISH / --publish); skipped")
            return {"skipped": True}
        result = send(con, settings, run_date, settings.publish, spool_dir=str(scratch_dir(settings)))
    return {"target": result.target, "total": result.total, "delivered_now": result.delivered_now,
            "already_delivered": result.already_delivered}


def ingest_handoffs(settings: Settings, run_date: date) -> list[dict]:
    """The partner departments' events (the ``handoffs`` feed), after the night's completions opened
    their hand-offs: the common loader, row rules and gate (SPEC 3 and 12)."""
    from .handoffs import refresh_partners

    with ops_session(settings) as con:
        refresh_partners(con, settings)
    return ingest(settings, "handoffs", run_date)


def report(settings: Settings, run_date: date) -> str:
    """The leadership report from the marts (reads analytics.duckdb only), as of the newest date."""
    from .report import build_report

    return str(build_report(settings, as_of_date(settings, run_date)))


def build_analytics(settings: Settings, run_date: date) -> str:
    """Rebuild analytics.duckdb from the operational store and swap it in atomically, as of the
    newest successful run date. After a re-run of an older date the snapshot tables hold that date's
    snapshots: they are put back to the newest date's first, so the marts come out equal."""
    from .analytics import build

    as_of = as_of_date(settings, run_date)
    if as_of > run_date:
        for feed in INGEST_ORDER:
            if any(spec.kind == "snapshot" for spec in files_of(feed)):
                log.info("re-run of %s: snapshot feed %s put back to %s before the marts", run_date, feed, as_of)
                ingest(settings, feed, as_of)
    return str(build(settings, as_of))


def night(settings: Settings, run_date: date, after_publish: Callable[[date], None] | None = None,
          build_marts: bool = True) -> list[tuple[str, Callable[[], object]]]:
    """The night's stages in order, as (name, thunk): what the CLI, the benchmark and (task by task)
    the DAG run. ``after_publish`` lets the demo act as the officers' app between publishing and
    the completions ingest; the pipeline itself knows nothing about it."""
    stages: list[tuple[str, Callable[[], object]]] = [("check_inputs", partial(check_inputs, settings, run_date))]
    stages += [(f"ingest_{feed}", partial(ingest, settings, feed, run_date)) for feed in INGEST_ORDER]
    stages += [
        ("completions_landed", partial(completions, settings, run_date, False)),
        ("generate", partial(generate, settings, run_date)),
        ("gate_tasks", partial(gate_generated, settings, run_date)),
        ("supervise", partial(supervise, settings, run_date)),
        ("publish", partial(publish, settings, run_date)),
    ]
    if after_publish is not None:
        stages.append(("after_publish", partial(after_publish, run_date)))
    stages.append(("completions", partial(completions, settings, run_date, True)))
    stages += [
        ("publish_handoffs", partial(publish_handoffs, settings, run_date)),
        ("ingest_handoffs", partial(ingest_handoffs, settings, run_date)),
    ]
    if build_marts:
        stages.append(("analytics", partial(build_analytics, settings, run_date)))
    # finish before the report: every gate has passed by then, and the report's freshness stamp
    # reads the date's outcome (a report drawn before it would say the night is still running).
    stages.append(("finish", partial(finish, settings, run_date)))
    if build_marts:
        stages.append(("report", partial(report, settings, run_date)))
    return [(name, partial(_guarded, settings, run_date, name, thunk)) for name, thunk in stages]


def _guarded(settings: Settings, run_date: date, name: str, thunk: Callable[[], object]) -> object:
    """Run one stage; a gate failure fails the whole date (rolled back and recorded, SPEC 3.1)."""
    from . import rundates

    if name != "check_inputs":
        state = rundates.state_of(settings, run_date)
        # the report only reads the analyst file: it may be drawn again for a finished date
        if state != "running" and not (name == "report" and state == "succeeded"):
            # e.g. an Airflow task cleared alone after its date was rolled back: running it now
            # would work on a store that no longer holds the date's earlier stages.
            raise RuntimeError(f"run date {run_date} is not in progress (state: {state or 'never started'}); "
                               "run the whole date again, from check_inputs (Airflow: clear the DAG run)")
    try:
        result = thunk()
    except GateFailure as exc:
        if name != "check_inputs":  # a refusal is recorded by the check itself, before any copy exists
            rundates.fail(settings, run_date, exc)
        raise
    if name not in ("check_inputs", "finish"):
        rundates.mark_stage(settings, run_date, name, result)
    # The stage's own name (README glossary): the same word as in `standard-parts status` and the DAG.
    log.info("stage %s of %s done", name, run_date)
    return result


def run_stage(settings: Settings, run_date: date, name: str) -> object:
    """One named stage of the night (what each Airflow task runs)."""
    stages = dict(night(settings, run_date))
    if name not in stages:
        raise KeyError(f"no stage {name!r}; stages: {', '.join(stages)}")
    return stages[name]()


def run_date_stages(settings: Settings, run_date: date,
                    after_publish: Callable[[date], None] | None = None, build_marts: bool = True) -> dict:
    """Every stage of one night, in order; a failure stops the rest (and raises)."""
    summary: dict = {"run_date": run_date.isoformat()}
    for name, stage in night(settings, run_date, after_publish, build_marts):
        summary[name] = stage()
    return summary


def run_range(settings: Settings, start: date, end: date | None = None,
              after_publish: Callable[[date], None] | None = None, marts_every_date: bool = True) -> list[dict]:
    """Run each date in order. The marts are recomputed from all data on every build, so a backfill
    may build them (and the report) only after its last date: ``marts_every_date=False``."""
    end = end or start
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    out = []
    day = start
    while day <= end:
        log.info("run date %s", day)
        out.append(run_date_stages(settings, day, after_publish, build_marts=marts_every_date or day == end))
        day += timedelta(days=1)
    return out
