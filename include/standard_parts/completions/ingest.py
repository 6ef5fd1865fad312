"""Ingest the completions feed of one date (SPEC sections 3 and 6).

``<landing>/completions/<date>/completions.jsonl`` goes through the same line-numbered normaliser and
SQL row rules as the other feeds (``ingest/sql/completions.sql``). A bad row is quarantined with its
reason: ``missing_required``, ``bad_timestamp``, ``bad_enum``, ``bad_number``, ``malformed_row``
(steps not a list of ``{step_id, done}``, or a line that is not a JSON object), ``bad_encoding``,
``unknown_task`` (no task of that id issued on or before the file's date), ``other_station`` (the
officer's station in the officers snapshot newest on or before the file's date is not the task's;
an officer missing from it counts as another station's) and ``completed_after_file_date``
(completed_at later than 23:59:59 local of the file's date).

Duplicates: a ``completion_id`` seen again, in the same or a later file, is not a reason. Every copy
that passes the rules is accepted and stored; readers (``ops.valid_completions``, the dbt models,
generation) keep the first accepted copy (earliest file date, then lowest line), so a re-sent id
with other content keeps its first copy and ingest order does not matter. Row accounting per file:
``rows_read = rows_accepted + rows_quarantined``, where ``rows_accepted`` counts the ignored
duplicates too (``duplicates`` says how many of them re-sent an id accepted earlier).

Re-running a date replaces that file's accepted rows, quarantine rows and registry entry in one
transaction, so the night can call it twice: before generation (completions that landed by the run
date decide what is open) and after it (the day's file may complete tasks issued that morning,
which the first call could only quarantine as ``unknown_task``).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from .. import business_time
from ..config import Settings
from ..errors import UnreadableFile
from ..feeds import COMPLETIONS, select_file
from ..ingest.loader import FileResult, register_file, store_quarantine
from ..ingest.reader import MAX_FIELD_BYTES, normalise
from ..store import read_sql, scratch_dir, table_exists, transaction

log = logging.getLogger(__name__)


@dataclass
class CompletionFileResult(FileResult):
    duplicates: int = 0  # accepted rows whose completion_id was accepted earlier (ignored by readers)


def file_end(file_date: date, tz: business_time.Zone = None) -> datetime:
    """The end of a file's date (business_time.as_of_at): nothing in that file may be completed later."""
    return business_time.as_of_at(file_date, tz)


