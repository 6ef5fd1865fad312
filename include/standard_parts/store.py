"""The operational store (``operational.duckdb``): one writer at a time, the pipeline's own working database.

DuckDB allows a single writing process per file. Every pipeline step takes the warehouse lock
first (an advisory ``flock``), so two runs started at once queue instead of corrupting anything;
in Airflow every writing task also shares the ``duckdb_writer`` pool of one slot. Analysts never
open this file: they read ``analytics.duckdb``, which is rebuilt and swapped in atomically.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import duckdb

from . import business_time
from .config import Settings
from .errors import OperationalError

log = logging.getLogger(__name__)

SCHEMA_SQL = files("standard_parts") / "sql" / "ops_schema.sql"


SCRATCH_DIR = ".scratch"


class WarehouseBusy(OperationalError):
    """Another run holds the writer lock: a retry later may well succeed."""


def _scratch_path(settings: Settings) -> Path:
    # Absolute: dbt resolves a relative --target-path against its project folder, not the cwd.
    return (settings.warehouse / SCRATCH_DIR).resolve()


def scratch_dir(settings: Settings) -> Path:
    """Working files of a stage (normalised feed copies, the marts build, the publish spool): inside
    the warehouse, so they are as private as the operational store, and swept by the next holder of
    the lock."""
    path = _scratch_path(settings)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _sweep_scratch(settings: Settings) -> None:
    """Called with the writer lock just taken: whatever is in the scratch folder was left by a run
    that was killed (a normalised copy of a feed holds personal data), so it goes."""
    path = _scratch_path(settings)
    if path.is_dir():
        for leftover in path.iterdir():
            log.warning("removing %s, left by an interrupted run", leftover)
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


@contextmanager
def warehouse_lock(settings: Settings, wait_seconds: float = 600.0) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to ``wait_seconds`` for another run, then refuse."""
    settings.warehouse.mkdir(parents=True, exist_ok=True)
    lock_path = settings.warehouse / ".writer.lock"
    with lock_path.open("a+") as fh:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "unknown"
                    raise WarehouseBusy(
                        f"another standard-parts run holds {lock_path} ({holder}); waited {wait_seconds:.0f} s"
                    ) from None
                time.sleep(0.5)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            _sweep_scratch(settings)
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def configure(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Resources and business time (the session's TimeZone and the local-time macros) of a connection."""
    con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")  # validated setting, not data
    con.execute(f"set threads = {int(settings.duckdb_threads)}")
    business_time.configure(con, settings.timezone)
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")  # logs, not terminals, read the pipeline's output


def connect_ops(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the operational store for writing (caller holds ``warehouse_lock``) with its schema."""
    settings.warehouse.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.ops_path))
    configure(con, settings)
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    return con


@contextmanager
def ops_connection(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writing connection to the operational store; the caller holds ``warehouse_lock``."""
    con = connect_ops(settings)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def ops_session(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with warehouse_lock(settings), ops_connection(settings) as con:
        yield con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One explicit transaction: committed when the block ends, rolled back (and re-raised) on any
    error, ``KeyboardInterrupt`` included, so a killed step never leaves half a file's rows."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists in any database attached to ``con``."""
    return bool(con.execute("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                            [schema, table]).fetchone()[0])


def read_sql(relative: str) -> str:
    """A packaged .sql file, e.g. ``read_sql('ingest/sql/persons.sql')``."""
    return (files("standard_parts") / relative).read_text(encoding="utf-8")


def read_named_sql(relative: str) -> dict[str, str]:
    """Split a .sql file into named statements at ``-- name: <name>`` lines."""
    named: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in read_sql(relative).splitlines():
        if line.startswith("-- name:"):
            current = named.setdefault(line.split(":", 1)[1].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip().rstrip(";") for name, lines in named.items()}
