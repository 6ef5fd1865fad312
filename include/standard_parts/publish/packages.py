"""Build each officer's package (三单一码) for a run date from the operational store.

A package is a pure function of the run date's data: no wall-clock time, sorted keys and lists,
so a re-built package is byte-identical and keeps its ``package_id`` (SPEC 8).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import duckdb

from ..catalogue import load_catalogue
from ..config import Settings
from ..privacy import mask_id_for_officer
from ..store import read_named_sql

LIST_SOURCES = {"house_residents", "alerts", "instruction"}
# ~100 officers hold ~10^4 open tasks at city scale: a few MB of Python objects per chunk.
OFFICERS_PER_CHUNK = 100


def package_id(run_date: date, officer_id: str) -> str:
    return f"PKG-{run_date:%Y%m%d}-{officer_id}"


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


def _supervision_lists(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Per leader, the escalated tasks still open (SPEC 12 督办), most overdue first. Small: escalated
    tasks are the red tail of the open tasks."""
    rel = con.execute(read_named_sql("publish/sql/packages.sql")["supervision"])
    columns = [d[0] for d in rel.description]
    lists: dict[str, list[dict]] = defaultdict(list)
    for row in rel.fetchall():
        item = dict(zip(columns, row, strict=True))
        hours = item["hours_overdue"]
        item["hours_overdue"] = int(hours) if float(hours).is_integer() else round(hours, 2)
        lists[item.pop("leader_officer_id")].append(item)
    return lists


def iter_packages(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date,
                  officers_per_chunk: int = OFFICERS_PER_CHUNK) -> Iterator[dict]:
    """Each officer's package (三单一码), in officer order, built a chunk of officers at a time.

    Needs the generation session's temp tables (``generate.engine.prepare`` for this run date).
    The enablement facts stay in DuckDB (one temp table per source, which DuckDB may spill); only
    one chunk's facts and packages are ever held in Python. Nothing else may use ``con`` while
    the iterator runs.
    """
    catalogue = load_catalogue()
    packages_sql = read_named_sql("publish/sql/packages.sql")
    enablement_sql = read_named_sql("publish/sql/enablement.sql")
    con.execute(packages_sql["open_tasks"])
    needed = sorted({f.source for p in catalogue.parts for f in p.enablement})
    for source in needed:
        order = "" if source in LIST_SOURCES else "0 as _seq,"
        # the source name is catalogue vocabulary (schema-validated), not data
        con.execute(
            f"create or replace temp table pkg_src_{source} as "
            f"select o.officer_id, {order} s.* from ({enablement_sql[source]}) as s "
            "join pkg_open_tasks as o on o.task_id = s.task_id order by o.officer_id"
        )
    thresholds = {"red_share_threshold": settings.red_share_threshold,
                  "yellow_share_threshold": settings.yellow_share_threshold}
    codes = {r[0]: r[1:] for r in con.execute(packages_sql["work_code"], thresholds).fetchall()}
    supervision = _supervision_lists(con)
    officers = [r[0] for r in con.execute(packages_sql["officers"]).fetchall()]

    departments = {d.code: d.name_zh for d in catalogue.departments}
    # Built once per part and shared by every task of that part (city scale: ~10^5 open tasks).
    steps_of = {
        p.id: [{"id": s.id, "name_zh": s.name_zh, "required": s.required,
                "form_fields": [f.model_dump(exclude_none=True) for f in s.form_fields]} for s in p.steps]
        for p in catalogue.parts
    }
    collaborators_of = {p.id: [{"code": c, "name_zh": departments.get(c, c)} for c in p.collaboration]
                        for p in catalogue.parts}

    for i in range(0, len(officers), officers_per_chunk):
        chunk = officers[i:i + officers_per_chunk]
        bounds = {"first_officer": chunk[0], "last_officer": chunk[-1]}
        sources: dict[str, dict[str, list[dict]]] = {}
        for source in needed:
            rel = con.execute(
                f"select * exclude (officer_id, _seq) from pkg_src_{source} "
                "where officer_id between $first_officer and $last_officer order by task_id, _seq",
                bounds,
            )
            columns = [d[0] for d in rel.description]
            by_task: dict[str, list[dict]] = defaultdict(list)
            for row in rel.fetchall():
                record = dict(zip(columns, row, strict=True))
                by_task[record.pop("task_id")].append(record)
            sources[source] = by_task

        business: dict[str, list[dict]] = defaultdict(list)
        enablement: dict[str, list[dict]] = defaultdict(list)
        collaboration: dict[str, list[dict]] = defaultdict(list)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"open": 0, "overdue": 0, "reminder": 0})
        rel = con.execute(packages_sql["business"], bounds)
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
                    values = [mask_id_for_officer(str(v)) if v is not None else None for v in values]
                value = values if fact.source in LIST_SOURCES else (values[0] if values else None)
                facts.append({"field": fact.field, "source": fact.source, "label_zh": fact.label_zh,
                              "value": _plain(value)})
            enablement[officer].append({"task_id": t["task_id"], "facts": facts})
            collaboration[officer].append({"task_id": t["task_id"], "departments": collaborators_of[part.id]})

        for officer in chunk:
            coded, green, yellow, red, code = codes.get(officer, (0, 0, 0, 0, None))
            yield {
                "package_id": package_id(run_date, officer),
                "officer_id": officer,
                "run_date": run_date.isoformat(),
                "business_list": business.pop(officer, []),
                "enablement_list": enablement.pop(officer, []),
                "collaboration_list": collaboration.pop(officer, []),
                "supervision_list": supervision.pop(officer, []),
                "work_code": {
                    "code": code,
                    "month": run_date.strftime("%Y-%m"),
                    "tasks_coded": coded, "green": green, "yellow": yellow, "red": red,
                    **counts[officer],
                },
            }