def ingest_completions(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> list[FileResult]:
    """Validate and store the run date's completions file (or clear that date if none arrived)."""
    spec = COMPLETIONS
    con.execute(read_sql("ingest/sql/macros.sql"))
    refresh_reference(con)
    selected = select_file(settings.landing, spec, run_date)
    display = f"{spec.feed}/{run_date.isoformat()}/{spec.filename}"
    if selected is None:
        log.info("completions: no %s for %s; nothing arrived that day", spec.filename, run_date)
        with transaction(con):
            con.execute("delete from ops.completions where file_date = ?", [run_date])
            con.execute("delete from ingest.quarantine where entity = ? and file = ?", [spec.entity, display])
            con.execute("delete from ingest.files where entity = ? and file = ?", [spec.entity, display])
        return [CompletionFileResult(spec.feed, spec.entity, None, run_date, 0, 0, 0)]

    path, file_date = selected
    display = path.relative_to(settings.landing).as_posix()
    with tempfile.TemporaryDirectory(prefix="completions-", dir=scratch_dir(settings)) as tmp:
        normalised = normalise(spec, path, Path(tmp) / "completions.csv", display)
        _load_raw(con, normalised.path, display)
        _prepare(con, file_date)
        con.execute(f"create or replace temp table validated as {read_sql('ingest/sql/completions.sql')}")
        result = _store(con, normalised, display, file_date, run_date, path)
    log.info("completions: %s read %d, accepted %d (%d re-sent), quarantined %d", display, result.rows_read,
             result.rows_accepted, result.duplicates, result.rows_quarantined)
    return [result]


def refresh_reference(con: duckdb.DuckDBPyConnection) -> None:
    """The catalogue facts completions are judged by, as ops tables, and the read-model views.

    ``ops.catalogue_steps`` (which steps are required), ``ops.catalogue_parts`` and
    ``ops.catalogue_departments`` (names for the marts) are rewritten from the repository's
    catalogue on every call; the views of ``completions/sql/ops_views.sql`` read them.
    """
    from ..catalogue import load_catalogue

    catalogue = load_catalogue()
    parts = [[p.id, p.name_zh, p.name_en, p.category, p.business_item, p.object_type, p.evaluation.due_hours,
              p.evaluation.min_evidence, p.evaluation.cooldown_days, p.priority] for p in catalogue.parts]
    steps = [[p.id, i + 1, s.id, s.name_zh, s.required] for p in catalogue.parts for i, s in enumerate(p.steps)]
    departments = [[d.code, d.name_zh, d.name_en, d.kind] for d in catalogue.departments]
    with transaction(con):
        con.execute(
            "create or replace table ops.catalogue_parts (standard_part_id varchar primary key, name_zh varchar, "
            "name_en varchar, category varchar, business_item varchar, object_type varchar, due_hours integer, "
            "min_evidence integer, cooldown_days integer, priority integer)"
        )
        con.executemany("insert into ops.catalogue_parts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", parts)
        con.execute(
            "create or replace table ops.catalogue_steps (standard_part_id varchar, step_no integer, "
            "step_id varchar, name_zh varchar, required boolean, primary key (standard_part_id, step_id))"
        )
        con.executemany("insert into ops.catalogue_steps values (?, ?, ?, ?, ?)", steps)
        con.execute(
            "create or replace table ops.catalogue_departments (department varchar primary key, name_zh varchar, "
            "name_en varchar, kind varchar)"
        )
        con.executemany("insert into ops.catalogue_departments values (?, ?, ?, ?)", departments)
        con.execute(read_sql("completions/sql/ops_views.sql"))


def _load_raw(con: duckdb.DuckDBPyConnection, normalised_path: Path, display: str) -> None:
    columns = {"_line": "BIGINT", **{c: "VARCHAR" for c in COMPLETIONS.required}}
    max_line = len(columns) * (4 * MAX_FIELD_BYTES + 3) + 64
    try:
        con.execute(
            "create or replace temp table raw_rows as select * from read_csv(?, header = true, columns = ?, "
            "quote = '\"', escape = '\"', delim = ',', strict_mode = true, max_line_size = ?)",
            [str(normalised_path), columns, max_line],
        )
    except duckdb.Error as exc:
        raise UnreadableFile(COMPLETIONS.feed, display, None, f"normalised rows could not be loaded: {exc}") from exc


def _prepare(con: duckdb.DuckDBPyConnection, file_date: date) -> None:
    con.execute("create or replace temp table cmp_params as select ?::date as file_date, ?::timestamptz as file_end",
                [file_date, file_end(file_date, business_time.connection_zone(con))])
    if table_exists(con, "ops", "officers_history"):
        con.execute(
            """
            create or replace temp table cmp_officers as
            select officer_id, station_id
            from ops.officers_history
            where snapshot_date = (select max(snapshot_date) from ops.officers_history where snapshot_date <= ?)
            """,
            [file_date],
        )
    else:  # no officers snapshot ingested yet: every officer is unknown, hence another station's
        con.execute("create or replace temp table cmp_officers (officer_id varchar, station_id varchar)")


def _store(con: duckdb.DuckDBPyConnection, normalised, display: str, file_date: date, run_date: date,
           path: Path) -> CompletionFileResult:
    spec = COMPLETIONS
    st = path.stat()
    fingerprint = f"{st.st_size}:{st.st_mtime_ns}"
    with transaction(con):
        store_quarantine(con, spec, display, file_date, normalised.rejected)
        con.execute("delete from ops.completions where file_date = ?", [file_date])
        con.execute(
            """
            insert into ops.completions by name
            select ?::date as file_date, ? as _file, _line, completion_id, task_id, officer_id, completed_at,
                   outcome, steps, evidence_count, followup_needed, handoff_department
            from validated
            where len(_reasons) = 0
            """,
            [file_date, display],
        )
        accepted = con.execute("select count(*) from validated where len(_reasons) = 0").fetchone()[0]
        quarantined = con.execute(
            "select count(*) from ingest.quarantine where entity = ? and file = ?", [spec.entity, display]
        ).fetchone()[0]
        duplicates = con.execute(
            """
            select count(*)
            from ops.completions as c
            where c.file_date = ?
              and exists (
                  select 1 from ops.completions as e
                  where e.completion_id = c.completion_id
                    and (e.file_date < c.file_date or (e.file_date = c.file_date and e._line < c._line))
              )
            """,
            [file_date],
        ).fetchone()[0]
        # No parents: the file's own fingerprint is its lineage.
        register_file(con, spec, display, file_date, normalised, accepted, quarantined, fingerprint, fingerprint,
                      run_date)
    return CompletionFileResult(spec.feed, spec.entity, display, file_date, normalised.rows_read, accepted,
                                quarantined, duplicates=duplicates)
