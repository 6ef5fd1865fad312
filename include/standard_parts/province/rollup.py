"""The province roll-up: each city's marts exported as Parquet (hive-partitioned by city and
as-of date), then ``<rollup>/province.duckdb`` built from those files alone.

A city's analyst file is only ever opened read-only (ATTACH ... READ_ONLY), and only to copy its
two daily marts out; the roll-up never touches a city's DuckDB again. The roll-up file is built
beside its final name and swapped in atomically, like a city's analytics.duckdb.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

import duckdb

from .config import City, ProvinceConfig

log = logging.getLogger(__name__)

EXPORTED = ("completion_rate_daily", "work_code_summary")
# Column types of the exported files (what an empty export must look like too).
_COLUMNS = {
    "completion_rate_daily": "station_id VARCHAR, standard_part_id VARCHAR, tasks_due BIGINT, "
                             "tasks_completed BIGINT, tasks_on_time BIGINT",
    "work_code_summary": "station_id VARCHAR, green BIGINT, yellow BIGINT, red BIGINT, pending BIGINT",
}
STATES = ("succeeded", "failed", "missing")


def _sql(name: str) -> str:
    return files("standard_parts.province").joinpath("sql", name).read_text(encoding="utf-8")


def exports_dir(config: ProvinceConfig) -> Path:
    return config.rollup / "exports"


def export_city(config: ProvinceConfig, city: City) -> bool:
    """Replace the city's Parquet partitions with its analyst file's current marts. Returns False
    (and removes its partitions) when the city has no analyst file yet."""
    analytics = city.warehouse / "analytics.duckdb"
    root = exports_dir(config)
    targets = {table: root / table / f"city_id={city.id}" for table in EXPORTED}
    if not analytics.exists():
        for target in targets.values():
            shutil.rmtree(target, ignore_errors=True)
        return False
    staging = root / f".staging-{city.id}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with duckdb.connect() as con:
            con.execute("ATTACH ? AS city (READ_ONLY)", [str(analytics)])
            # the only substitution is the staging folder: a path this module built, not data
            con.execute(_sql("export.sql").replace("$staging", str(staging).replace("'", "''")))
        for table, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            old = target.with_name(f".old-{target.name}-{os.getpid()}")
            if target.exists():
                target.rename(old)
            (staging / table).rename(target)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def _read_status(warehouse: Path) -> list[dict]:
    """The city's run_status.json dates (written by the pipeline after every run date), if any."""
    path = warehouse / "run_status.json"
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("dates", []))
    except (OSError, ValueError):
        return []


def _newest_run_date(analytics: Path, status: list[dict]) -> date | None:
    good = [d["run_date"] for d in status if d.get("state") == "succeeded" and d.get("run_date")]
    if good:
        return date.fromisoformat(max(good))
    with duckdb.connect(str(analytics), read_only=True) as con:
        row = con.execute(_sql("newest.sql")).fetchone()
    return row[0] if row else None


@dataclass
class Freshness:
    city_id: str
    newest_run_date: date | None
    state: str
    stale: bool
    message: str | None
    report: str | None


def freshness(config: ProvinceConfig, city: City, rollup_date: date, outcome: dict | None = None) -> Freshness:
    """Where a city stands on the roll-up date. ``outcome`` is this province run's result for the
    city ({"state", "message"}); without it the city's run_status.json, then its marts, decide."""
    analytics = city.warehouse / "analytics.duckdb"
    if not analytics.exists():
        return Freshness(city.id, None, "missing", True,
                         (outcome or {}).get("message") or "no analytics.duckdb yet", None)
    status = _read_status(city.warehouse)
    newest = _newest_run_date(analytics, status)
    if outcome:
        state, message = outcome["state"], outcome.get("message")
    else:
        entry = next((d for d in status if d.get("run_date") == rollup_date.isoformat()), None)
        if entry and entry.get("state") in ("succeeded", "failed"):
            state, message = entry["state"], entry.get("message")
        else:
            ok = newest is not None and newest >= rollup_date
            state, message = ("succeeded", None) if ok else ("failed", f"no successful night for {rollup_date}")
    if state not in STATES:
        state = "failed"
    return Freshness(city.id, newest, state, newest is None or newest < rollup_date, message,
                     _report_link(config, city, rollup_date, newest))


