"""Completions reported back by officers (SPEC sections 3 and 6): a feed like the others.

``<landing>/completions/<date>/completions.jsonl`` goes through the one loader of every feed
(``ingest/loader.py``) with its own row rules (``ingest/sql/completions.sql``) and the one ingest
gate (``ingest/gate.py``, suite ``ingest.completions``). A bad row is quarantined with its reason:
``missing_required``, ``bad_timestamp``, ``bad_enum``, ``bad_number``, ``malformed_row``
(steps not a list of ``{step_id, done}``, or a line that is not a JSON object), ``bad_encoding``,
``unknown_task`` (no task of that id issued on or before the file's date), ``other_station`` (the
officer's station in the officers snapshot newest on or before the file's date is not the task's;
an officer missing from it counts as another station's) and ``completed_after_file_date``
(completed_at later than 23:59:59 local time of the file's date).

Duplicates: a ``completion_id`` seen again, in the same or a later file, is not a reason. Every copy
that passes the rules is accepted and stored; readers (``ops.valid_completions``, the dbt models,
generation) keep the first accepted copy (earliest file date, then lowest line), so a re-sent id
with other content keeps its first copy and ingest order does not matter. Row accounting per file:
``rows_read = rows_accepted + rows_quarantined``, where ``rows_accepted`` counts the ignored
duplicates too (``duplicates`` says how many of them re-sent an id accepted earlier).

Re-running a date replaces that file's accepted rows, quarantine rows and registry entry in one
transaction, so the night can call it twice: before generation (completions that landed by the run
date decide what is open) and after it (the day's file may complete tasks issued that morning,
which the first call could only quarantine as ``unknown_task``; :func:`run_stage` with
``final=False`` therefore judges only the row accounting, not the quarantine share).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import duckdb

from ..config import Settings
from ..ingest.loader import FileResult, ingest_feed
from ..store import read_sql

__all__ = ["ingest_completions", "refresh_reference", "run_stage"]


def run_stage(settings: Settings, run_date: date, final: bool = True) -> list[dict]:
    """Ingest the run date's completions file under the writer lock and enforce its gate."""
    from ..ingest.gate import gate_feed
    from ..store import ops_session

    with ops_session(settings) as con:
        results = ingest_completions(con, settings, run_date)
        gate_feed(con, settings, "completions", run_date, results, judge_quarantine_share=final)
    return [asdict(r) for r in results]


def ingest_completions(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> list[FileResult]:
    """Validate and store the run date's completions file (or clear that date if none arrived)."""
    refresh_reference(con)
    return ingest_feed(con, settings, "completions", run_date)


def refresh_reference(con: duckdb.DuckDBPyConnection) -> None:
    """The catalogue tables completions are judged by (``ops.catalogue_steps`` says which steps are
    required) and the read-model views of ``completions/sql/ops_views.sql`` over them."""
    from ..catalogue.tables import materialise

    materialise(con)
    con.execute(read_sql("completions/sql/ops_views.sql"))
