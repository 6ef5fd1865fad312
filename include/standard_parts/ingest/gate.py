"""The ingest gate of every feed: a GX suite per entity over its accepted rows (``ingest.<entity>``),
and one over the files (row accounting, quarantine share)."""

from __future__ import annotations

from datetime import date

import duckdb

from ..config import Settings
from ..feeds import files_of
from ..gates import enforce, load_suite, read_frame, suite_columns, validate_frame
from ..store import read_named_sql, table_exists
from .loader import FileResult


def gate_feed(con: duckdb.DuckDBPyConnection, settings: Settings, feed: str, run_date: date,
              results: list[FileResult], judge_quarantine_share: bool = True) -> None:
    """Enforce the feed's gates for a run date. ``judge_quarantine_share=False`` checks the row
    accounting only: the completions pass before generation, when completions of tasks issued that
    morning are still ``unknown_task``."""
    frames = read_named_sql("ingest/sql/gate_frames.sql")
    for spec in files_of(feed):
        suite = load_suite(settings, f"ingest.{spec.entity}")
        columns = ", ".join(suite_columns(suite))
        if not table_exists(con, "ops", spec.entity):
            continue  # an incremental feed that has never delivered a file: nothing to check
        if spec.entity in frames:
            sql = frames[spec.entity]
            frame = read_frame(con, sql, {"run_date": run_date} if "$run_date" in sql else None)
        elif spec.kind == "snapshot":
            frame = read_frame(con, f"select {columns} from ops.{spec.entity}")
        else:
            frame = read_frame(con, f"select {columns} from ops.{spec.entity} where file_date = ?", [run_date])
        enforce(con, run_date, validate_frame(suite, frame), f"{feed}/{spec.entity} for {run_date}")

    files = [r for r in results if r.file is not None]
    if files:
        import pandas as pd

        frame = pd.DataFrame(
            {
                "file": [r.file for r in files],
                "rows_read": [r.rows_read for r in files],
                "rows_accounted": [r.rows_accepted + r.rows_quarantined for r in files],
                "quarantine_share": [
                    r.rows_quarantined / r.rows_read
                    if judge_quarantine_share and r.rows_read >= settings.quarantine_share_min_rows else 0.0
                    for r in files
                ],
            }
        )
        outcome = validate_frame(
            load_suite(settings, "ingest.files"), frame, {"max_quarantine_share": settings.max_quarantine_share}
        )
        outcome.gate = f"ingest.files.{feed}"
        if not outcome.success:
            worst = frame.sort_values("quarantine_share", ascending=False).iloc[0]
            outcome.summary += f" (worst file {worst.file}: {worst.quarantine_share:.1%} quarantined)"
        enforce(con, run_date, outcome, f"{feed} files for {run_date}")
