"""The demo's officer simulator: deterministic, SPEC-shaped completions, the intended mix, and files
the completions ingest accepts (hand-made packages in the publish folder layout)."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from opsdata import LOCAL, Ops, query
from standard_parts.catalogue import load_catalogue
from standard_parts.demo.officers import GOVERNMENT_DEPARTMENTS, read_tasks, simulate_day
from standard_parts.ingest.loader import FileResult

START = date(2026, 10, 1)
DAYS = 10
PARTS = ("HOUSE-OVER10", "FRAUD-DISSUADE", "VENUE-INSPECT", "POP-RESIDENCE-PERMIT", "FRAUD-URGENT-VISIT")
STATIONS = {f"OF{i:03d}": f"ST{i % 4}" for i in range(40)}


def write_packages(root: Path, per_officer_per_day: int = 5, days: int = DAYS) -> dict[str, dict]:
    """Each officer gets new tasks every day; a task stays on the list (new: false) until its due date."""
    catalogue = load_catalogue()
    tasks: dict[str, dict] = {}
    open_by_officer: dict[str, list[dict]] = defaultdict(list)
    for d in range(days):
        run_date = START + timedelta(days=d)
        issued = datetime.combine(run_date, time(8), tzinfo=LOCAL)
        folder = root / run_date.isoformat()
        folder.mkdir(parents=True)
        for officer in STATIONS:
            for k in range(per_officer_per_day):
                part = catalogue.part(PARTS[(d + k + int(officer[2:])) % len(PARTS)])
                task_id = f"T{run_date:%Y%m%d}-{officer}-{k}"
                tasks[task_id] = {"officer": officer, "part": part.id, "issued": issued,
                                  "due": issued + timedelta(hours=part.evaluation.due_hours),
                                  "min_evidence": part.evaluation.min_evidence, "run_date": run_date,
                                  "collaboration": list(part.collaboration)}
                open_by_officer[officer].append({
                    "task_id": task_id, "standard_part_id": part.id, "name_zh": part.name_zh,
                    "issued_at": issued.isoformat(), "due_at": tasks[task_id]["due"].isoformat(),
                    "min_evidence": part.evaluation.min_evidence, "first_day": run_date,
                    "steps": [{"id": s.id, "name_zh": s.name_zh, "required": s.required} for s in part.steps],
                })
            business = [{**{k: v for k, v in t.items() if k != "first_day"}, "new": t["first_day"] == run_date}
                        for t in open_by_officer[officer]]
            package = {
                "package_id": f"PKG-{run_date:%Y%m%d}-{officer}", "officer_id": officer,
                "run_date": run_date.isoformat(), "business_list": business, "enablement_list": [],
                "collaboration_list": [{"task_id": t["task_id"], "departments": [
                    {"code": c, "name_zh": c} for c in tasks[t["task_id"]]["collaboration"]]} for t in business],
                "work_code": {"code": "green"},
            }
            (folder / f"{officer}.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
            end = datetime.combine(run_date, time(23, 59, 59), tzinfo=LOCAL)
            open_by_officer[officer] = [t for t in open_by_officer[officer]
                                        if datetime.fromisoformat(t["due_at"]) > end]
        (folder / "manifest.json").write_text(json.dumps({"run_date": run_date.isoformat(), "packages": []}))
    return tasks


def write_officers(landing: Path) -> None:
    folder = landing / "org" / START.isoformat()
    folder.mkdir(parents=True)
    with (folder / "officers.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["officer_id", "officer_name", "station_id", "community_id", "role", "active"])
        for officer, station in STATIONS.items():
            w.writerow([officer, "王警官", station, f"C-{officer}", "community", "true"])


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    landing, packages = root / "landing", root / "packages"
    tasks = write_packages(packages)
    write_officers(landing)
    last = START + timedelta(days=DAYS + 20)
    counts = {}
    day = START
    while day <= last:
        counts[day] = simulate_day(landing, packages, day, seed=11)
        day += timedelta(days=1)
    lines = []
    for day in counts:
        path = landing / "completions" / day.isoformat() / "completions.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert len(rows) == counts[day]
        lines += [(day, n, row) for n, row in enumerate(rows, start=1)]
    return root, landing, packages, tasks, lines


def test_deterministic_and_order_independent(simulated, tmp_path):
    _, landing, packages, _, _ = simulated
    day = START + timedelta(days=5)
    before = (landing / "completions" / day.isoformat() / "completions.jsonl").read_bytes()
    other = tmp_path / "landing"
    (other / "org").mkdir(parents=True)
    for src in (landing / "org").iterdir():
        (other / "org" / src.name).mkdir()
        (other / "org" / src.name / "officers.csv").write_bytes((src / "officers.csv").read_bytes())
    simulate_day(other, packages, day, seed=11)  # this day alone, first
    assert (other / "completions" / day.isoformat() / "completions.jsonl").read_bytes() == before
    simulate_day(landing, packages, day, seed=11)  # rewriting gives the same bytes
    assert (landing / "completions" / day.isoformat() / "completions.jsonl").read_bytes() == before
    simulate_day(other, packages, day, seed=12)
    assert (other / "completions" / day.isoformat() / "completions.jsonl").read_bytes() != before


def test_rows_follow_the_landing_contract(simulated):
    _, _, _, tasks, lines = simulated
    catalogue = load_catalogue()
    assert lines
    for day, _, row in lines:
        assert set(row) == {"completion_id", "task_id", "officer_id", "completed_at", "outcome", "steps",
                            "evidence_count", "followup_needed", "handoff_department"}
        task = tasks[row["task_id"]]
        completed = datetime.fromisoformat(row["completed_at"])
        assert row["completed_at"].endswith("+08:00")
        assert task["issued"] <= completed <= datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL)
        assert (day - completed.date()).days in (0, 1, 2, 3)   # arrival: that day, or 1-2 days later (+1 re-send)
        assert row["outcome"] in ("done", "unable")
        step_ids = [s.id for s in catalogue.part(task["part"]).steps]
        assert [s["step_id"] for s in row["steps"]] == step_ids
        assert all(isinstance(s["done"], bool) for s in row["steps"])
        assert isinstance(row["evidence_count"], int) and row["evidence_count"] >= 0
        assert isinstance(row["followup_needed"], bool)
        assert row["handoff_department"] is None or row["handoff_department"] in GOVERNMENT_DEPARTMENTS
        assert task["run_date"] <= day


def test_the_intended_mix(simulated):
    _, _, _, tasks, lines = simulated
    catalogue = load_catalogue()
    first: dict[str, dict] = {}
    for day, _, row in sorted(lines, key=lambda x: (x[0], x[1])):
        first.setdefault(row["completion_id"], {**row, "_arrived": day})
    by_task: dict[str, list[dict]] = defaultdict(list)
    for row in first.values():
        by_task[row["task_id"]].append(row)

    def valid(row: dict) -> bool:
        required = {s.id for s in catalogue.part(tasks[row["task_id"]]["part"]).steps if s.required}
        return row["outcome"] == "done" and required <= {s["step_id"] for s in row["steps"] if s["done"]}

    fates = Counter()
    for task_id, task in tasks.items():
        rows = sorted((r for r in by_task[task_id] if valid(r) and r["officer_id"] == task["officer"]),
                      key=lambda r: r["completed_at"])
        if not rows:
            fates["never"] += 1
            continue
        last = rows[-1]
        on_time = datetime.fromisoformat(last["completed_at"]) <= task["due"]
        green = on_time and last["evidence_count"] >= task["min_evidence"] and not last["followup_needed"]
        fates["green" if green else "yellow"] += 1
    total = len(tasks)
    assert 0.85 <= fates["green"] / total <= 0.97, fates
    assert 0.03 <= fates["yellow"] / total <= 0.12, fates
    assert 0.004 <= fates["never"] / total <= 0.04, fates
    assert 0.96 <= 1 - fates["never"] / total <= 0.995, fates  # completion ~97.6 % once everything is due

    ids = Counter(row["completion_id"] for _, _, row in lines)
    assert sum(1 for n in ids.values() if n > 1) >= 10                      # re-sent completions
    assert any(r["outcome"] == "unable" for _, _, r in lines)
    assert sum(1 for _, _, r in lines if r["handoff_department"]) >= 50     # hand-offs
    other = [r for _, _, r in lines if STATIONS[r["officer_id"]] != STATIONS[tasks[r["task_id"]]["officer"]]]
    assert 1 <= len(other) <= 0.02 * len(lines)                             # rare other-station sends
    # A run date's own file is complete before its night publishes the tasks: nothing about a task
    # arrives on the task's run date (what is done that day comes with the next day's file).
    assert all(d > tasks[r["task_id"]]["run_date"] for d, _, r in lines)
    later = [(d, r) for d, _, r in lines
             if datetime.fromisoformat(r["completed_at"]).date() > tasks[r["task_id"]]["run_date"]]
    delays = Counter((d - datetime.fromisoformat(r["completed_at"]).date()).days for d, r in later)
    assert delays[0] > 0.8 * len(later) and delays[1] > 0 and delays[2] > 0
    # officers differ: per-officer completion shares are not all the same
    per_officer = defaultdict(lambda: [0, 0])
    for task_id, task in tasks.items():
        per_officer[task["officer"]][0] += 1
        per_officer[task["officer"]][1] += any(valid(r) for r in by_task[task_id])
    shares = {o: done / n for o, (n, done) in per_officer.items()}
    assert max(shares.values()) - min(shares.values()) > 0.02


def test_first_package_decides_and_unpublished_tasks_get_nothing(simulated):
    _, _, packages, tasks, lines = simulated
    seen = read_tasks(packages, START + timedelta(days=3))
    assert set(seen) == {t for t, v in tasks.items() if v["run_date"] <= START + timedelta(days=3)}
    assert all(seen[t].officer_id == tasks[t]["officer"] for t in seen)
    for day, _, row in lines:
        assert tasks[row["task_id"]]["run_date"] <= day


def test_the_completions_ingest_accepts_the_files(simulated, settings):
    """Only the simulated other-station sends are quarantined."""
    from standard_parts.completions import ingest_completions
    from standard_parts.store import connect_ops

    _, landing, _, tasks, lines = simulated
    settings = settings.model_copy(update={"landing": landing})
    with Ops(settings) as o:
        for officer, station in STATIONS.items():
            o.officer(officer, station, community_id=f"C-{officer}", day=START)
        for task_id, t in tasks.items():
            o.task(task_id, t["run_date"], t["part"], t["officer"], STATIONS[t["officer"]], f"C-{t['officer']}")
    con = connect_ops(settings)
    results: list[FileResult] = []
    try:
        day = START
        while day <= START + timedelta(days=DAYS + 20):
            results += ingest_completions(con, settings, day)
            day += timedelta(days=1)
    finally:
        con.close()
    reasons = dict(query(settings.ops_path, "select reason, count(*) from ingest.quarantine group by all"))
    assert set(reasons) == {"other_station"}
    assert sum(r.rows_read for r in results) == len(lines)
    assert sum(r.duplicates for r in results) >= 10
