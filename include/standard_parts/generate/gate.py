"""The gate on generated tasks: nothing is published unless it passes (SPEC 1, issue 3)."""

from __future__ import annotations

from datetime import date

import duckdb

from ..catalogue import load_catalogue
from ..config import Settings
from ..gates import enforce, load_suite, validate_frame
from ..store import read_named_sql


def gate_tasks(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> None:
    queries = read_named_sql("generate/sql/gate_frames.sql")
    parts = [p.id for p in load_catalogue().parts]
    tasks = con.execute(queries["tasks"], {"run_date": run_date}).df()
    enforce(con, run_date, validate_frame(load_suite(settings, "generate.tasks"), tasks, {"part_ids": parts}),
            f"tasks generated for {run_date}")
    reconcile = con.execute(queries["reconcile"], {"run_date": run_date}).df()
    enforce(con, run_date, validate_frame(load_suite(settings, "generate.reconcile"), reconcile),
            f"generation statistics for {run_date}")
