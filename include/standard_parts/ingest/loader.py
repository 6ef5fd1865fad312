"""Load one feed for one run date: select the file, normalise it, apply the row rules, store.

The one ingest path for every feed: the input feeds of the nightly ingest, the completions (twice a
night, SPEC 6) and the partner departments' hand-off events. What differs per feed is data: its
``FileSpec`` (feeds.py), its row rules (``ingest/sql/<entity>.sql``) and the inputs those rules read
(:func:`_rule_inputs`).

Each file is replaced as a unit inside one transaction (accepted rows, its quarantine rows and its
registry entry), so a re-run of a date replaces that date's load and a crash leaves the previous
state intact. Incremental feeds may re-send a key: every copy that passes the rules is stored and
the readers keep the first accepted copy (earliest file date, then lowest line); ``duplicates``
counts the copies of keys accepted earlier.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from ..catalogue.tables import materialise
from ..config import Settings
from ..errors import GateFailure, UnreadableFile
from ..feeds import FileSpec, files_of, select_file
from ..store import read_sql, scratch_dir, table_exists, transaction
from .reader import MAX_FIELD_BYTES, Normalised, normalise

log = logging.getLogger(__name__)

# Which accepted entities each entity's row rules look up (foreign keys).
PARENTS: dict[str, tuple[str, ...]] = {
    "stations": (),
    "communities": ("stations",),
    "officers": ("stations", "communities"),
    "houses": ("communities",),
    "persons": ("houses",),
    "venues": ("communities",),
    "alerts": (),
    "instructions": ("houses", "persons", "venues", "communities"),
    "handoff_events": (),  # checked against the hand-offs of ops.completions (no snapshot lineage)
    "completions": (),  # checked against ops.tasks and ops.officers_history (no snapshot lineage)
}



@dataclass
class FileResult:
    feed: str
    entity: str
    file: str | None
    file_date: date | None
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    skipped: bool = False  # unchanged snapshot already validated against unchanged parents
    duplicates: int = 0  # incremental feeds: accepted rows whose key was accepted earlier (readers ignore them)


def ingest_feed(con: duckdb.DuckDBPyConnection, settings: Settings, feed: str, run_date: date) -> list[FileResult]:
    con.execute(read_sql("ingest/sql/macros.sql"))
    return [ingest_file(con, settings, spec, run_date) for spec in files_of(feed)]


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _lineage(con: duckdb.DuckDBPyConnection, spec: FileSpec, fingerprint: str, rules_sql: str) -> str:
    digest = hashlib.sha256(f"{spec.entity}|{fingerprint}|{rules_sql}".encode())
    for parent in PARENTS[spec.entity]:
        row = con.execute("select lineage from ingest.current_snapshot where entity = ?", [parent]).fetchone()
        digest.update(f"|{parent}={row[0] if row else 'none'}".encode())
    if spec.entity == "instructions":  # its rules read the parts' object types
        parts = con.execute("select standard_part_id, object_type from ops.catalogue_parts order by 1").fetchall()
        digest.update(repr(parts).encode())
    return digest.hexdigest()


def ingest_file(con: duckdb.DuckDBPyConnection, settings: Settings, spec: FileSpec, run_date: date) -> FileResult:
    materialise(con)  # row rules and lineage read ops.catalogue_parts (an instruction names a part)
    selected = select_file(settings.landing, spec, run_date)
    if selected is None:
        if spec.kind == "snapshot":
            raise GateFailure(
                spec.feed,
                f"no {spec.filename} snapshot on or before {run_date} under {settings.landing / spec.feed}",
            )
        log.warning("%s: no %s for %s; nothing arrived that day", spec.feed, spec.filename, run_date)
        with transaction(con):  # a re-run after the file was withdrawn forgets what it had loaded
            _replace_incremental(con, spec, run_date, None, None)
            con.execute("delete from ingest.quarantine where entity = ? and file_date = ?", [spec.entity, run_date])
            con.execute("delete from ingest.files where entity = ? and file_date = ?", [spec.entity, run_date])
        return FileResult(spec.feed, spec.entity, None, run_date, 0, 0, 0)

    path, file_date = selected
    display = path.relative_to(settings.landing).as_posix()
    rules_sql = read_sql(f"ingest/sql/{spec.entity}.sql")
    fingerprint = _fingerprint(path)
    lineage = _lineage(con, spec, fingerprint, rules_sql)

    if spec.kind == "snapshot":
        current = con.execute(
            "select lineage from ingest.current_snapshot where entity = ?", [spec.entity]
        ).fetchone()
        if current and current[0] == lineage:
            row = con.execute(
                "select rows_read, rows_accepted, rows_quarantined from ingest.files where entity = ? and file = ?",
                [spec.entity, display],
            ).fetchone()
            log.info("%s: %s unchanged since its last validation; kept", spec.entity, display)
            return FileResult(spec.feed, spec.entity, display, file_date, *row, skipped=True)

    with tempfile.TemporaryDirectory(prefix="ingest-", dir=scratch_dir(settings)) as tmp:
        normalised = normalise(spec, path, Path(tmp) / f"{spec.entity}.csv", display, con=con)
        if spec.kind == "snapshot":  # SPEC 3.1 volume: needs the exact count of data rows read
            from ..inputs import check_volume

            check_volume(con, settings, spec, display, file_date, normalised.rows_read, run_date)
        result = _validate_and_store(con, spec, normalised, display, file_date, fingerprint, lineage, run_date,
                                     rules_sql)
    resent = f" ({result.duplicates} re-sent)" if spec.kind == "incremental" else ""
    log.info("%s: %s read %d, accepted %d%s, quarantined %d (%s)", spec.entity, display, result.rows_read,
             result.rows_accepted, resent, result.rows_quarantined, normalised.encoding)
    return result


def _load_raw(con: duckdb.DuckDBPyConnection, spec: FileSpec, normalised: Normalised, display: str) -> None:
    if normalised.loaded:  # DuckDB's reader already filled raw_rows from the landing file
        return
    columns = {"_line": "BIGINT", **{c: "VARCHAR" for c in spec.required}}
    # The reader caps each field at MAX_FIELD_BYTES characters; at 4 bytes a character (plus quotes
    # and separators) a full record can exceed DuckDB's default 2 MB line limit.
    max_line = len(columns) * (4 * MAX_FIELD_BYTES + 3) + 64
    try:
        con.execute("create or replace temp table raw_rows as select * from read_csv(?, header = true, "
                    "columns = ?, quote = '\"', escape = '\"', delim = ',', strict_mode = true, "
                    "max_line_size = ?)",
                    [str(normalised.path), columns, max_line])
    except duckdb.Error as exc:
        # The normaliser writes a file DuckDB should always read; if it cannot, fail this feed's gate
        # naming the landing file rather than surfacing a parser traceback.
        raise UnreadableFile(spec.feed, display, None, f"normalised rows could not be loaded: {exc}") from exc


def _validate_and_store(
    con: duckdb.DuckDBPyConnection, spec: FileSpec, normalised: Normalised, display: str, file_date: date,
    fingerprint: str, lineage: str, run_date: date, rules_sql: str,
) -> FileResult:
    _load_raw(con, spec, normalised, display)
    _rule_inputs(con, spec, file_date)
    con.execute(f"create or replace temp table validated as {rules_sql}")
    accepted_cols = [c for c in con.sql("select * from validated limit 0").columns if c != "_reasons"]
    select_accepted = ", ".join(accepted_cols)

    with transaction(con):
        store_quarantine(con, spec, display, file_date, normalised.rejected)
        # The raw text (a copy of the file, ~1 GB for 5.3M persons) is done with: its memory goes
        # back before the accepted rows are written.
        con.execute("drop table raw_rows")
        table = f"ops.{spec.entity}"  # entity names come from feeds.FILES, never from data
        if spec.kind == "snapshot":
            con.execute(
                f"create or replace table {table} as select ?::date as snapshot_date, ? as _file, "
                f"{select_accepted} from validated where len(_reasons) = 0",
                [file_date, display],
            )
            con.execute(
                f"create or replace table ingest.keys_{spec.entity} as select {spec.key} as id, "
                f"bool_and(len(_reasons) = 0) as accepted from validated where {spec.key} is not null group by 1"
            )
            con.execute(
                "insert or replace into ingest.current_snapshot values (?, ?, ?, ?)",
                [spec.entity, display, file_date, lineage],
            )
            if spec.entity == "officers":
                _keep_officer_history(con, file_date)
        else:
            _replace_incremental(con, spec, file_date, display, select_accepted)
        accepted = con.execute("select count(*) from validated where len(_reasons) = 0").fetchone()[0]
        quarantined = con.execute(
            "select count(*) from ingest.quarantine where entity = ? and file = ?", [spec.entity, display]
        ).fetchone()[0]
        duplicates = _resent(con, spec, file_date) if spec.kind == "incremental" else 0
        register_file(con, spec, display, file_date, normalised, accepted, quarantined, fingerprint, lineage,
                      run_date)
    con.execute("drop table validated")  # the next file (persons after houses) starts without it
    return FileResult(spec.feed, spec.entity, display, file_date, normalised.rows_read, accepted, quarantined,
                      duplicates=duplicates)


def _rule_inputs(con: duckdb.DuckDBPyConnection, spec: FileSpec, file_date: date) -> None:
    """The temp tables a feed's row rules read besides ``raw_rows`` and the ops tables.

    ``file_params`` (every feed): the file's date and its end (23:59:59 local), for rules that judge
    a row by its file's date. ``repeated_keys`` (every feed): the keys (``FileSpec.key``) on more
    than one row of the file, each with ``repeated = true``; every row of such a key is a
    ``duplicate_id``, NULL keys counting as one key (rules join it ``is not distinct from``).
    ``file_officers`` (completions): the officers snapshot newest on or before the file's date, since a completion is judged against the officer's station of its own
    day (SPEC 6); with no snapshot yet every officer is unknown, hence another station's.
    """
    # as_of_at: the business-time macro (business_time.configure), the end of the date in local time
    con.execute("create or replace temp table file_params as "
                "select ?::date as file_date, as_of_at(?::date) as file_end", [file_date, file_date])
    # Grouped, not a window over every column of the file (5.3M persons: 3 s and 0.45 GB less).
    con.execute(f"create or replace temp table repeated_keys as select {spec.key} as id, true as repeated "
                "from raw_rows group by 1 having count(*) > 1")
    if spec.entity != "completions":
        return
    if table_exists(con, "ops", "officers_history"):
        con.execute(
            """
            create or replace temp table file_officers as
            select officer_id, station_id
            from ops.officers_history
            where snapshot_date = (select max(snapshot_date) from ops.officers_history where snapshot_date <= ?)
            """,
            [file_date],
        )
    else:
        con.execute("create or replace temp table file_officers (officer_id varchar, station_id varchar)")


def _resent(con: duckdb.DuckDBPyConnection, spec: FileSpec, file_date: date) -> int:
    """How many of the file's accepted rows carry a key accepted earlier (an earlier file, or an
    earlier line of this one)."""
    table, key = f"ops.{spec.entity}", spec.key  # both from feeds.py, never from data
    return con.execute(
        f"""
        select count(*)
        from {table} as c
        where c.file_date = ?
          and exists (
              select 1 from {table} as e
              where e.{key} = c.{key}
                and (e.file_date < c.file_date or (e.file_date = c.file_date and e._line < c._line))
          )
        """,
        [file_date],
    ).fetchone()[0]


def register_file(con: duckdb.DuckDBPyConnection, spec: FileSpec, display: str, file_date: date,
                  normalised: Normalised, accepted: int, quarantined: int, fingerprint: str, lineage: str,
                  run_date: date) -> None:
    """Check the file's row accounting (read = accepted + quarantined) and record it in
    ``ingest.files`` (inside the caller's transaction: a broken count rolls the file back)."""
    if accepted + quarantined != normalised.rows_read:
        raise GateFailure(
            spec.feed,
            f"{display}: row accounting broken: read {normalised.rows_read}, accepted {accepted}, "
            f"quarantined {quarantined}",
        )
    con.execute(
        "insert or replace into ingest.files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [spec.feed, spec.entity, display, file_date, normalised.encoding, normalised.rows_read, accepted,
         quarantined, fingerprint, lineage, run_date, datetime.now(UTC)],
    )


