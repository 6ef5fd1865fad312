"""Tiny hand-made operational stores for the completions and marts tests.

Rows go straight into the ops tables (the shapes the lead's ingest and generation write), so each
test states exactly the tasks, officers and completions it is about.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import duckdb
from standard_parts.catalogue import load_catalogue
from standard_parts.config import Settings
from standard_parts.store import connect_ops

LOCAL = timezone(timedelta(hours=8))
D0 = date(2026, 10, 1)


def local(day: date, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=LOCAL)


def iso(ts: datetime) -> str:
    return ts.isoformat()


def issued_at(run_date: date) -> datetime:
    return local(run_date, 8)


class Ops:
    """Open the store (schema created), add rows, close."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.con = connect_ops(settings)
        self.catalogue = load_catalogue()
        self.con.execute(
            "create table if not exists ops.stations (snapshot_date date, _file varchar, _line bigint, "
            "station_id varchar, station_name varchar, district varchar, branch_bureau varchar)")
        self.con.execute(
            "create table if not exists ops.communities (snapshot_date date, _file varchar, _line bigint, "
            "community_id varchar, community_name varchar, station_id varchar)")
        for table in ("officers", "officers_history"):
            self.con.execute(
                f"create table if not exists ops.{table} (snapshot_date date, _file varchar, _line bigint, "
                "officer_id varchar, officer_name varchar, station_id varchar, community_id varchar, "
                "role varchar, active boolean)")
        self.con.execute(
            "create table if not exists ops.persons (snapshot_date date, _file varchar, _line bigint, "
            "id_number varchar, name varchar, gender varchar, birth_date date, phone varchar, hukou_type varchar, "
            "house_id varchar, moved_in_on date, status varchar)")
        self._line = 0

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Ops:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _next(self) -> int:
        self._line += 1
        return self._line

    def station(self, station_id: str, name: str | None = None, day: date = D0) -> Ops:
        self.con.execute("insert into ops.stations values (?, 'org/x/stations.csv', ?, ?, ?, '思明区', '思明分局')",
                         [day, self._next(), station_id, name or f"{station_id}派出所"])
        return self

    def community(self, community_id: str, station_id: str, day: date = D0) -> Ops:
        self.con.execute("insert into ops.communities values (?, 'org/x/communities.csv', ?, ?, ?, ?)",
                         [day, self._next(), community_id, f"{community_id}社区", station_id])
        return self

    def officer(self, officer_id: str, station_id: str, community_id: str | None = "C1", day: date = D0,
                name: str = "王警官", current: bool = True, role: str = "community", active: bool = True) -> Ops:
        """An officer in the snapshot of ``day`` (ops.officers_history; ops.officers too if current)."""
        row = [day, f"org/{day}/officers.csv", self._next(), officer_id, name, station_id, community_id,
               role, active]
        self.con.execute("insert into ops.officers_history values (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        if current:
            self.con.execute("insert into ops.officers values (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        return self

    def person(self, id_number: str, name: str, phone: str, day: date = D0) -> Ops:
        self.con.execute("insert into ops.persons values (?, 'population/x/persons.csv', ?, ?, ?, 'M', "
                         "'1990-01-01', ?, 'local', 'H1', '2020-01-01', 'active')",
                         [day, self._next(), id_number, name, phone])
        return self

    def task(self, task_id: str, run_date: date = D0, part: str = "HOUSE-OVER10", officer: str = "O1",
             station: str = "ST1", community: str = "C1", object_id: str | None = None,
             object_key: str | None = None, due_hours: int | None = None, min_evidence: int | None = None,
             departments: list[str] | None = None) -> Ops:
        p = self.catalogue.part(part)
        due_hours = p.evaluation.due_hours if due_hours is None else due_hours
        min_evidence = p.evaluation.min_evidence if min_evidence is None else min_evidence
        object_id = object_id or f"OBJ-{task_id}"
        start = issued_at(run_date)
        self.con.execute(
            "insert into ops.tasks values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [task_id, run_date, part, p.category, p.business_item, p.object_type, object_id,
             object_key or object_id, community, station, officer, start, start + timedelta(hours=due_hours),
             due_hours, min_evidence, p.evaluation.cooldown_days, p.priority,
             departments or ["population"], [], []],
        )
        return self

    def generation_stats(self, run_date: date, part: str, candidates: int, merged_away: int = 0,
                         suppressed_open: int = 0, suppressed_cooldown: int = 0, unassignable: int = 0,
                         issued: int | None = None) -> Ops:
        issued = candidates - merged_away - suppressed_open - suppressed_cooldown - unassignable \
            if issued is None else issued
        self.con.execute("insert into ops.generation_stats values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                         [run_date, part, candidates, candidates - merged_away, merged_away, suppressed_open,
                          suppressed_cooldown, unassignable, issued])
        return self


def steps_of(part: str, done: bool | dict[str, bool] = True) -> list[dict]:
    steps = load_catalogue().part(part).steps
    if isinstance(done, dict):
        return [{"step_id": s.id, "done": done.get(s.id, True)} for s in steps]
    return [{"step_id": s.id, "done": done} for s in steps]


def completion(cid: str, task_id: str, completed_at: datetime | str, officer: str = "O1", outcome: str = "done",
               steps: list | str | None = None, evidence: int | str = 3, followup: bool | str = False,
               handoff: str | None = None, part: str = "HOUSE-OVER10", **extra) -> dict:
    row = {
        "completion_id": cid,
        "task_id": task_id,
        "officer_id": officer,
        "completed_at": completed_at if isinstance(completed_at, str) else iso(completed_at),
        "outcome": outcome,
        "steps": steps_of(part) if steps is None else steps,
        "evidence_count": evidence,
        "followup_needed": followup,
        "handoff_department": handoff,
    }
    row.update(extra)
    return row


def write_completions(landing: Path, day: date, rows: list[dict | str]) -> Path:
    folder = landing / "completions" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "completions.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
