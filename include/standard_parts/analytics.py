"""Build the analyst file: dbt builds the marts into a scratch file, the marts are copied into a fresh
DuckDB file, checked, and swapped in with one atomic rename.

1. the catalogue is refreshed in the operational store (``catalogue.tables.materialise``); a
   scratch folder under the warehouse gets a new ``build.duckdb``; dbt (in-process, ``dbt/``)
   attaches the operational store read-only as
   ``ops_store`` and builds staging views, intermediate tables and the ``marts`` tables there,
   running its data tests (a failing test fails the build);
2. a NEW file receives only the ``marts`` tables (no staging, no views, nothing that points at the
   operational store; persons only as their keyed pseudonym);
3. the marts gate (GX suites ``expectations/marts.*.json``) runs on the new file;
4. ``os.replace`` swaps it over ``analytics.duckdb``. Readers holding the old file keep reading it
   (its inode lives until they close it); new readers see the complete new file. A failure at any
   step raises and leaves the old ``analytics.duckdb`` in place.

The build holds the warehouse writer lock (dbt reads the operational store while no stage writes it).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from . import business_time
from .analytics_docs import apply_comments
from .config import Settings
from .errors import GateFailure, OperationalError
from .files import copy_file
from .store import configure, read_named_sql, scratch_dir, warehouse_lock

log = logging.getLogger(__name__)

MARTS_GATE = "marts"
# Suites run on the new file before the swap, each over the frame of the same name in
# sql/analytics/gate_frames.sql.
MARTS_SUITES = ("marts.fct_tasks", "marts.completion_rate_daily", "marts.work_code_summary",
                "marts.officer_scorecard", "marts.reconcile")
BUILD_DB = "build.duckdb"  # dbt-duckdb names the database after the file: "build"


def build(settings: Settings, run_date: date) -> Path:
    """Rebuild ``analytics.duckdb`` as of ``run_date`` and swap it in atomically; returns its path."""
    final = settings.analytics_path
    settings.warehouse.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with warehouse_lock(settings):
        if not settings.ops_path.exists():
            raise GateFailure(MARTS_GATE, f"no operational store at {settings.ops_path}: nothing to build from")
        scratch = Path(tempfile.mkdtemp(prefix="analytics-build-", dir=scratch_dir(settings)))
        new = scratch / final.name  # same filesystem as final: os.replace is atomic
        try:
            build_db = scratch / BUILD_DB
            prepare_build_file(build_db, settings)
            run_dbt(settings, ["build", "--exclude-resource-type", "unit_test"], build_db, run_date, scratch)
            copy_marts(build_db, new, settings)
            outcomes = gate_marts(settings, new, run_date)
            os.replace(new, final)
            write_dbt_docs(settings, build_db, run_date, scratch)
        except BaseException:
            new.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        _record(settings, run_date, outcomes)
    log.info("analytics file as of %s swapped in at %s (%.1f s)", run_date, final, time.monotonic() - started)
    return final


# --------------------------------------------------------------------------------------------- dbt

def write_dbt_docs(settings: Settings, build_db: Path, run_date: date, scratch: Path) -> None:
    """dbt docs of this build as one static page, ``<warehouse>/dbt_docs/index.html`` (linked from the
    report index). Model and column documentation only: the page embeds no row data."""
    target = Path(os.environ.get("DBT_TARGET_PATH") or scratch / "target")
    run_dbt(settings, ["docs", "generate", "--static"], build_db, run_date, scratch)
    page = target / "static_index.html"
    if page.exists():
        docs = settings.warehouse / "dbt_docs"
        docs.mkdir(exist_ok=True)
        copy_file(page, docs / "index.html")

def prepare_build_file(path: Path, settings: Settings) -> None:
    """A new, empty build file; and the catalogue refreshed in the operational store, where dbt reads it
    (source ``catalogue``), so the marts describe the repository's catalogue of this build."""
    from .catalogue.tables import materialise
    from .store import ops_connection

    path.unlink(missing_ok=True)
    duckdb.connect(str(path)).close()
    with ops_connection(settings) as con:
        materialise(con)


def dbt_vars(settings: Settings, build_db: Path, run_date: date | None) -> dict:
    """Everything dbt needs from the settings, passed as ``--vars``: the models read the as-of date and
    thresholds with ``var()``, and profiles.yml reads the file paths and DuckDB settings the same way
    (dbt renders ``var()`` in profiles.yml for variables given with ``--vars``), so no environment
    variable is set or restored around a build."""
    return {
        "as_of_date": run_date.isoformat() if run_date else "",
        "red_share_threshold": settings.red_share_threshold,
        "yellow_share_threshold": settings.yellow_share_threshold,
        "build_path": str(build_db),
        "ops_path": str(settings.ops_path),
        "duckdb_memory_limit": settings.duckdb_memory_limit,
        "duckdb_threads": int(settings.duckdb_threads),
        "timezone": settings.timezone,
    }


