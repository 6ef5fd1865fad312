"""Build the analyst file: a fresh DuckDB file, checked, then swapped in with one atomic rename.

Readers that hold the old ``analytics.duckdb`` open keep reading the old file (its inode lives on
until they close it); new readers see the complete new file. Nobody ever sees half a mart.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

import duckdb

from .config import Settings
from .store import configure, read_sql

log = logging.getLogger(__name__)

# Tables copied from the operational store that hold no personal data by construction.
OPS_MART_SQL = ("sql/analytics/quarantine_summary.sql", "sql/analytics/ingest_files.sql", "sql/analytics/gate_results.sql")


def build(settings: Settings, run_date: date) -> Path:
    final = settings.analytics_path
    building = final.with_name(f".{final.name}.building-{os.getpid()}")
    building.unlink(missing_ok=True)
    con = duckdb.connect(str(building))
    try:
        configure(con, settings)
        con.execute("attach ? as ops_store (read_only)", [str(settings.ops_path)])
        con.execute("create schema marts")
        for relative in OPS_MART_SQL:
            con.execute(read_sql(relative))
        con.execute("detach ops_store")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        building.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(building, final)
    log.info("analytics file for %s swapped in at %s", run_date, final)
    return final
