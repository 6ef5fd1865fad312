"""What the leadership pages show, read from analytics.duckdb (read-only, schema ``marts``).

The aggregation lives in dbt (``dbt/models/reporting``: ``rpt_scope_*``, ``rpt_open_tasks``,
``rpt_officer_month``): here every table is read once, filtered to the report's as_of date, and
sliced per page (a *scope*: the city, a district, a station) into plain DataFrames for the charts.
No query selects ``object_id`` or anything about residents.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from .. import business_time

log = logging.getLogger(__name__)

BENCHMARK = 0.976  # the real system's first-year completion rate (SPEC section 1)
RED_TABLE_LIMIT = 200  # task rows shown per act-on list (the CSV export holds every row)
TREND_WEEKS = 12
DUE_SOON_HOURS = 48

# The report's own tables (dbt/models/reporting) and the marts it reads as they are.
REQUIRED_TABLES = ("rpt_scope_profile", "rpt_scope_daily", "rpt_scope_parts", "rpt_scope_weekly",
                   "rpt_scope_monthly", "rpt_open_tasks", "rpt_officer_month")
OPTIONAL_TABLES = ("generation_stats", "handoffs_monthly", "dim_stations", "dim_standard_parts", "quarantine_summary",
                   "escalations")


@dataclass
class Scope:
    scope: str  # city | district | station
    scope_id: str
    name: str
    parent_scope: str | None = None
    parent_id: str | None = None
    stations: int = 0
    communities: int | None = None
    officers: int | None = None
    residents: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.scope, self.scope_id)


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
    issued_on_day: int = 0
    quarantined_rows: int | None = None


@dataclass
class Period:
    """One week or month of a page (the last complete one, else the newest)."""
    start: date | None = None
    end: date | None = None
    complete: bool = False
    due: int = 0
    completed: int = 0
    on_time: int = 0
    completion_rate: float | None = None
    on_time_rate: float | None = None
    prev_due: int = 0
    prev_completion_rate: float | None = None
    prev_on_time_rate: float | None = None


@dataclass
class Freshness:
    as_of: date | None
    state: str | None = None  # this run date's state in run_status.json
    banners: list[str] = field(default_factory=list)


@dataclass
class ReportData:
    """One page."""
    run_date: date
    scope: Scope
    city: Scope
    as_of: date | None = None
    period_start: date | None = None
    kpi: Kpi = field(default_factory=Kpi)
    week: Period = field(default_factory=Period)
    month: Period = field(default_factory=Period)
    weeks: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    code_trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    children: pd.DataFrame = field(default_factory=pd.DataFrame)  # districts / stations of the page
    stations: pd.DataFrame = field(default_factory=pd.DataFrame)  # every station of the page
    city_rate: float | None = None
    parts: pd.DataFrame = field(default_factory=pd.DataFrame)
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)
    officer_month: date | None = None
    officers: pd.DataFrame = field(default_factory=pd.DataFrame)
    officer_codes: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_tasks: pd.DataFrame = field(default_factory=pd.DataFrame)
    act_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    red_total: int = 0
    due_soon_total: int = 0
    handoffs: pd.DataFrame | None = None
    merge: pd.DataFrame | None = None
    supervised: pd.DataFrame | None = None
    geojson: dict | None = None
    freshness: Freshness | None = None
    station_names: bool = False
    missing_tables: list[str] = field(default_factory=list)
    links: dict = field(default_factory=dict)  # (scope, id) -> relative href, filled by the page writer


@dataclass
class Warehouse:
    """Every table the pages need, read once at the as_of date."""
    run_date: date
    as_of: date | None
    scopes: dict[tuple[str, str], Scope]
    members: dict[tuple[str, str], list[str]]
    tables: dict[str, pd.DataFrame]
    present: set[str]
    geojson: dict | None = None
    freshness: Freshness | None = None


def _round(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """Rates to 4 decimals: short numbers in the page (and nothing that looks like a long id)."""
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].round(digits)
    return frame


def _rate(num, den) -> float | None:
    return None if not den or pd.isna(den) else round(float(num) / float(den), 6)


def _none(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT else value


def load_warehouse(analytics_path: Path, run_date: date, timezone: str | None = None,
                   landing: Path | None = None, warehouse: Path | None = None) -> Warehouse:
    import duckdb

    if not analytics_path.exists():
        raise FileNotFoundError(f"report: analytics file {analytics_path} does not exist (build the marts first)")
    con = duckdb.connect(str(analytics_path), read_only=True)
    try:
        business_time.configure(con, timezone)  # local dates and times of the pages (None: the default zone)
        wh = _read(con, run_date)
    finally:
        con.close()
    wh.geojson = district_map(landing, run_date) if landing else None
    wh.freshness = freshness(warehouse, run_date, wh.as_of)
    return wh


def _read(con, run_date: date) -> Warehouse:
    present = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' "
        "union select view_name from duckdb_views() where schema_name = 'marts'").fetchall()}
    for table in REQUIRED_TABLES:
        if table not in present:
            log.warning("report: marts.%s is missing (an analyst file from before report v2?); its charts show 暂无数据",
                        table)

    def q(table: str, sql: str, params: list | None = None) -> pd.DataFrame:
        if table not in present:
            return pd.DataFrame()
        return con.execute(sql, params or []).df()

    as_of = None
    if "rpt_scope_daily" in present:
        as_of = con.execute("select max(as_of_date) from marts.rpt_scope_daily where as_of_date <= ?",
                            [run_date]).fetchone()[0]
    day = as_of or run_date
    t: dict[str, pd.DataFrame] = {}
    t["profile"] = q("rpt_scope_profile", "select * from marts.rpt_scope_profile order by scope, scope_id")
    t["members"] = q("rpt_scope_stations", "select scope, scope_id, station_id from marts.rpt_scope_stations")
    t["daily"] = q("rpt_scope_daily", "select * from marts.rpt_scope_daily where as_of_date <= ? "
                                      "order by scope, scope_id, as_of_date", [day])
    t["parts"] = q("rpt_scope_parts", "select * from marts.rpt_scope_parts where as_of_date = ? "
                                      "order by scope, scope_id, category, standard_part_id", [day])
    t["weekly"] = q("rpt_scope_weekly", "select * from marts.rpt_scope_weekly where week_start <= ? "
                                        "order by scope, scope_id, week_start", [day])
    t["monthly"] = q("rpt_scope_monthly", "select * from marts.rpt_scope_monthly where month <= ? "
                                          "order by scope, scope_id, month", [day])
    # Open at the as_of date: the span holding it. Due soon: not yet due, due within 48 h of the as_of.
    t["open"] = q("rpt_open_tasks",
                  "select task_id, is_due, station_id, station_name, community_name, officer_name, standard_part_id, "
                  "part_name, strftime(due_at, '%Y-%m-%d %H:%M') as due_at, "
                  "round((epoch(local_instant(cast(? as date) + interval 1 day)) - epoch(due_at)) / 3600, 1) as hours_overdue, "
                  "reason_zh from marts.rpt_open_tasks "
                  "where valid_from <= ? and (valid_to is null or valid_to > ?) "
                  "and (is_due or due_at <= (cast(? as date) + interval 1 day)::timestamp::timestamptz + to_hours(?)) "
                  "order by due_at, task_id", [day, day, day, day, DUE_SOON_HOURS])
    officer_month = None
    if "rpt_officer_month" in present:
        officer_month = con.execute("select max(month) from marts.rpt_officer_month where month <= ?",
                                    [day]).fetchone()[0]
    t["officers"] = q("rpt_officer_month", "select * from marts.rpt_officer_month where month = ? "
                                           "order by station_id, officer_id", [officer_month])
    t["officer_month"] = pd.DataFrame({"month": [officer_month]})
    t["handoffs"] = q("handoffs_monthly", "select * from marts.handoffs_monthly where month <= ?", [day])
    t["categories"] = q("dim_standard_parts", "select distinct category, category_name_zh from marts.dim_standard_parts")
    t["merge"] = q("generation_stats", "select * from marts.generation_stats where run_date <= ?", [day])
    t["escalations"] = q("escalations", "select * from marts.escalations where escalated_on <= ?", [day])
    t["quarantine"] = q("quarantine_summary", "select * from marts.quarantine_summary where run_date <= ?", [day])

    scopes = {}
    for r in t["profile"].itertuples():
        scopes[(r.scope, r.scope_id)] = Scope(
            r.scope, r.scope_id, r.scope_name, _none(r.parent_scope), _none(r.parent_id), int(r.stations),
            _int(r.communities), _int(r.officers), _int(r.residents))
    members: dict[tuple[str, str], list[str]] = {}
    for r in t["members"].itertuples():
        members.setdefault((r.scope, r.scope_id), []).append(r.station_id)
    return Warehouse(run_date, as_of, scopes, members, t, present)


def _int(value) -> int | None:
    value = _none(value)
    return None if value is None or pd.isna(value) else int(value)


# --- outside the analyst file: the district map and the run status --------------------------------

def district_map(landing: Path | None, run_date: date) -> dict | None:
    """``org/<newest date on or before run_date>/districts.geojson`` (SPEC 3, optional), or None."""
    root = Path(landing) / "org" if landing else None
    if root is None or not root.is_dir():
        return None
    dated = sorted((d for d in root.iterdir() if _is_date(d.name) and d.name <= run_date.isoformat()
                    and (d / "districts.geojson").exists()), key=lambda d: d.name)
    if not dated:
        return None
    path = dated[-1] / "districts.geojson"
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("report: %s is not readable GeoJSON (%s); the map is left out", path, exc)
        return None
    if content.get("type") != "FeatureCollection":
        log.warning("report: %s is not a FeatureCollection; the map is left out", path)
        return None
    return content


def freshness(warehouse: Path | None, run_date: date, as_of: date | None) -> Freshness:
    """The freshness stamp and its warnings from ``<warehouse>/run_status.json`` (written after each
    run date; the document ``standard-parts status --json`` prints), when it exists."""
    out = Freshness(as_of=as_of)
    if as_of is not None and as_of < run_date:
        out.banners.append(f"本报告数据截至{as_of.year}年{as_of.month}月{as_of.day}日，"
                           f"晚于统计日期{run_date.year}年{run_date.month}月{run_date.day}日的数据尚未生成。")
    path = Path(warehouse) / "run_status.json" if warehouse else None
    if path is None or not path.exists():
        return out
    try:
        dates = json.loads(path.read_text(encoding="utf-8")).get("dates") or []
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("report: %s is not readable (%s); no freshness banner", path, exc)
        return out
    rows = [d for d in dates if isinstance(d, dict) and _is_date(str(d.get("run_date", "")))]
    if not rows:
        return out
    newest = max(rows, key=lambda d: d["run_date"])
    mine = next((d for d in rows if d["run_date"] == run_date.isoformat()), None)
    out.state = mine.get("state") if mine else None
    if newest.get("state") == "failed" and newest["run_date"] >= run_date.isoformat():
        gate = newest.get("failed_gate") or "未知"
        out.banners.append(f"注意：{_zh_date(newest['run_date'])}的夜间处理失败（质量关卡：{gate}），"
                           f"本报告仍为{_zh_date(run_date.isoformat())}的数据。")
    for feed, snap in sorted(((mine or {}).get("snapshots") or {}).items()):
        if _is_date(str(snap)) and (run_date - date.fromisoformat(snap)).days > 1:
            out.banners.append(f"注意：{feed} 数据使用的是{_zh_date(snap)}的快照，"
                               f"比统计日期早{(run_date - date.fromisoformat(snap)).days}天。")
    return out


def _zh_date(text: str) -> str:
    d = date.fromisoformat(text)
    return f"{d.year}年{d.month}月{d.day}日"


def _is_date(text: str) -> bool:
    """Whether ``text`` is a YYYY-MM-DD date (a report folder's name)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


# --- one page ----------------------------------------------------------------------------------

def page_data(wh: Warehouse, key: tuple[str, str], timezone: str | None = None) -> ReportData:
    """Slice the warehouse's tables to one page (scope)."""
    city = next((s for s in wh.scopes.values() if s.scope == "city"), Scope("city", "city", "全市"))
    scope = wh.scopes.get(key, city)
    t = wh.tables
    data = ReportData(run_date=wh.run_date, scope=scope, city=city, as_of=wh.as_of,
                      geojson=wh.geojson if scope.scope == "city" else None, freshness=wh.freshness,
                      station_names="dim_stations" in wh.present)
    data.missing_tables = [n for n in REQUIRED_TABLES + OPTIONAL_TABLES
                           if n not in wh.present and n not in ("dim_stations", "escalations")]
    stations = set(wh.members.get(scope.key, []))

    def mine(frame: pd.DataFrame, s: Scope = scope) -> pd.DataFrame:
        if frame.empty:
            return frame
        return frame[(frame["scope"] == s.scope) & (frame["scope_id"] == s.scope_id)].reset_index(drop=True)

    daily = mine(t["daily"])
    if not daily.empty:
        data.period_start = daily["as_of_date"].min().date()
        data.trend = _round(daily[["as_of_date", "tasks_due", "tasks_completed", "tasks_on_time",
                                   "completion_rate", "on_time_rate"]].copy())
        data.code_trend = daily[["as_of_date", "green", "yellow", "red", "pending"]].copy()
        last = daily.iloc[-1]
        if wh.as_of is not None and last["as_of_date"].date() == wh.as_of:
            k = data.kpi
            k.issued, k.due, k.completed, k.on_time = (int(last[c]) for c in (
                "tasks_issued", "tasks_due", "tasks_completed", "tasks_on_time"))
            k.green, k.yellow, k.red, k.pending = (int(last[c]) for c in ("green", "yellow", "red", "pending"))
            k.issued_on_day = int(last["issued_on_day"])
            k.completion_rate, k.on_time_rate = _rate(k.completed, k.due), _rate(k.on_time, k.due)
    if not t["quarantine"].empty and scope.scope == "city":
        data.kpi.quarantined_rows = int(t["quarantine"]["rows"].sum())

    as_of = wh.as_of or wh.run_date
    weeks = mine(t["weekly"])
    data.week = _period(weeks, "week_start", as_of)
    data.weeks = _round(weeks.tail(TREND_WEEKS).reset_index(drop=True)) if not weeks.empty else weeks
    data.month = _period(mine(t["monthly"]), "month", as_of)

    # Pages below this one, with fair comparisons and their gap to the city figure.
    city_daily = mine(t["daily"], city)
    data.city_rate = _rate(*(city_daily.iloc[-1][["tasks_completed", "tasks_due"]])) if not city_daily.empty else None
    child_scope = {"city": "district", "district": "station"}.get(scope.scope)
    if child_scope:
        data.children = _compare(wh, [s for s in wh.scopes.values() if s.scope == child_scope
                                      and s.parent_scope == scope.scope and s.parent_id == scope.scope_id],
                                 data.city_rate, as_of)
    data.stations = _compare(wh, [wh.scopes[("station", sid)] for sid in sorted(stations)
                                  if ("station", sid) in wh.scopes], data.city_rate, as_of)

    parts = mine(t["parts"])
    if not parts.empty:
        data.parts = _round(parts.rename(columns={"tasks_issued": "issued"}).copy())
        cats = data.parts.groupby(["category", "category_name"], as_index=False)[
            ["issued", "tasks_due", "tasks_completed", "tasks_on_time"]].sum()
        cats["completion_rate"] = (cats["tasks_completed"] / cats["tasks_due"]).where(cats["tasks_due"] > 0)
        data.categories = _round(cats).sort_values("category").reset_index(drop=True)

    officers = t["officers"]
    data.officer_month = _none(t["officer_month"]["month"].iloc[0]) if not t["officer_month"].empty else None
    if isinstance(data.officer_month, (pd.Timestamp, datetime)):
        data.officer_month = data.officer_month.date()
    if not officers.empty:
        data.officers = _round(officers[officers["station_id"].isin(stations)].sort_values(
            ["officer_code", "red", "officer_name"], ascending=[False, False, True],
            key=lambda c: c.map({"red": 2, "yellow": 1, "green": 0}) if c.name == "officer_code" else c
        ).reset_index(drop=True))
        codes = data.officers.groupby(["station_id", "station_name", "officer_code"]).size().unstack(fill_value=0)
        for code in ("green", "yellow", "red"):
            if code not in codes.columns:
                codes[code] = 0
        codes = codes.reset_index().rename(columns={"station_name": "station"})
        codes.columns.name = None
        data.officer_codes = codes[["station_id", "station", "green", "yellow", "red"]].sort_values(
            ["red", "yellow", "station"], ascending=[False, False, True]).reset_index(drop=True)

    open_tasks = t["open"]
    if not open_tasks.empty:
        rows = open_tasks[open_tasks["station_id"].isin(stations)].reset_index(drop=True)
        rows["list"] = ["overdue" if d else "due_soon" for d in rows["is_due"]]
        data.open_tasks = rows
        data.red_total = int(rows["is_due"].sum())
        data.due_soon_total = int((~rows["is_due"]).sum())
        summary = rows.groupby(["station_name", "part_name"], as_index=False).agg(
            overdue=("is_due", "sum"), due_soon=("is_due", lambda s: int((~s).sum())), oldest_due=("due_at", "min"))
        data.act_summary = summary.sort_values(["oldest_due", "station_name", "part_name"]).reset_index(drop=True)

    if "handoffs_monthly" in wh.present:
        data.handoffs = _handoffs(t["handoffs"], t["categories"], stations)
    if "generation_stats" in wh.present and scope.scope == "city":
        merge = t["merge"].groupby("standard_part_id", as_index=False)[
            ["candidates", "objects", "merged_away", "suppressed_open", "suppressed_cooldown", "unassignable",
             "issued"]].sum() if not t["merge"].empty else pd.DataFrame()
        if not merge.empty:
            merge = merge[merge["candidates"] > 0].sort_values(["candidates", "standard_part_id"],
                                                                ascending=[False, True])
            names = dict(zip(t["parts"]["standard_part_id"], t["parts"]["part_name"], strict=False)) \
                if not t["parts"].empty else {}
            merge["part_name"] = [names.get(p, p) for p in merge["standard_part_id"]]
        data.merge = merge
    if "escalations" in wh.present:
        esc = t["escalations"]
        esc = esc[esc["station_id"].isin(stations)] if not esc.empty else esc
        if esc.empty:
            data.supervised = pd.DataFrame(columns=["station_id", "station", "supervised", "still_open"])
        else:
            names = {s.scope_id: s.name for s in wh.scopes.values() if s.scope == "station"}
            grouped = esc.groupby("station_id").agg(supervised=("task_id", "size"),
                                                    still_open=("completed_at", lambda c: int(c.isna().sum())))
            grouped = grouped.reset_index()
            grouped["station"] = [names.get(s, s) for s in grouped["station_id"]]
            data.supervised = grouped.sort_values(["still_open", "station"], ascending=[False, True])
    return data


def _period(frame: pd.DataFrame, key: str, as_of: date) -> Period:
    if frame.empty:
        return Period()
    ends = frame["period_end"].map(lambda d: pd.Timestamp(d).date())
    complete = frame[ends <= as_of]
    row = (complete if not complete.empty else frame).iloc[-1]
    return Period(
        start=pd.Timestamp(row[key]).date(), end=pd.Timestamp(row["period_end"]).date(),
        complete=pd.Timestamp(row["period_end"]).date() <= as_of,
        due=int(row["tasks_due"]), completed=int(row["tasks_completed"]), on_time=int(row["tasks_on_time"]),
        completion_rate=_none(row["completion_rate"]), on_time_rate=_none(row["on_time_rate"]),
        prev_due=int(row["prev_tasks_due"]), prev_completion_rate=_none(row["prev_completion_rate"]),
        prev_on_time_rate=_none(row["prev_on_time_rate"]))


def _compare(wh: Warehouse, scopes: list[Scope], city_rate: float | None, as_of: date) -> pd.DataFrame:
    """One row per scope: cumulative figures at the as_of, the last complete week, per officer and per
    10,000 residents, and the gap to the city's completion rate (percentage points)."""
    daily, weekly = wh.tables["daily"], wh.tables["weekly"]
    rows = []
    for s in scopes:
        d = daily[(daily["scope"] == s.scope) & (daily["scope_id"] == s.scope_id)] if not daily.empty else daily
        last = d.iloc[-1] if not d.empty else None
        w = _period(weekly[(weekly["scope"] == s.scope) & (weekly["scope_id"] == s.scope_id)]
                    if not weekly.empty else weekly, "week_start", as_of)
        due = int(last["tasks_due"]) if last is not None else 0
        completed = int(last["tasks_completed"]) if last is not None else 0
        red = int(last["red"]) if last is not None else 0
        issued = int(last["tasks_issued"]) if last is not None else 0
        rate = _rate(completed, due)
        rows.append({
            "scope": s.scope, "scope_id": s.scope_id, "name": s.name, "station": s.name,
            "tasks_issued": issued, "tasks_due": due, "tasks_completed": completed,
            "tasks_on_time": int(last["tasks_on_time"]) if last is not None else 0,
            "completion_rate": rate, "on_time_rate": _rate(last["tasks_on_time"], due) if last is not None else None,
            "red": red, "week_rate": w.completion_rate, "week_due": w.due,
            "officers": s.officers, "residents": s.residents,
            "tasks_per_officer": round(issued / s.officers, 1) if s.officers else None,
            "red_per_officer": round(red / s.officers, 2) if s.officers else None,
            "tasks_per_10k": round(issued / s.residents * 10_000, 1) if s.residents else None,
            "red_per_10k": round(red / s.residents * 10_000, 2) if s.residents else None,
            "gap_pp": None if rate is None or city_rate is None else round((rate - city_rate) * 100, 1),
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["completion_rate", "name"], ascending=[False, True], na_position="last") \
        .reset_index(drop=True)


def _handoffs(frame: pd.DataFrame, categories: pd.DataFrame, stations: set[str]) -> pd.DataFrame:
    """Hand-offs of the page's stations up to the as_of, as (category_name, department_name, handoffs);
    names come from the marts (``handoffs_monthly.department_name_zh``, ``dim_standard_parts``)."""
    columns = ["category_name", "department_name", "handoffs"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame[frame["station_id"].isin(stations)]
    category_names = dict(zip(categories.get("category", []), categories.get("category_name_zh", []), strict=True))
    out = frame.groupby(["category", "handoff_department"], as_index=False).agg(
        handoffs=("handoffs", "sum"), department_name_zh=("department_name_zh", "first"))
    out["category_name"] = [category_names.get(c) or c for c in out["category"]]
    out["department_name"] = [n if isinstance(n, str) and n else d
                              for n, d in zip(out["department_name_zh"], out["handoff_department"], strict=True)]
    out["handoffs"] = out["handoffs"].astype(int)
    return out[out["handoffs"] > 0][columns].reset_index(drop=True)


def load_report_data(analytics_path: Path, run_date: date, timezone: str | None = None,
                     scope: tuple[str, str] | None = None, landing: Path | None = None,
                     warehouse: Path | None = None) -> ReportData:
    """One page's data (the city page unless ``scope`` names another)."""
    wh = load_warehouse(analytics_path, run_date, timezone, landing, warehouse)
    if scope is None:
        scope = next((k for k in wh.scopes if k[0] == "city"), ("city", "city"))
    return page_data(wh, scope, timezone)


__all__ = ["BENCHMARK", "RED_TABLE_LIMIT", "Kpi", "Period", "ReportData", "Scope", "Warehouse",
           "load_report_data", "load_warehouse", "page_data"]
