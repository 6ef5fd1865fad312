"""The whole-date outcome (SPEC sections 3.1 and 8): a run date succeeds as a whole or leaves nothing.

Stages run in separate processes under Airflow, so one database transaction cannot span the night.
Instead :func:`begin` copies the operational store aside (``<warehouse>/.rollback/``) once the
input checks pass; if any gate of the date fails later, :func:`fail` puts that copy back, so no row
of the date stays for generation, publishing or the marts, and then records the outcome (the date's
gate results and its ``ingest.run_dates`` row) into the restored store. The analyst file and the
reports are only rebuilt after every gate has passed, so they need no rollback. :func:`finish` marks
the date succeeded and drops the copy.

After every outcome ``<warehouse>/run_status.json`` is rewritten atomically with the document that
``standard-parts status --json`` prints; the report reads it for its freshness stamp and banner.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from .config import Settings
from .errors import GateFailure
from .files import write_text
from .store import connect_ops, table_exists, warehouse_lock

log = logging.getLogger(__name__)

ROLLBACK_DIR = ".rollback"
STATUS_FILE = "run_status.json"


def _rollback_dir(settings: Settings) -> Path:
    return settings.warehouse / ROLLBACK_DIR


def _store_files(settings: Settings) -> list[Path]:
    return [settings.ops_path, settings.ops_path.with_name(settings.ops_path.name + ".wal")]


# ------------------------------------------------------------------------------------------ begin

def begin(settings: Settings, run_date: date) -> dict:
    """Check the run date's inputs (refuse with a gate failure, recorded, before anything is
    written) and, if they pass, keep a copy of the operational store to roll the date back to."""
    from .inputs import InputsRefused, preflight, snapshot_dates

    problems = preflight(settings, run_date)
    with warehouse_lock(settings):
        _recover_interrupted(settings)
        if problems:
            refused = InputsRefused(run_date, problems)
            if settings.ops_path.exists():  # a refusal never creates a store; it leaves the one there is
                _record_failure(settings, run_date, refused, [], gates=_problem_outcomes(problems))
                _write_status(settings)
            raise refused
        snapshots = snapshot_dates(settings, run_date)
        _take_copy(settings, run_date)
        con = connect_ops(settings)
        try:
            _keep_failed_attempts(con, run_date)
            con.execute("delete from ingest.run_dates where run_date = ?", [run_date])
            con.execute(
                "insert into ingest.run_dates (run_date, state, snapshots, accept_drop, stages, files, started_at) "
                "values (?, 'running', ?, ?, '{}', '[]', ?)",
                [run_date, json.dumps(snapshots), list(settings.accept_drop), datetime.now(UTC)])
        finally:
            con.close()
        _write_status(settings)
    log.info("inputs of %s accepted (snapshots %s)", run_date, snapshots)
    return {"snapshots": snapshots, "accept_drop": list(settings.accept_drop)}


def _keep_failed_attempts(con: duckdb.DuckDBPyConnection, run_date: date) -> None:
    """A date that failed before is being run again: its failed gate rows are kept under the name
    ``<gate> @ <checked_at>`` so that the re-run's outcomes (same gate names) do not erase the record
    of the failure from ingest.gate_results and marts.gate_results."""
    con.execute(
        """
        update ingest.gate_results
        set gate = gate || ' @ ' || strftime(checked_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ')
        where run_date = ? and not success and gate not like '% @ %'
          and exists (select 1 from ingest.run_dates as r where r.run_date = ? and r.state = 'failed')
        """, [run_date, run_date])


def _problem_outcomes(problems) -> list:
    from .gates import GateOutcome

    outcomes: dict[str, GateOutcome] = {}
    for p in problems:
        key = f"{p.gate}.{p.feed}" if p.feed != "*" else p.gate
        if key in outcomes:
            outcomes[key].failed += 1
            outcomes[key].summary += f"; {p.message}"
        else:
            outcomes[key] = GateOutcome(key, False, 1, 1, p.message)
    return list(outcomes.values())


def _take_copy(settings: Settings, run_date: date) -> None:
    folder = _rollback_dir(settings)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    existed = settings.ops_path.exists()
    if existed:
        # The store is closed (we hold the writer lock and no stage runs); DuckDB has checkpointed
        # its WAL on close, but copy one if a crashed writer left it.
        for path in _store_files(settings):
            if path.exists():
                shutil.copy2(path, folder / path.name)
    # The marker is written last: a copy without it is incomplete and never restored.
    (folder / "date.json").write_text(json.dumps({"run_date": run_date.isoformat(), "store_existed": existed}))


def _restore_copy(settings: Settings) -> date | None:
    """Put the kept copy back (caller holds the lock); returns the date it was taken for."""
    folder = _rollback_dir(settings)
    marker = folder / "date.json"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        return None
    info = json.loads(marker.read_text())
    for path in _store_files(settings):
        path.unlink(missing_ok=True)
    if info["store_existed"]:
        for path in _store_files(settings):
            kept = folder / path.name
            if kept.exists():
                os.replace(kept, path)
    shutil.rmtree(folder, ignore_errors=True)
    return date.fromisoformat(info["run_date"])


def _recover_interrupted(settings: Settings) -> None:
    """A copy still here means a date neither succeeded nor failed cleanly (a killed process, or a
    non-gate error the operator gave up on): roll it back so the next date starts from a whole state."""
    marker = _rollback_dir(settings) / "date.json"
    if not marker.exists():
        return
    if _state(settings, date.fromisoformat(json.loads(marker.read_text())["run_date"])) == "succeeded":
        shutil.rmtree(_rollback_dir(settings), ignore_errors=True)  # stopped after finish() marked it: keep it
        return
    day = _restore_copy(settings)
    if day is None:
        return
    log.warning("run date %s did not finish; its partial writes were rolled back", day)
    # Only the run_dates row: a re-run of the date then ends exactly like an uninterrupted night.
    _record_failure(settings, day, GateFailure("interrupted", f"run date {day} did not finish (the process "
                                               "stopped or failed); its writes were rolled back; re-run it"), [],
                    record_gate=False)


def state_of(settings: Settings, run_date: date) -> str | None:
    """The recorded state of a run date (None: never started here)."""
    with warehouse_lock(settings):
        return _state(settings, run_date)


def _state(settings: Settings, run_date: date) -> str | None:  # the caller holds the writer lock
    if not settings.ops_path.exists():
        return None
    con = connect_ops(settings)
    try:
        row = con.execute("select state from ingest.run_dates where run_date = ?", [run_date]).fetchone()
    finally:
        con.close()
    return row[0] if row else None


# --------------------------------------------------------------------------------- fail / finish

def fail(settings: Settings, run_date: date, exc: GateFailure) -> None:
    """Roll the date back and record its failure (the gate results it produced are kept)."""
    with warehouse_lock(settings):
        kept_gates: list = []
        prior: dict = {}
        if settings.ops_path.exists():
            con = connect_ops(settings)
            try:
                kept_gates = con.execute("select * from ingest.gate_results where run_date = ?",
                                         [run_date]).fetchall()
                row = con.execute("select snapshots, accept_drop, stages, files, started_at from ingest.run_dates "
                                  "where run_date = ?", [run_date]).fetchone()
                if row:
                    prior = dict(zip(("snapshots", "accept_drop", "stages", "files", "started_at"), row,
                                     strict=True))
            finally:
                con.close()
        restored = _restore_copy(settings)
        if restored is not None and restored != run_date:
            log.warning("the rollback copy was taken for %s, not %s", restored, run_date)
        from .inputs import InputsRefused

        gates = _problem_outcomes(exc.problems) if isinstance(exc, InputsRefused) else []
        _record_failure(settings, run_date, exc, kept_gates, gates=gates, prior=prior)
        _write_status(settings)
    log.error("run date %s failed and was rolled back: %s", run_date, exc)
    _rerender_newest_report(settings)


def _record_failure(settings: Settings, run_date: date, exc: GateFailure, gate_rows: list, gates: list = (),
                    prior: dict | None = None, record_gate: bool = True) -> None:
    from .gates import record

    prior = prior or {}
    stages = json.loads(prior.get("stages") or "{}")
    con = connect_ops(settings)
    try:
        for row in gate_rows:
            con.execute("insert or replace into ingest.gate_results values (?, ?, ?, ?, ?, ?, ?)", list(row))
        for outcome in gates:
            record(con, run_date, outcome)
        if record_gate and not any(r[1] == exc.gate and not r[2] for r in gate_rows) and not gates:
            from .gates import GateOutcome

            record(con, run_date, GateOutcome(exc.gate, False, 1, 1, str(exc)))
        con.execute("delete from ingest.run_dates where run_date = ?", [run_date])
        con.execute(
            "insert into ingest.run_dates values (?, 'failed', ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
            [run_date, exc.gate, str(exc), prior.get("snapshots") or "{}", prior.get("accept_drop") or [],
             json.dumps(stages), prior.get("files") or "[]", prior.get("started_at") or datetime.now(UTC),
             datetime.now(UTC)])
    finally:
        con.close()


def mark_stage(settings: Settings, run_date: date, stage: str, result: object = None) -> None:
    """Note a stage that finished (and, for ingest stages, its files' row counts)."""
    with warehouse_lock(settings):
        if not settings.ops_path.exists():
            return
        con = connect_ops(settings)
        try:
            row = con.execute("select stages, files from ingest.run_dates where run_date = ?", [run_date]).fetchone()
            if row is None:
                return
            stages = json.loads(row[0] or "{}")
            stages[stage] = "succeeded"
            files = json.loads(row[1] or "[]")
            if isinstance(result, list) and result and isinstance(result[0], dict) and "rows_read" in result[0]:
                for r in result:
                    if r.get("file") is None:
                        continue
                    entry = {k: r.get(k) for k in ("feed", "entity", "file", "rows_read", "rows_accepted",
                                                    "rows_quarantined")}
                    files = [f for f in files if f.get("file") != entry["file"]] + [entry]
            con.execute("update ingest.run_dates set stages = ?, files = ? where run_date = ?",
                        [json.dumps(stages), json.dumps(files, default=str), run_date])
        finally:
            con.close()
        _write_status(settings)  # run_status.json stays the document `status --json` prints


def finish(settings: Settings, run_date: date) -> dict:
    """Every stage passed: the date succeeded; drop the rollback copy."""
    with warehouse_lock(settings):
        con = connect_ops(settings)
        try:
            tasks = con.execute("select count(*) from ops.tasks where run_date = ?", [run_date]).fetchone()[0]
            delivered = _packages_delivered(con, run_date)
            con.execute(
                "update ingest.run_dates set state = 'succeeded', failed_gate = null, message = null, "
                "tasks_issued = ?, packages_delivered = ?, finished_at = ? where run_date = ?",
                [tasks, delivered, datetime.now(UTC), run_date])
        finally:
            con.close()
        shutil.rmtree(_rollback_dir(settings), ignore_errors=True)
        _write_status(settings)
    return {"tasks_issued": tasks, "packages_delivered": delivered}


def _packages_delivered(con: duckdb.DuckDBPyConnection, run_date: date) -> int:
    if not table_exists(con, "publish", "deliveries"):
        return 0
    # officers' packages only (PKG-…): the hand-off documents (HO-…) share the ledger
    return con.execute("select count(distinct package_id) from publish.deliveries where run_date = ? "
                       "and package_id like 'PKG-%' "
                       "and status = 'delivered'", [run_date]).fetchone()[0]


def newest_succeeded(settings: Settings, con: duckdb.DuckDBPyConnection | None = None) -> date | None:
    """The newest run date that succeeded (the date the marts are built as of)."""
    if con is None:
        if not settings.ops_path.exists():
            return None
        with duckdb.connect(str(settings.ops_path), read_only=True) as ro:
            return newest_succeeded(settings, ro)
    if not table_exists(con, "ingest", "run_dates"):
        return None
    return con.execute("select max(run_date) from ingest.run_dates where state = 'succeeded'").fetchone()[0]


# ----------------------------------------------------------------------------------------- status

def status_document(con: duckdb.DuckDBPyConnection) -> dict:
    """SPEC section 8's status document, newest date first."""
    rows = con.execute(
        "select run_date, state, failed_gate, message, snapshots, accept_drop, stages, files, tasks_issued, "
        "packages_delivered, started_at, finished_at from ingest.run_dates order by run_date desc").fetchall()
    gates = con.execute("select run_date, gate, success, evaluated, failed, summary from ingest.gate_results "
                        "order by run_date, gate").fetchall()
    by_date: dict[date, list] = {}
    for run_date, gate, success, evaluated, failed, summary in gates:
        by_date.setdefault(run_date, []).append(
            {"gate": gate, "success": bool(success), "evaluated": evaluated, "failed": failed, "summary": summary})
    dates = []
    for (run_date, state, failed_gate, message, snapshots, accept_drop, stages, files, tasks, packages, started,
         finished) in rows:
        dates.append({
            "run_date": run_date.isoformat(),
            "state": state,
            "failed_gate": failed_gate,
            "message": message,
            "snapshots": json.loads(snapshots or "{}"),
            "tasks_issued": int(tasks or 0),
            "packages_delivered": int(packages or 0),
            "accepted_drops": list(accept_drop or []),
            "stages": json.loads(stages or "{}"),
            "files": json.loads(files or "[]"),
            "gates": by_date.get(run_date, []),
            "started_at": started.astimezone(UTC).isoformat() if started else None,
            "finished_at": finished.astimezone(UTC).isoformat() if finished else None,
        })
    return {"dates": dates}


def read_status(settings: Settings) -> dict:
    """The status document from the operational store, or (while a writer holds it) from the last
    ``run_status.json``; ``{"dates": []}`` for a warehouse that has run nothing."""
    if settings.ops_path.exists():
        try:
            with duckdb.connect(str(settings.ops_path), read_only=True) as con:
                if table_exists(con, "ingest", "run_dates"):
                    return status_document(con)
        except duckdb.IOException:
            log.info("the operational store is being written; showing %s", STATUS_FILE)
    path = settings.warehouse / STATUS_FILE
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"dates": []}


def _write_status(settings: Settings) -> None:
    """Rewrite ``run_status.json`` atomically (caller holds the writer lock)."""
    if not settings.ops_path.exists():
        return
    con = connect_ops(settings)
    try:
        document = status_document(con)
    finally:
        con.close()
    path = settings.warehouse / STATUS_FILE
    write_text(path, json.dumps(document, ensure_ascii=False, indent=2))


def _rerender_newest_report(settings: Settings) -> None:
    """After a failed date, the newest good report is rendered again so its banner shows the failure."""
    newest = newest_succeeded(settings)
    if newest is None or not settings.analytics_path.exists():
        return
    try:
        from .report import build_report

        build_report(settings, newest)
    except Exception:  # the failure itself is what the operator must see; never mask it
        log.warning("could not re-render the report of %s after the failure", newest, exc_info=True)