def _report_link(config: ProvinceConfig, city: City, rollup_date: date, newest: date | None) -> str | None:
    """The city's own report, relative to the province report's folder (the folders move together)."""
    reports = city.warehouse / "reports"
    candidates = [reports / d.isoformat() / "leadership.html" for d in (rollup_date, newest) if d]
    candidates.append(reports / "latest.html")
    for path in candidates:
        if path.exists():
            return os.path.relpath(path, config.rollup / "reports" / rollup_date.isoformat())
    return None


def _exported_view(con: duckdb.DuckDBPyConnection, root: Path, table: str) -> None:
    pattern = root / table / "city_id=*" / "as_of_date=*" / "*.parquet"
    if any((root / table).glob("city_id=*/as_of_date=*/*.parquet")):
        con.execute("SET VARIABLE export_glob = ?", [str(pattern)])
        con.execute(
            f"CREATE TEMP TABLE exp_{table} AS SELECT * FROM read_parquet(getvariable('export_glob'), "
            "hive_partitioning = true, hive_types = {'city_id': VARCHAR, 'as_of_date': DATE})")
    else:  # no city has an analyst file yet: the marts exist, empty
        con.execute(f"CREATE TEMP TABLE exp_{table} (city_id VARCHAR, as_of_date DATE, {_COLUMNS[table]})")


def build_rollup(config: ProvinceConfig, rollup_date: date, outcomes: dict[str, dict] | None = None,
                 export: bool = True) -> Path:
    """Export every city (unless ``export`` is False) and build ``<rollup>/province.duckdb``."""
    outcomes = outcomes or {}
    config.rollup.mkdir(parents=True, exist_ok=True)
    if export:
        for city in config.cities:
            export_city(config, city)
    fresh = [freshness(config, city, rollup_date, outcomes.get(city.id)) for city in config.cities]
    final = config.db_path
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as con:
            con.execute("CREATE TEMP TABLE cities (city_id VARCHAR PRIMARY KEY, city_name VARCHAR, position INTEGER, "
                        "province_id VARCHAR, province_name VARCHAR)")
            con.executemany("INSERT INTO cities VALUES (?, ?, ?, ?, ?)",
                            [(c.id, c.name, i, config.province.id, config.province.name)
                             for i, c in enumerate(config.cities)])
            con.execute("CREATE TEMP TABLE freshness (city_id VARCHAR, newest_run_date DATE, state VARCHAR, "
                        "rollup_date DATE, stale BOOLEAN, message VARCHAR, report VARCHAR)")
            con.executemany("INSERT INTO freshness VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(f.city_id, f.newest_run_date, f.state, rollup_date, f.stale, f.message, f.report)
                             for f in fresh])
            for table in EXPORTED:
                _exported_view(con, exports_dir(config), table)
            con.execute(_sql("rollup.sql"))  # temp tables (exports, cities, freshness) are not kept
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("province roll-up for %s: %s", rollup_date, final)
    return final


def newest_date(config: ProvinceConfig) -> date | None:
    """The newest run date any city has processed successfully (what the roll-up is as of)."""
    dates = []
    for city in config.cities:
        analytics = city.warehouse / "analytics.duckdb"
        if analytics.exists():
            newest = _newest_run_date(analytics, _read_status(city.warehouse))
            if newest:
                dates.append(newest)
    return max(dates, default=None)


def rollup_newest(config: ProvinceConfig | None = None) -> str:
    """The roll-up DAG's task: roll up (and report) as of the newest date any city reached."""
    from .config import config_from_env
    from .report import build_province_report

    config = config or config_from_env()
    if config is None:
        raise RuntimeError("STANDARD_PARTS_PROVINCE_CONFIG is not set")
    day = newest_date(config)
    if day is None:
        log.info("province roll-up: no city has an analyst file yet")
        day_path = build_rollup(config, date.today())
        return str(day_path)
    build_rollup(config, day)
    return str(build_province_report(config, day))
