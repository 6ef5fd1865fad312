"""Build each officer's package (三单一码) for a run date from the operational store.

A package is a pure function of the run date's data: no wall-clock time, sorted keys and lists,
so a re-built package is byte-identical and keeps its ``package_id`` (SPEC 8).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import duckdb

from ..catalogue import load_catalogue
from ..config import Settings
from ..store import read_named_sql

LIST_SOURCES = {"house_residents", "alerts", "instruction"}


def package_id(run_date: date, officer_id: str) -> str:
    return f"PKG-{run_date:%Y%m%d}-{officer_id}"


def mask_identifier(value: str) -> str:
    """Id numbers shown to officers are masked (脱敏): area prefix and last 4 characters only."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def officer_code(green: int, yellow: int, red: int, settings: Settings) -> str | None:
    """SPEC 6: red if red share >= 5 %; else yellow if (yellow + red) share >= 10 %; else green."""
    coded = green + yellow + red
    if coded == 0:
        return None
    if red / coded >= settings.red_share_threshold:
        return "red"
    if (yellow + red) / coded >= settings.yellow_share_threshold:
        return "yellow"
    return "green"


def build_packages(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> list[dict]:
    """Needs the generation session's temp tables (``generate.engine.prepare`` for this run date)."""
    catalogue = load_catalogue()
    packages_sql = read_named_sql("publish/sql/packages.sql")
    enablement_sql = read_named_sql("publish/sql/enablement.sql")
    con.execute(packages_sql["open_tasks"])

    sources: dict[str, dict[str, list[dict]]] = {}
    needed = {f.source for p in catalogue.parts for f in p.enablement}
    for source in sorted(needed):
        rel = con.execute(enablement_sql[source])
        columns = [d[0] for d in rel.description]
        by_task: dict[str, list[dict]] = defaultdict(list)
        for row in rel.fetchall():
            record = dict(zip(columns, row, strict=True))
            by_task[record.pop("task_id")].append(record)
        sources[source] = by_task

    departments = {d.code: d.name_zh for d in catalogue.departments}
    # Built once per part and shared by every task of that part (city scale: ~10^5 open tasks).
    steps_of = {
        p.id: [{"id": s.id, "name_zh": s.name_zh, "required": s.required,
                "form_fields": [f.model_dump(exclude_none=True) for f in s.form_fields]} for s in p.steps]
        for p in catalogue.parts
    }
    collaborators_of = {p.id: [{"code": c, "name_zh": departments.get(c, c)} for c in p.collaboration]
                        for p in catalogue.parts}
    business: dict[str, list[dict]] = defaultdict(list)
    enablement: dict[str, list[dict]] = defaultdict(list)
    collaboration: dict[str, list[dict]] = defaultdict(list)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"open": 0, "overdue": 0, "reminder": 0})
    rel = con.execute(packages_sql["business"])
    columns = [d[0] for d in rel.description]
    for row in rel.fetchall():
        t = dict(zip(columns, row, strict=True))
        part = catalogue.part(t["standard_part_id"])
        officer = t["officer_id"]
        counts[officer]["open"] += 1
        if t["state"] in ("overdue", "reminder"):
            counts[officer][t["state"]] += 1
        business[officer].append({
            "task_id": t["task_id"],
            "standard_part_id": part.id,
            "name_zh": part.name_zh,
            "category": part.category,
            "object_type": t["object_type"],
            "object_ref": t["object_key"],
            "priority": t["priority"],
            "new": bool(t["is_new"]),
            "state": t["state"],
            "issued_at": t["issued_at"],
            "due_at": t["due_at"],
            "min_evidence": t["min_evidence"],
            "requesting_departments": list(t["departments"]),
            "steps": steps_of[part.id],
        })
        facts = []
        for fact in part.enablement:
            rows = sources.get(fact.source, {}).get(t["task_id"], [])
            values = [r.get(fact.field) for r in rows]
            if fact.masked:
                values = [mask_identifier(str(v)) if v is not None else None for v in values]
            value = values if fact.source in LIST_SOURCES else (values[0] if values else None)
            facts.append({"field": fact.field, "source": fact.source, "label_zh": fact.label_zh,
                          "value": _plain(value)})
        enablement[officer].append({"task_id": t["task_id"], "facts": facts})
        collaboration[officer].append({"task_id": t["task_id"], "departments": collaborators_of[part.id]})

    codes = {
        r[0]: r[1:] for r in con.execute(packages_sql["work_code"]).fetchall()
    }
    packages = []
    for (officer,) in con.execute(packages_sql["officers"]).fetchall():
        coded, green, yellow, red = codes.get(officer, (0, 0, 0, 0))
        packages.append({
            "package_id": package_id(run_date, officer),
            "officer_id": officer,
            "run_date": run_date.isoformat(),
            "business_list": business.get(officer, []),
            "enablement_list": enablement.get(officer, []),
            "collaboration_list": collaboration.get(officer, []),
            "work_code": {
                "code": officer_code(green, yellow, red, settings),
                "month": run_date.strftime("%Y-%m"),
                "tasks_coded": coded, "green": green, "yellow": yellow, "red": red,
                **counts[officer],
            },
        })
    return packages
