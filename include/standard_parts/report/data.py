"""Everything the leadership report shows, read from the marts of analytics.duckdb (read-only).

One function, :func:`load_report_data`, runs every query and returns plain DataFrames with the
Chinese labels already joined in (from the catalogue), so the figure functions stay pure.
Only schema ``marts`` is read; no query selects ``object_id`` or anything about persons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

BENCHMARK = 0.976  # the real system's first-year completion rate (SPEC section 1)
RED_TABLE_LIMIT = 200  # overdue tasks listed by task id (the most overdue first)

REQUIRED_TABLES = ("fct_tasks", "completion_rate_daily", "work_code_summary", "officer_scorecard")
OPTIONAL_TABLES = ("generation_stats", "handoffs_monthly", "dim_stations", "quarantine_summary")


@dataclass
class Kpi:
    issued: int = 0
    due: int = 0
    completed: int = 0
    on_time: int = 0
    completion_rate: float | None = None
    on_time_rate: float | None = None
    green: int = 0
    yellow: int = 0
    red: int = 0
    pending: int = 0
    issued_on_day: int = 0  # tasks issued on the as_of date itself
    quarantined_rows: int | None = None


@dataclass
class ReportData:
    run_date: date
    as_of: date | None = None
    period_start: date | None = None
    kpi: Kpi = field(default_factory=Kpi)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    code_trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    stations: pd.DataFrame = field(default_factory=pd.DataFrame)
    station_category: pd.DataFrame = field(default_factory=pd.DataFrame)
    parts: pd.DataFrame = field(default_factory=pd.DataFrame)
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)
    officer_month: date | None = None
    officer_codes: pd.DataFrame = field(default_factory=pd.DataFrame)
    red_matrix: pd.DataFrame = field(default_factory=pd.DataFrame)
    red_tasks: pd.DataFrame = field(default_factory=pd.DataFrame)
    red_total: int = 0
    handoffs: pd.DataFrame | None = None  # None: table missing (chart left out with a note)
    merge: pd.DataFrame | None = None
    station_names: bool = False  # True when marts.dim_stations supplied station names
    missing_tables: list[str] = field(default_factory=list)


def _labels():
    """(part -> (name_zh, category)), (category -> name_zh), (department code -> name_zh)."""
    from ..catalogue import load_catalogue

    cat = load_catalogue()
    parts = {p.id: (p.name_zh, p.category) for p in cat.parts}
    categories = {c.id: c.name_zh for c in cat.categories}
    departments = {d.code: d.name_zh for d in cat.departments}
    return parts, categories, departments


def _round(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """Rates to 4 decimals: short numbers in the page (and nothing that looks like a long id)."""
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].round(digits)
    return frame


def _rate(num, den) -> float | None:
    return None if not den else round(float(num) / float(den), 6)


def load_report_data(analytics_path: Path, run_date: date, timezone: str = "Asia/Shanghai") -> ReportData:
    import duckdb

    if not analytics_path.exists():
        raise FileNotFoundError(f"report: analytics file {analytics_path} does not exist (build the marts first)")
    con = duckdb.connect(str(analytics_path), read_only=True)
    try:
        con.execute(f"set TimeZone = '{timezone}'")
        return _load(con, run_date)
    finally:
        con.close()


def _load(con, run_date: date) -> ReportData:
    data = ReportData(run_date=run_date)
    tables = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' "
        "union select view_name from duckdb_views() where schema_name = 'marts'").fetchall()}
    data.missing_tables = [t for t in REQUIRED_TABLES + OPTIONAL_TABLES
                           if t not in tables and t != "dim_stations"]
    for table in REQUIRED_TABLES:
        if table not in tables:
            log.warning("report: marts.%s is missing; its charts show 暂无数据", table)
    parts, categories, departments = _labels()

    def q(sql: str, params: list | None = None) -> pd.DataFrame:
        return con.execute(sql, params or []).df()

    if "completion_rate_daily" in tables:
        data.as_of = con.execute(
            "select max(as_of_date) from marts.completion_rate_daily where as_of_date <= ?", [run_date]
        ).fetchone()[0]
    if data.as_of is None and "work_code_summary" in tables:
        data.as_of = con.execute(
            "select max(as_of_date) from marts.work_code_summary where as_of_date <= ?", [run_date]
        ).fetchone()[0]
    as_of = data.as_of or run_date
    # End of the as_of date in local time (SPEC section 6): the connection's TimeZone is +08:00.
    as_of_end = "(cast(? as date) + interval 1 day)::timestamp::timestamptz"

    station_label: dict[str, str] = {}
    if "dim_stations" in tables:
        data.station_names = True
        for station_id, name in con.execute("select station_id, station_name from marts.dim_stations").fetchall():
            station_label[station_id] = name or station_id
        seen: dict[str, int] = {}
        for label in station_label.values():
            seen[label] = seen.get(label, 0) + 1
        # Two stations with one name stay apart in every chart: "name（id）".
        station_label = {sid: (f"{label}（{sid}）" if seen[label] > 1 else label)
                         for sid, label in station_label.items()}

    def label_station(frame: pd.DataFrame) -> pd.DataFrame:
        frame["station"] = [station_label.get(s, s) for s in frame["station_id"]]
        return frame

    def label_part(frame: pd.DataFrame) -> pd.DataFrame:
        frame["part_name"] = [parts.get(p, (p, None))[0] for p in frame["standard_part_id"]]
        if "category" not in frame.columns:
            frame["category"] = [parts.get(p, (None, "未分类"))[1] or "未分类" for p in frame["standard_part_id"]]
        frame["category_name"] = [categories.get(c, c) for c in frame["category"]]
        return frame

    # --- KPI ----------------------------------------------------------------------------------
    k = data.kpi
    if "fct_tasks" in tables:
        row = con.execute(
            f"select count(*), min(cast(issued_at as date)), "
            f"count(*) filter (where cast(issued_at as date) = cast(? as date)) "
            f"from marts.fct_tasks where issued_at < {as_of_end}", [as_of, as_of]).fetchone()
        k.issued, data.period_start, k.issued_on_day = int(row[0]), row[1], int(row[2])
    if "completion_rate_daily" in tables and data.as_of is not None:
        row = con.execute(
            "select coalesce(sum(tasks_due), 0), coalesce(sum(tasks_completed), 0), coalesce(sum(tasks_on_time), 0) "
            "from marts.completion_rate_daily where as_of_date = ?", [as_of]).fetchone()
        k.due, k.completed, k.on_time = (int(v) for v in row)
        k.completion_rate, k.on_time_rate = _rate(k.completed, k.due), _rate(k.on_time, k.due)
    if "work_code_summary" in tables and data.as_of is not None:
        row = con.execute(
            "select coalesce(sum(green), 0), coalesce(sum(yellow), 0), coalesce(sum(red), 0), "
            "coalesce(sum(pending), 0) from marts.work_code_summary where as_of_date = ?", [as_of]).fetchone()
        k.green, k.yellow, k.red, k.pending = (int(v) for v in row)
    if "quarantine_summary" in tables:
        k.quarantined_rows = int(con.execute(
            "select coalesce(sum(rows), 0) from marts.quarantine_summary where run_date <= ?", [as_of]
        ).fetchone()[0])

    # --- trends (city-wide, per as_of_date) --------------------------------------------------
    if "completion_rate_daily" in tables:
        data.trend = _round(q(
            "select as_of_date, cast(sum(tasks_due) as bigint) as tasks_due, cast(sum(tasks_completed) as bigint) as tasks_completed, "
            "cast(sum(tasks_on_time) as bigint) as tasks_on_time, "
            "sum(tasks_completed) / nullif(sum(tasks_due), 0) as completion_rate, "
            "sum(tasks_on_time) / nullif(sum(tasks_due), 0) as on_time_rate "
            "from marts.completion_rate_daily where as_of_date <= ? group by as_of_date order by as_of_date",
            [as_of]))
    if "work_code_summary" in tables:
        data.code_trend = q(
            "select as_of_date, cast(sum(green) as bigint) as green, cast(sum(yellow) as bigint) as yellow, cast(sum(red) as bigint) as red, "
            "cast(sum(pending) as bigint) as pending from marts.work_code_summary where as_of_date <= ? "
            "group by as_of_date order by as_of_date", [as_of])

    # --- stations, parts, categories at as_of -------------------------------------------------
    if "completion_rate_daily" in tables:
        daily = q("select station_id, standard_part_id, tasks_due, tasks_completed, tasks_on_time "
                  "from marts.completion_rate_daily where as_of_date = ? order by station_id, standard_part_id", [as_of])
        daily = label_part(label_station(daily))
        sums = ["tasks_due", "tasks_completed", "tasks_on_time"]
        stations = daily.groupby(["station_id", "station"], as_index=False)[sums].sum()
        if "work_code_summary" in tables:
            red = q("select station_id, cast(sum(red) as bigint) as red from marts.work_code_summary where as_of_date = ? "
                    "group by station_id order by station_id", [as_of])
            stations = stations.merge(red, on="station_id", how="left")
        stations["red"] = stations.get("red", pd.Series(0, index=stations.index)).fillna(0).astype(int)
        data.stations = _round(_with_rates(stations)).sort_values(
            ["completion_rate", "station"], ascending=[False, True], na_position="last").reset_index(drop=True)
        data.station_category = _round(_with_rates(
            daily.groupby(["station", "category", "category_name"], as_index=False)[sums].sum()))
        part_rows = _with_rates(
            daily.groupby(["standard_part_id", "part_name", "category", "category_name"], as_index=False)[sums].sum())
        if "fct_tasks" in tables:
            issued = q(f"select standard_part_id, count(*) as issued from marts.fct_tasks "
                       f"where issued_at < {as_of_end} group by all order by all", [as_of])
            part_rows = part_rows.merge(issued, on="standard_part_id", how="left")
        if "issued" not in part_rows.columns:
            part_rows["issued"] = part_rows["tasks_due"]
        part_rows["issued"] = part_rows["issued"].fillna(part_rows["tasks_due"]).astype(int)
        data.parts = _round(part_rows).sort_values(["category", "standard_part_id"]).reset_index(drop=True)
        cats = part_rows.groupby(["category", "category_name"], as_index=False)[["issued", *sums]].sum()
        data.categories = _round(_with_rates(cats)).sort_values("category").reset_index(drop=True)

    # --- officer codes (latest month up to as_of) ----------------------------------------------
    if "officer_scorecard" in tables:
        data.officer_month = con.execute(
            "select max(month) from marts.officer_scorecard where month <= ?", [as_of]).fetchone()[0]
        if data.officer_month is not None:
            codes = label_station(q(
                "select station_id, officer_code, count(*) as officers from marts.officer_scorecard "
                "where month = ? group by all order by all", [data.officer_month]))
            wide = codes.pivot_table(index=["station_id", "station"], columns="officer_code", values="officers",
                                     aggfunc="sum", fill_value=0).reset_index()
            for code in ("green", "yellow", "red"):
                if code not in wide.columns:
                    wide[code] = 0
            wide.columns.name = None
            data.officer_codes = wide[["station_id", "station", "green", "yellow", "red"]].sort_values(
                ["red", "yellow", "station"], ascending=[False, False, True]).reset_index(drop=True)

    # --- overdue (red) at as_of: due, not completed by then. No object ids, no persons. --------
    if "fct_tasks" in tables:
        if _fct_judged_at(con, as_of):
            # fct_tasks is judged at this very as_of (the nightly case): its work_code is the mart's.
            red_where, params = f"issued_at < {as_of_end} and work_code = 'red'", [as_of]
        else:
            # An earlier date (a backfilled report): judge from due_at and the completion time.
            red_where = (f"issued_at < {as_of_end} and due_at < {as_of_end} "
                         f"and (completed_at is null or completed_at >= {as_of_end})")
            params = [as_of, as_of, as_of]
        data.red_total = int(con.execute(f"select count(*) from marts.fct_tasks where {red_where}",
                                         params).fetchone()[0])
        data.red_matrix = label_part(label_station(q(
            f"select station_id, standard_part_id, count(*) as red from marts.fct_tasks where {red_where} "
            f"group by all order by all", params)))
        red_tasks = q(
            f"select task_id, standard_part_id, station_id, strftime(due_at, '%Y-%m-%d %H:%M') as due_at, "
            f"cast(floor((epoch({as_of_end}) - epoch(due_at)) / 86400) as integer) as overdue_days "
            f"from marts.fct_tasks where {red_where} order by due_at, task_id limit {RED_TABLE_LIMIT}",
            [as_of, *params])
        data.red_tasks = label_part(label_station(red_tasks))

    # --- hand-offs (part category -> department) -----------------------------------------------
    if "handoffs_monthly" in tables:
        data.handoffs = _handoffs(con, as_of, parts, categories, departments)

    # --- merge savings (generation_stats up to as_of) ------------------------------------------
    if "generation_stats" in tables:
        merge = q(
            "select standard_part_id, cast(sum(candidates) as bigint) as candidates, cast(sum(objects) as bigint) as objects, "
            "cast(sum(merged_away) as bigint) as merged_away, cast(sum(suppressed_open) as bigint) as suppressed_open, "
            "cast(sum(suppressed_cooldown) as bigint) as suppressed_cooldown, cast(sum(unassignable) as bigint) as unassignable, "
            "cast(sum(issued) as bigint) as issued from marts.generation_stats where run_date <= ? group by all "
            "having sum(candidates) > 0 order by candidates desc, standard_part_id", [as_of])
        data.merge = label_part(merge)
    return data


def _fct_judged_at(con, as_of: date) -> bool:
    """True when marts.fct_tasks was built with this as_of (its ``as_of_date`` column, else the
    latest date of completion_rate_daily)."""
    columns = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'fct_tasks'"
    ).fetchall()}
    if "work_code" not in columns:
        return False
    if "as_of_date" in columns:
        built = con.execute("select max(as_of_date) from marts.fct_tasks").fetchone()[0]
    else:
        built = con.execute("select max(as_of_date) from marts.completion_rate_daily").fetchone()[0]
    return built is None or built == as_of


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    due = frame["tasks_due"].astype("float64")
    frame["completion_rate"] = (frame["tasks_completed"] / due).where(due > 0)
    frame["on_time_rate"] = (frame["tasks_on_time"] / due).where(due > 0)
    return frame


def _handoffs(con, as_of: date, parts, categories, departments) -> pd.DataFrame:
    """Hand-offs summed over the months up to as_of, as (category_name, department_name, handoffs).

    Tolerates the column names the mart may use: the department in ``department`` or
    ``handoff_department``, the count in ``handoffs``/``handoff_count``/``tasks``, the month in
    ``month``, the category in ``category`` or derived from ``standard_part_id``.
    """
    columns = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'handoffs_monthly'"
    ).fetchall()}

    def pick(*names):
        return next((n for n in names if n in columns), None)

    dept = pick("handoff_department", "department", "department_code", "to_department")
    count = pick("handoffs", "handoff_count", "tasks", "rows", "n")
    month = pick("month", "month_start")
    if dept is None:
        log.warning("report: marts.handoffs_monthly has no department column; hand-off chart left out")
        return pd.DataFrame(columns=["category_name", "department_name", "handoffs"])
    by = pick("category") or pick("standard_part_id")
    measure = f"sum({count})" if count else "count(*)"
    where = f"where {month} <= ?" if month else ""
    params = [as_of] if month else []
    frame = con.execute(
        f"select {by} as source, {dept} as department, {measure} as handoffs "
        f"from marts.handoffs_monthly {where} group by all order by all", params).df()
    if by == "standard_part_id":
        frame["source"] = [parts.get(p, (None, p))[1] for p in frame["source"]]
        frame = frame.groupby(["source", "department"], as_index=False)["handoffs"].sum()
    frame["category_name"] = [categories.get(c, c) for c in frame["source"]]
    frame["department_name"] = [departments.get(d, d) for d in frame["department"]]
    frame["handoffs"] = frame["handoffs"].astype(int)
    return frame[frame["handoffs"] > 0][["category_name", "department_name", "handoffs"]].reset_index(drop=True)
