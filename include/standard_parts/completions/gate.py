"""The completions gate: a GX suite over the file's accepted rows, and the file's row accounting.

``final=False`` is the pre-generation pass of the night: completions of tasks issued that morning
are still ``unknown_task`` then, so the quarantine share is not judged (only the accounting); the
post-generation pass (``final=True``) judges it with ``max_quarantine_share`` like every feed.
"""

from __future__ import annotations

from datetime import date

import duckdb

from ..config import Settings
from ..gates import enforce, load_suite, validate_frame
from ..ingest.loader import FileResult
from ..store import read_named_sql


def gate_completions(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date,
                     results: list[FileResult], final: bool = True) -> None:
    queries = read_named_sql("completions/sql/gate_frames.sql")
    frame = con.execute(queries["accepted"], {"run_date": run_date}).df()
    enforce(con, run_date, validate_frame(load_suite(settings, "completions"), frame),
            f"completions accepted for {run_date}")

    files = [r for r in results if r.file is not None]
    if not files:
        return
    import pandas as pd

    frame = pd.DataFrame({
        "file": [r.file for r in files],
        "rows_read": [r.rows_read for r in files],
        "rows_accounted": [r.rows_accepted + r.rows_quarantined for r in files],
        "quarantine_share": [
            r.rows_quarantined / r.rows_read if final and r.rows_read >= settings.quarantine_share_min_rows else 0.0
            for r in files
        ],
    })
    outcome = validate_frame(load_suite(settings, "ingest.files"), frame,
                             {"max_quarantine_share": settings.max_quarantine_share})
    outcome.gate = "ingest.files.completions"
    if not outcome.success:
        worst = frame.sort_values("quarantine_share", ascending=False).iloc[0]
        outcome.summary += f" (worst file {worst.file}: {worst.quarantine_share:.1%} quarantined)"
    enforce(con, run_date, outcome, f"completions files for {run_date}")
