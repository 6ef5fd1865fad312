"""A small hand-made analytics.duckdb (SPEC section 7 marts + the extras) for the report and notebook tests.

Tasks are drawn with a fixed seed; every mart is derived from them with the SPEC section 6 rules,
so the marts agree with each other the way the real ones do. Fake persons (names, id numbers,
phones) are planted OUTSIDE the marts (schema ``canary`` and the operational store) so the tests
can prove they never reach the report.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from standard_parts.catalogue import load_catalogue

TZ = ZoneInfo("Asia/Shanghai")
STATIONS = [
    ("S01", "思明派出所", "思明区"),
    ("S02", "中华派出所", "思明区"),
    ("S03", "湖里派出所", "湖里区"),
    ("S04", "集美派出所", "集美区"),
]
PARTS = ["HOUSE-OVER10", "FRAUD-DISSUADE", "VENUE-INSPECT", "VENUE-LICENSE", "FLOATING-NEW",
         "DISPUTE-MEDIATE", "FIRE-EBIKE-CHARGING"]
POLICE_DEPT = {"population": "population", "housing": "population", "anti_fraud": "anti_fraud",
               "public_order": "public_order", "fire_safety": "fire_safety",
               "dispute": "community_policing", "community": "community_policing"}
HANDOFF_DEPTS = ["urban_management", "market_regulation", "fire_rescue", "subdistrict", "health"]
START = date(2026, 9, 24)
DAYS = 12
AS_OF = START + timedelta(days=DAYS - 1)  # 2026-10-05

# Planted persons: must never appear in the report or the notebooks' outputs.
PERSONS = [
    ("350203199001011234", "张建国", "13812345678"),
    ("35020319850505432X", "王秀英", "13987654321"),
    ("350206197712123456", "李志强", "15011112222"),
]


@dataclass
class Sample:
    analytics: Path
    as_of: date
    object_ids: list[str] = field(default_factory=list)
    officer_ids: list[str] = field(default_factory=list)
    persons: list[tuple[str, str, str]] = field(default_factory=lambda: list(PERSONS))


def _end(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), TZ)


def _tasks(seed: int) -> pd.DataFrame:
    cat = load_catalogue()
    rng = random.Random(seed)
    rows = []
    for offset in range(DAYS):
        run = START + timedelta(days=offset)
        issued_at = datetime.combine(run, time(8, 0), TZ)
        for s_index, (station, _, _) in enumerate(STATIONS):
            for part_id in PARTS:
                part = cat.part(part_id)
                for n in range(rng.randint(0, 3)):
                    digest = hashlib.sha256(f"{part_id}|{station}|{run}|{n}".encode()).hexdigest()
                    prefix = {"person": "P", "house": "H", "venue": "V"}.get(part.object_type, "C")
                    due_at = issued_at + timedelta(hours=part.evaluation.due_hours)
                    completed_at = None
                    if rng.random() < 0.85:
                        hours = rng.uniform(1, part.evaluation.due_hours * 1.3)
                        completed_at = issued_at + timedelta(hours=round(hours))
                        if completed_at > _end(AS_OF):
                            completed_at = None
                    departments = [POLICE_DEPT[part.category]]
                    if rng.random() < 0.2:
                        departments.append("community_policing" if departments[0] != "community_policing"
                                           else "population")
                    rows.append({
                        # Letters between the digit groups keep the fake ids clear of phone-like runs.
                        "task_id": f"T{run:%Y%m%d}-{station}{part_id[:3]}{n}x{digest[:8]}",
                        "standard_part_id": part_id,
                        "category": part.category,
                        "object_type": part.object_type,
                        "object_id": prefix + digest[8:32],
                        "station_id": station,
                        "community_id": f"C{s_index + 1:02d}{rng.randint(1, 2)}",
                        "officer_id": f"OFF{s_index + 1:02d}{rng.randint(1, 3)}",
                        "issued_at": issued_at,
                        "due_at": due_at,
                        "completed_at": completed_at,
                        "min_evidence": part.evaluation.min_evidence,
                        "evidence_count": rng.choice([0, 1, 2, 3]),
                        "followup_needed": rng.random() < 0.1,
                        "handoff_department": rng.choice(HANDOFF_DEPTS) if rng.random() < 0.25 else None,
                        "departments": departments,
                    })
    return pd.DataFrame(rows)


def _code(task, at: datetime) -> str | None:
    if task.issued_at > at:
        return "not_issued"
    done = task.completed_at is not None and not pd.isna(task.completed_at) and task.completed_at <= at
    if done:
        ok = (task.completed_at <= task.due_at and task.evidence_count >= task.min_evidence
              and not task.followup_needed)
        return "green" if ok else "yellow"
    return "red" if task.due_at <= at else None


_TEMPLATES: dict[tuple, tuple[Path, Sample]] = {}


def build_sample_analytics(warehouse: Path, seed: int = 7, with_dim_stations: bool = True,
                           with_handoffs: bool = True) -> Sample:
    """Write the sample warehouse (analytics.duckdb + operational.duckdb) into ``warehouse``.

    Built once per process and parameters, then copied: tests stay fast and independent.
    """
    key = (seed, with_dim_stations, with_handoffs)
    if key not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix="report-sample-"))
        _TEMPLATES[key] = (template, _build(template, seed, with_dim_stations, with_handoffs))
    template, sample = _TEMPLATES[key]
    warehouse.mkdir(parents=True, exist_ok=True)
    for name in ("analytics.duckdb", "operational.duckdb"):
        shutil.copyfile(template / name, warehouse / name)
    return replace(sample, analytics=warehouse / "analytics.duckdb")


def _build(warehouse: Path, seed: int, with_dim_stations: bool, with_handoffs: bool) -> Sample:
    warehouse.mkdir(parents=True, exist_ok=True)
    tasks = _tasks(seed)
    days = [START + timedelta(days=i) for i in range(DAYS)]

    rate_rows, code_rows = [], []
    for day in days:
        at = _end(day)
        issued = tasks[tasks.issued_at <= at]
        for (station, part), group in issued.groupby(["station_id", "standard_part_id"]):
            completed = group.completed_at.notna() & (group.completed_at <= at)
            due = (group.due_at <= at) | completed
            on_time = completed & (group.completed_at <= group.due_at)
            n_due = int(due.sum())
            rate_rows.append({
                "as_of_date": day, "station_id": station, "standard_part_id": part,
                "tasks_due": n_due, "tasks_completed": int(completed.sum()), "tasks_on_time": int(on_time.sum()),
                "completion_rate": completed.sum() / n_due if n_due else None,
                "on_time_rate": on_time.sum() / n_due if n_due else None,
            })
        for station, group in issued.groupby("station_id"):
            codes = [_code(t, at) for t in group.itertuples()]
            code_rows.append({"as_of_date": day, "station_id": station, "green": codes.count("green"),
                              "yellow": codes.count("yellow"), "red": codes.count("red"),
                              "pending": codes.count(None)})

    final = _end(AS_OF)
    tasks["work_code"] = [_code(t, final) for t in tasks.itertuples()]
    tasks["status"] = ["completed" if c in ("green", "yellow") else "open" for c in tasks.work_code]

    score_rows = []
    for month_start, month_end in ((date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 10, 1), AS_OF)):
        at = _end(month_end)
        due_local = tasks.due_at.map(lambda ts: ts.astimezone(TZ).date())
        in_month = tasks[(due_local >= month_start) & (due_local <= month_end)]
        for (officer, station), group in in_month.groupby(["officer_id", "station_id"]):
            codes = [c for c in (_code(t, at) for t in group.itertuples()) if c in ("green", "yellow", "red")]
            if not codes:
                continue
            n = len(codes)
            g, y, r = codes.count("green"), codes.count("yellow"), codes.count("red")
            officer_code = "red" if r / n >= 0.05 else "yellow" if (y + r) / n >= 0.10 else "green"
            score_rows.append({"month": month_start, "officer_id": officer, "station_id": station,
                               "tasks_coded": n, "green": g, "yellow": y, "red": r,
                               "completion_rate": (g + y) / n, "officer_code": officer_code})

    rng = random.Random(seed + 1)
    gen_rows = []
    for (run, part), group in tasks.groupby([tasks.issued_at.map(lambda ts: ts.date()), "standard_part_id"]):
        issued = len(group)
        merged, s_open, s_cool, unassign = rng.randint(0, 4), rng.randint(0, 2), rng.randint(0, 1), rng.randint(0, 1)
        objects = issued + s_open + s_cool + unassign
        gen_rows.append({"run_date": run, "standard_part_id": part, "candidates": objects + merged,
                         "objects": objects, "merged_away": merged, "suppressed_open": s_open,
                         "suppressed_cooldown": s_cool, "unassignable": unassign, "issued": issued,
                         "flagged": min(issued, rng.randint(0, 1))})

    handed = tasks[tasks.handoff_department.notna() & tasks.completed_at.notna()].copy()
    handed["month"] = handed.completed_at.map(lambda ts: ts.astimezone(TZ).date().replace(day=1))
    dept_names = {d.code: d.name_zh for d in load_catalogue().departments}
    # The columns of dbt/models/marts/handoffs_monthly.sql.
    handoffs = (handed.groupby(["month", "station_id", "standard_part_id", "category", "handoff_department"])
                .agg(handoffs=("task_id", "size"), tasks=("task_id", "nunique")).reset_index())
    handoffs.insert(5, "department_name_zh", handoffs.handoff_department.map(dept_names))
    handoffs.insert(7, "handoffs_valid", handoffs.handoffs)

    quarantine = pd.DataFrame([
        {"run_date": START, "feed": "population", "reason": "id_number: invalid check character", "rows": 12},
        {"run_date": START, "feed": "population", "reason": "phone: not 11 digits starting with 1", "rows": 3},
        {"run_date": START + timedelta(days=1), "feed": "antifraud", "reason": "raised_at: not a timestamp",
         "rows": 2},
        {"run_date": AS_OF, "feed": "completions", "reason": "task_id: unknown task", "rows": 5},
    ])
    ingest_files = pd.DataFrame([
        {"feed": feed, "entity": entity, "file": f"{feed}/{day}/{entity}.csv", "file_date": day,
         "encoding": "utf-8" if i % 2 else "gb18030", "rows_read": 1000 + i, "rows_accepted": 990 + i,
         "rows_quarantined": 10, "run_date": day}
        for i, day in enumerate(days) for feed, entity in (("population", "persons"), ("venues", "venues"))
    ])
    gates = pd.DataFrame([
        {"run_date": day, "gate": gate, "success": not (day == days[3] and gate == "antifraud"),
         "evaluated": 1000, "failed": 0 if not (day == days[3] and gate == "antifraud") else 80,
         "summary": "ok" if not (day == days[3] and gate == "antifraud") else "8.0% rows quarantined > 5.0%",
         "checked_at": datetime.combine(day, time(6, 0), TZ)}
        for day in days for gate in ("population", "antifraud", "tasks")
    ])

    path = warehouse / "analytics.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        con.execute("create schema marts")
        fct = tasks[["task_id", "standard_part_id", "category", "object_type", "object_id", "station_id",
                     "community_id", "officer_id", "issued_at", "due_at", "completed_at", "status",
                     "work_code", "departments"]]
        con.register("fct_df", fct)
        con.execute("""
            create table marts.fct_tasks as
            select task_id, standard_part_id, category, object_type, object_id, station_id, community_id,
                   officer_id, cast(issued_at as timestamptz) as issued_at, cast(due_at as timestamptz) as due_at,
                   cast(completed_at as timestamptz) as completed_at, status, work_code,
                   cast(departments as varchar[]) as departments
            from fct_df""")
        frames = {
            "completion_rate_daily": pd.DataFrame(rate_rows),
            "work_code_summary": pd.DataFrame(code_rows),
            "officer_scorecard": pd.DataFrame(score_rows),
            "generation_stats": pd.DataFrame(gen_rows),
            "quarantine_summary": quarantine,
            "ingest_files": ingest_files,
            "gate_results": gates,
        }
        if with_handoffs:
            frames["handoffs_monthly"] = handoffs
        if with_dim_stations:
            frames["dim_stations"] = pd.DataFrame(
                [(*s, s[2].replace("区", "分局"), True) for s in STATIONS],
                columns=["station_id", "station_name", "district", "branch_bureau", "in_current_snapshot"])
        for name, frame in frames.items():
            con.register("frame_df", frame)
            con.execute(f"create table marts.{name} as select * from frame_df")
            con.unregister("frame_df")
        for name in ("as_of_date",):
            for table in ("completion_rate_daily", "work_code_summary"):
                con.execute(f"alter table marts.{table} alter {name} type date")
        con.execute("alter table marts.officer_scorecard alter month type date")
        con.execute("alter table marts.completion_rate_daily alter completion_rate type double")
        con.execute("alter table marts.completion_rate_daily alter on_time_rate type double")
        # The canary: personal data planted outside the marts (a place the report must not read).
        con.execute("create schema canary")
        con.execute("create table canary.persons (id_number varchar, name varchar, phone varchar)")
        con.executemany("insert into canary.persons values (?, ?, ?)", PERSONS)
    finally:
        con.close()

    ops = duckdb.connect(str(warehouse / "operational.duckdb"))
    try:
        ops.execute("create schema if not exists ops")
        ops.execute("create or replace table ops.persons (id_number varchar, name varchar, phone varchar)")
        ops.executemany("insert into ops.persons values (?, ?, ?)", PERSONS)
    finally:
        ops.close()
    return Sample(analytics=path, as_of=AS_OF, object_ids=sorted(set(tasks.object_id)),
                  officer_ids=sorted(set(tasks.officer_id)))