def store_quarantine(con: duckdb.DuckDBPyConnection, spec: FileSpec, display: str, file_date: date,
                     rejected: list) -> None:
    """Replace one file's quarantine rows (inside the caller's transaction): the SQL row-rule rejects
    of temp table ``validated`` (with the raw row from ``raw_rows``) and the reader's rejects."""
    con.execute("delete from ingest.quarantine where entity = ? and file = ?", [spec.entity, display])
    con.execute(
        """
        insert into ingest.quarantine
        select ?, ?, ?, ?, v._line, v._reasons[1], array_to_string(v._reasons, ','), to_json(r)::varchar
        from validated as v join raw_rows as r using (_line)
        where len(v._reasons) > 0
        """,
        [spec.feed, spec.entity, display, file_date],
    )
    if rejected:
        con.executemany(
            "insert into ingest.quarantine values (?, ?, ?, ?, ?, ?, ?, ?)",
            [[spec.feed, spec.entity, display, file_date, r.line, r.reason, r.detail, r.raw] for r in rejected],
        )


def _replace_incremental(con, spec: FileSpec, file_date: date, display: str | None, select_accepted: str | None):
    table = f"ops.{spec.entity}"
    if select_accepted is None:
        if table_exists(con, "ops", spec.entity):
            con.execute(f"delete from {table} where file_date = ?", [file_date])
        return
    con.execute(
        f"create table if not exists {table} as select ?::date as file_date, ? as _file, {select_accepted} "
        f"from validated limit 0",
        [file_date, display],
    )
    con.execute(f"delete from {table} where file_date = ?", [file_date])
    con.execute(
        f"insert into {table} by name select ?::date as file_date, ? as _file, {select_accepted} "
        f"from validated where len(_reasons) = 0",
        [file_date, display],
    )


def _keep_officer_history(con: duckdb.DuckDBPyConnection, file_date: date) -> None:
    """Completions are judged against the officers snapshot of their own file date (SPEC section 6)."""
    con.execute(
        "create table if not exists ops.officers_history as select * from ops.officers limit 0"
    )
    con.execute("delete from ops.officers_history where snapshot_date = ?", [file_date])
    con.execute("insert into ops.officers_history by name select * from ops.officers")