def run_dbt(settings: Settings, args: list[str], build_db: Path, run_date: date | None, scratch: Path,
            quiet: bool = True):
    """Invoke dbt in-process on the project (``settings.dbt_dir``) and return dbt's result object.

    A failing dbt *test* is a verdict on the data: :class:`GateFailure` (fail fast). Anything else
    (dbt could not start, a model failed to build: a lock, a full disk, a file it could not open)
    is an :class:`OperationalError`, which the scheduler retries.

    target/ and logs/ go where ``DBT_TARGET_PATH`` / ``DBT_LOG_PATH`` say (the compose file keeps
    them), else to ``scratch``: the project folder may be read-only in a container. dbt's DuckDB
    connection is closed before returning, so the build file and the operational store are free for
    the next step.
    """
    from dbt.cli.main import dbtRunner

    project = Path(settings.dbt_dir)
    cli = [
        *args,
        "--project-dir", str(project),
        "--profiles-dir", str(project),
        "--target-path", os.environ.get("DBT_TARGET_PATH") or str(scratch / "target"),
        "--log-path", os.environ.get("DBT_LOG_PATH") or str(scratch / "logs"),
        "--vars", json.dumps(dbt_vars(settings, build_db, run_date)),
        "--no-send-anonymous-usage-stats",
    ]
    if quiet:
        cli.append("--quiet")
    started = time.monotonic()
    try:
        outcome = dbtRunner().invoke(cli)
    finally:
        _close_dbt_connections()
    log.info("dbt %s: %s in %.1f s", args[0], "ok" if outcome.success else "FAILED", time.monotonic() - started)
    if not outcome.success:
        data_failures, other_failures = _dbt_failures(outcome)
        if data_failures and not other_failures:
            raise GateFailure(MARTS_GATE, f"dbt {' '.join(args)}: data tests failed: {'; '.join(data_failures)}")
        raise OperationalError(f"dbt {' '.join(args)} failed: {'; '.join(other_failures + data_failures)}")
    return outcome


def _close_dbt_connections() -> None:
    """dbt-duckdb keeps one DuckDB instance per process (class state of its connection manager) until
    the process exits, holding the build file and the attached operational store open. dbt offers
    no public call to release it (``dbtRunner`` has no close, and ``adapter.cleanup_connections``
    leaves the shared instance open), and a subprocess per build would cost 3-4 s of dbt start-up,
    so we close that instance here; tests/test_dbt_project.py pins the behaviour on upgrades."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            try:
                env.close()
            finally:
                DuckDBConnectionManager._ENV = None


def _dbt_failures(outcome) -> tuple[list[str], list[str]]:
    """The failing nodes of a dbt result, split into failed data tests and everything else."""
    if outcome.exception is not None:
        return [], [f"{type(outcome.exception).__name__}: {outcome.exception}"]
    data, other = [], []
    for r in getattr(outcome.result, "results", None) or []:
        status = str(getattr(r, "status", "")).lower()
        if status in ("error", "fail", "runtime error"):
            message = (getattr(r, "message", "") or "").strip()[:300]
            problem = f"{r.node.unique_id}: {status}: {message}"
            is_test = getattr(r.node, "resource_type", None) is not None and str(r.node.resource_type).endswith("test")
            (data if is_test and status == "fail" else other).append(problem)
    return data, other or ([] if data else ["see the dbt log"])


# ------------------------------------------------------------------------------------ the new file

def copy_marts(build_db: Path, new: Path, settings: Settings) -> list[str]:
    """Create ``new`` holding only the ``marts`` tables of the build file; returns their names."""
    new.unlink(missing_ok=True)
    con = duckdb.connect(str(new))
    try:
        configure(con, settings)
        con.execute("attach ? as build (read_only)", [str(build_db)])
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'build' and schema_name = 'marts' "
            "order by table_name").fetchall()]
        if not tables:
            raise GateFailure(MARTS_GATE, "the dbt build produced no marts tables")
        con.execute("create schema marts")
        for table in tables:  # names come from the dbt project, quoted anyway
            con.execute(f'create table marts."{table}" as select * from build.marts."{table}"')
        con.execute("detach build")
        apply_comments(con, settings.dbt_dir)
        con.execute("checkpoint")
    finally:
        con.close()
    return tables


def gate_marts(settings: Settings, path: Path, run_date: date) -> list:
    """Run every marts suite on the new file; raise GateFailure (naming what failed) on any failure."""
    from .gates import load_suite, validate_frame

    frames = read_named_sql("sql/analytics/gate_frames.sql")
    thresholds = {"red_share_threshold": settings.red_share_threshold,
                  "yellow_share_threshold": settings.yellow_share_threshold}
    outcomes = []
    con = duckdb.connect(str(path), read_only=True)
    try:
        business_time.configure(con, settings.timezone)  # as_of_at() in the frames
        for name in MARTS_SUITES:
            suite = load_suite(settings, name)
            sql = frames[name.removeprefix("marts.")]
            params = {k: v for k, v in thresholds.items() if f"${k}" in sql}
            frame = con.execute(sql, params).df() if params else con.execute(sql).df()
            outcomes.append(validate_frame(suite, frame))
    finally:
        con.close()
    failed = [o for o in outcomes if not o.success]
    if failed:
        _record(settings, run_date, outcomes)
        raise GateFailure(MARTS_GATE, "; ".join(f"{o.gate}: {o.failed} expectation(s) failed: {o.summary}"
                                                for o in failed))
    log.info("marts gate passed (%d suites) for %s", len(outcomes), run_date)
    return outcomes


def _record(settings: Settings, run_date: date, outcomes: list) -> None:
    """Keep the marts gate outcomes with the others (ingest.gate_results); best effort."""
    from .gates import record
    from .store import connect_ops

    try:
        con = connect_ops(settings)
    except duckdb.Error as exc:  # the build itself succeeded or failed already; do not mask that
        log.warning("could not record the marts gate outcome: %s", exc)
        return
    try:
        for outcome in outcomes:
            record(con, run_date, outcome)
    finally:
        con.close()
