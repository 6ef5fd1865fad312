"""The marts end to end (SPEC sections 6 and 7): hand-made operational stores, the completions ingest,
``analytics.build`` (dbt + copy + gate + swap), and expected figures computed here, independently,
from the SPEC's definitions."""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest
from builders import id_number, phone
from opsdata import LOCAL, Ops, completion, local, query, write_completions
from standard_parts.analytics import build
from standard_parts.catalogue import load_catalogue
from standard_parts.completions import ingest_completions
from standard_parts.errors import GateFailure
from standard_parts.store import connect_ops

START = date(2026, 9, 20)
AS_OF = date(2026, 10, 25)
PARTS = ("HOUSE-OVER10", "FRAUD-DISSUADE", "VENUE-INSPECT", "POP-RESIDENCE-PERMIT")
OFFICERS = {"O1": "ST1", "O2": "ST1", "O3": "ST2"}


# ------------------------------------------------------------------------------ the SPEC, in Python

def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL)


@dataclass
class Task:
    task_id: str
    run_date: date
    part: str
    officer: str
    due_hours: int
    min_evidence: int
    station: str = ""

    def __post_init__(self) -> None:
        self.station = self.station or OFFICERS[self.officer]

    @property
    def due_at(self) -> datetime:
        return local(self.run_date, 8) + timedelta(hours=self.due_hours)


@dataclass
class Sent:
    completion_id: str
    task_id: str
    completed_at: datetime
    file_date: date
    outcome: str = "done"
    steps: list = field(default_factory=list)
    evidence: int = 1
    followup: bool = False
    officer: str | None = None
    line: int = 0  # set when the files are written


def required_steps(part: str) -> set[str]:
    return {s.id for s in load_catalogue().part(part).steps if s.required}


def first_copies(sent: list[Sent], as_of_date: date) -> list[Sent]:
    seen: dict[str, Sent] = {}
    for s in sorted(sent, key=lambda s: (s.file_date, s.line)):
        if s.file_date <= as_of_date and s.completion_id not in seen:
            seen[s.completion_id] = s
    return list(seen.values())


def is_valid(s: Sent, task: Task) -> bool:
    done = {st["step_id"] for st in s.steps if st["done"] is True}
    return s.outcome == "done" and required_steps(task.part) <= done


def judge(task: Task, valid: list[Sent], as_of_date: date) -> dict:
    """SPEC 6 at as_of = 23:59:59 +08:00 of as_of_date."""
    as_of = end_of(as_of_date)
    mine = [s for s in valid if s.task_id == task.task_id and s.completed_at <= as_of]
    latest = max(mine, key=lambda s: (s.completed_at, s.file_date, s.line), default=None)
    completed = latest is not None
    due = task.due_at <= as_of or completed
    on_time = completed and latest.completed_at <= task.due_at
    if completed:
        green = on_time and latest.evidence >= task.min_evidence and not latest.followup
        code = "green" if green else "yellow"
    else:
        code = "red" if due else None
    return {"completed": completed, "due": due, "on_time": on_time, "code": code,
            "completed_at": latest.completed_at if latest else None}


def expected_marts(tasks: list[Task], sent: list[Sent], as_of_date: date,
                   officer_stations: dict[str, list[tuple[date, str]]] | None = None) -> dict:
    """officer_stations: officer -> [(snapshot date, station)]; default: the station of the officer's tasks."""
    tasks = [t for t in tasks if t.run_date <= as_of_date]
    by_id = {t.task_id: t for t in tasks}
    valid = [s for s in first_copies(sent, as_of_date) if s.task_id in by_id and is_valid(s, by_id[s.task_id])]
    first = min(t.run_date for t in tasks)
    daily, codes = {}, {}
    day = first
    while day <= as_of_date:
        for t in tasks:
            if t.run_date > day:
                continue
            j = judge(t, valid, day)
            row = daily.setdefault((day, t.station, t.part), [0, 0, 0, 0])
            row[0] += 1
            row[1] += j["due"]
            row[2] += j["completed"]
            row[3] += j["completed"] and j["on_time"]
            c = codes.setdefault((day, t.station), {"green": 0, "yellow": 0, "red": 0, None: 0})
            c[j["code"]] += 1
        day += timedelta(days=1)

    cards: dict[tuple, dict] = {}
    for t in tasks:
        due_local = t.due_at.astimezone(LOCAL)
        month = date(due_local.year, due_local.month, 1)
        if month > as_of_date:
            continue  # months after the as_of month get no row
        month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        evaluation = min(month_end, as_of_date)
        code = judge(t, valid, evaluation)["code"]
        if code is None:
            continue
        card = cards.setdefault((month, t.officer), {"green": 0, "yellow": 0, "red": 0, "evaluation": evaluation})
        card[code] += 1
    scorecard = {}
    for (month, officer), c in cards.items():
        coded = c["green"] + c["yellow"] + c["red"]
        if c["red"] / coded >= 0.05:
            officer_code = "red"
        elif (c["yellow"] + c["red"]) / coded >= 0.10:
            officer_code = "yellow"
        else:
            officer_code = "green"
        default = [(date.min, next(t.station for t in tasks if t.officer == officer))]
        history = sorted((officer_stations or {}).get(officer, default))
        station = [s for d, s in history if d <= c["evaluation"]][-1]
        scorecard[(month, officer)] = (station, coded, c["green"], c["yellow"], c["red"],
                                       (c["green"] + c["yellow"]) / coded, officer_code)
    fct = {t.task_id: judge(t, valid, as_of_date) for t in tasks}
    return {"daily": daily, "codes": codes, "scorecard": scorecard, "fct": fct}


# ------------------------------------------------------------------------------------ the scenario

def all_steps(part: str, skip: set[str] = frozenset(), optional_done: bool = True) -> list[dict]:
    return [{"step_id": s.id, "done": (s.id not in skip) and (s.required or optional_done)}
            for s in load_catalogue().part(part).steps]


def scenario(seed: int = 7) -> tuple[list[Task], list[Sent]]:
    """Named edge cases plus a deterministic random mix, across a month boundary."""
    catalogue = load_catalogue()
    rng = random.Random(seed)
    tasks: list[Task] = []
    sent: list[Sent] = []

    def task(tid: str, run_date: date, part: str = "HOUSE-OVER10", officer: str = "O1") -> Task:
        p = catalogue.part(part)
        t = Task(tid, run_date, part, officer, p.evaluation.due_hours, p.evaluation.min_evidence)
        tasks.append(t)
        return t

    def send(t: Task, cid: str, at: datetime, delay: int = 0, **kw) -> None:
        kw.setdefault("steps", all_steps(t.part))
        kw.setdefault("evidence", t.min_evidence)
        sent.append(Sent(cid, t.task_id, at, at.astimezone(LOCAL).date() + timedelta(days=delay), **kw))

    d = date(2026, 10, 5)
    t = task("on-time", d)
    send(t, "c-on-time", local(d, 12))
    t = task("at-due", d)
    send(t, "c-at-due", t.due_at)                                   # exactly at due_at: on time
    t = task("late", d)
    send(t, "c-late", t.due_at + timedelta(seconds=1))
    t = task("short-evidence", d, "VENUE-INSPECT")
    send(t, "c-short", local(d, 12), evidence=1)                    # min 2
    t = task("followup", d)
    send(t, "c-followup", local(d, 12), followup=True)
    t = task("step-missing", d)
    send(t, "c-missing", local(d, 12), steps=all_steps(t.part, {"verify_residents"}))
    t = task("optional-skipped", d, "POP-RESIDENCE-PERMIT")
    send(t, "c-optional", local(d, 12), steps=all_steps(t.part, optional_done=False))
    t = task("unable-then-done", d)
    send(t, "c-unable", local(d, 10), outcome="unable")
    send(t, "c-done-later", local(d + timedelta(days=9), 10))       # after due: yellow
    t = task("overdue", date(2026, 10, 10), "FRAUD-DISSUADE")
    t = task("not-yet-due", date(2026, 10, 24))
    t = task("resubmitted", d)
    send(t, "c-first", local(d, 11))
    send(t, "c-second", t.due_at + timedelta(hours=5))             # latest decides: late
    t = task("tie", d)
    send(t, "c-tie-early", local(d, 15), evidence=0)
    send(t, "c-tie-late", local(d, 15), delay=2)                    # same completed_at, later arrival
    t = task("late-arrival", d)
    send(t, "c-arrived-late", local(d, 9), delay=2)                 # counts from d in the history
    t = task("duplicate", d)
    send(t, "c-dup", local(d, 9), evidence=1)
    send(t, "c-dup", local(d, 9), evidence=0, delay=1)              # re-sent with other content: ignored
    t = task("end-of-day", date(2026, 10, 6), "FRAUD-DISSUADE")
    send(t, "c-eod", local(date(2026, 10, 6), 23, 59, 59))
    t = task("after-as-of", d)
    send(t, "c-after", local(AS_OF, 20), delay=1)                   # lands after the build's date
    t = task("closed-month", date(2026, 9, 28), "FRAUD-DISSUADE")
    send(t, "c-next-month", local(date(2026, 10, 2), 10))           # red for September, yellow after
    task("due-in-november", date(2026, 10, 20), "POP-RESIDENCE-PERMIT")
    task("issued-later", AS_OF + timedelta(days=1))                 # after the build's date: absent

    for i in range(60):
        run_date = START + timedelta(days=rng.randrange((AS_OF - START).days + 1))
        officer = rng.choice(sorted(OFFICERS))
        t = task(f"r{i:02d}", run_date, rng.choice(PARTS), officer)
        for k in range(rng.choice((0, 1, 1, 1, 2, 3))):
            at = local(run_date, 8) + timedelta(minutes=rng.randrange(1, int(t.due_hours * 1.6 * 60) + 2))
            if rng.random() < 0.1:
                at = t.due_at
            steps = all_steps(t.part, {rng.choice(sorted(required_steps(t.part)))} if rng.random() < 0.1 else set())
            colleague = [o for o, s in OFFICERS.items() if s == t.station]
            send(t, f"r{i:02d}-{k}", at, delay=rng.choice((0, 0, 0, 1, 2)),
                 outcome="unable" if rng.random() < 0.12 else "done", steps=steps,
                 evidence=max(0, t.min_evidence + rng.choice((-1, 0, 0, 1, 2))), followup=rng.random() < 0.1,
                 officer=rng.choice(colleague))
            if rng.random() < 0.08:
                sent.append(Sent(f"r{i:02d}-{k}", t.task_id, at, sent[-1].file_date + timedelta(days=1),
                                 evidence=0, steps=steps, officer=sent[-1].officer))
    return tasks, sent


def load(settings, tasks: list[Task], sent: list[Sent], officer_days: dict | None = None,
         officers: dict[str, str] | None = None) -> None:
    with Ops(settings) as o:
        o.station("ST1").station("ST2").community("C1", "ST1").community("C2", "ST2")
        for officer, station in (officers or OFFICERS).items():
            o.officer(officer, station, "C1" if station == "ST1" else "C2", day=START - timedelta(days=30))
        for officer, history in (officer_days or {}).items():
            for day, station in history:
                o.officer(officer, station, day=day, current=False)
        catalogue = load_catalogue()
        for n, t in enumerate(tasks):
            person = catalogue.part(t.part).object_type == "person"
            if person:  # the internal object id is the id number; only the pseudonym may leave
                o.person(id_number(n), f"郑晓{n}", phone(n))
            o.task(t.task_id, t.run_date, t.part, t.officer, t.station, "C1" if t.station == "ST1" else "C2",
                   object_id=id_number(n) if person else None, object_key=f"PK{n:05d}" if person else None)
        o.con.execute("insert into ingest.quarantine values ('population', 'persons', 'population/x/persons.csv', "
                      "?, 7, 'bad_phone', 'bad_phone', ?)",
                      [START, f'{{"id_number": "{id_number(99)}", "name": "郑晓99", "phone": "{phone(99)}"}}'])
    by_file: dict[date, list[Sent]] = defaultdict(list)
    for s in sent:
        by_file[s.file_date].append(s)
    by_id = {t.task_id: t for t in tasks}
    for day, rows in sorted(by_file.items()):
        for line, s in enumerate(rows, start=1):
            s.line = line
        write_completions(settings.landing, day, [
            completion(s.completion_id, s.task_id, s.completed_at, officer=s.officer or by_id[s.task_id].officer,
                       outcome=s.outcome, steps=s.steps, evidence=s.evidence, followup=s.followup)
            for s in rows])
    con = connect_ops(settings)  # the ingest itself (its gate is tested in test_completions)
    try:
        for day in sorted(by_file):
            (result,) = ingest_completions(con, settings, day)
            assert result.rows_quarantined == 0, result
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from standard_parts.config import Settings

    root = tmp_path_factory.mktemp("marts")
    settings = Settings(landing=root / "landing", warehouse=root / "warehouse")
    tasks, sent = scenario()
    load(settings, tasks, sent)
    build(settings, AS_OF)
    return settings, tasks, sent


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small warehouse built once (5 tasks); tests work on copies of it."""
    from standard_parts.config import Settings

    root = tmp_path_factory.mktemp("small")
    settings = Settings(landing=root / "landing", warehouse=root / "warehouse")
    load(settings, [Task(f"a{i}", date(2026, 10, 1), "FRAUD-DISSUADE", "O1", 24, 0) for i in range(5)], [])
    build(settings, date(2026, 10, 3))
    return settings


def copy_of(small, tmp_path):
    if small.landing.exists():
        shutil.copytree(small.landing, tmp_path / "landing")
    shutil.copytree(small.warehouse, tmp_path / "warehouse")
    return small.model_copy(update={"landing": tmp_path / "landing", "warehouse": tmp_path / "warehouse"})


# ------------------------------------------------------------------------------------------ tests

def test_completion_rate_daily_row_by_row(built):
    settings, tasks, sent = built
    expected = expected_marts(tasks, sent, AS_OF)["daily"]
    rows = query(settings.analytics_path, "select as_of_date, station_id, standard_part_id, tasks_issued, tasks_due, "
                                          "tasks_completed, tasks_on_time, completion_rate, on_time_rate "
                                          "from marts.completion_rate_daily")
    got = {(r[0], r[1], r[2]): list(r[3:7]) for r in rows}
    assert got == expected
    for r in rows:
        due, completed, on_time = r[4], r[5], r[6]
        assert r[7] == (pytest.approx(completed / due) if due else None)
        assert r[8] == (pytest.approx(on_time / due) if due else None)
    assert min(r[0] for r in rows) == START or min(t.run_date for t in tasks) == min(r[0] for r in rows)
    assert max(r[0] for r in rows) == AS_OF


def test_work_code_summary_row_by_row(built):
    settings, tasks, sent = built
    expected = {k: [v["green"], v["yellow"], v["red"], v[None]]
                for k, v in expected_marts(tasks, sent, AS_OF)["codes"].items()}
    rows = query(settings.analytics_path, "select as_of_date, station_id, green, yellow, red, pending "
                                          "from marts.work_code_summary")
    assert {(r[0], r[1]): list(r[2:]) for r in rows} == expected


def test_fct_tasks_at_the_run_date(built):
    settings, tasks, sent = built
    expected = expected_marts(tasks, sent, AS_OF)["fct"]
    rows = query(settings.analytics_path, "select task_id, status, work_code, completed_at, is_due, on_time "
                                          "from marts.fct_tasks")
    got = {r[0]: r for r in rows}
    assert set(got) == set(expected)  # "issued-later" is absent
    for tid, e in expected.items():
        _, status, code, completed_at, due, on_time = got[tid]
        assert status == ("completed" if e["completed"] else "open"), tid
        assert code == e["code"], tid
        assert completed_at == e["completed_at"], tid
        assert due == e["due"], tid
        assert on_time == (e["on_time"] if e["completed"] else None), tid


def test_named_edge_cases(built):
    settings, _, _ = built
    codes = dict(query(settings.analytics_path, "select task_id, coalesce(work_code, 'pending') from marts.fct_tasks"))
    assert codes["on-time"] == "green"
    assert codes["at-due"] == "green"                 # exactly at due_at is on time
    assert codes["late"] == "yellow"
    assert codes["short-evidence"] == "yellow"
    assert codes["followup"] == "yellow"
    assert codes["step-missing"] == "red"             # not valid: stays open, overdue
    assert codes["optional-skipped"] == "green"
    assert codes["unable-then-done"] == "yellow"      # unable does not close; done later (late)
    assert codes["overdue"] == "red"
    assert codes["not-yet-due"] == "pending"
    assert codes["resubmitted"] == "yellow"           # the latest valid completion decides
    assert codes["tie"] == "green"                    # same completed_at: the later arrival decides
    assert codes["late-arrival"] == "green"
    assert codes["duplicate"] == "green"              # the first copy (evidence 1) counts
    assert codes["end-of-day"] == "green"
    assert codes["after-as-of"] == "red"              # its completion has not landed by the run date
    assert "issued-later" not in codes
    # a late arrival updates history: "late-arrival" was completed on Oct 5 and landed on Oct 7, so
    # the history rebuilt as of AS_OF counts it on Oct 5, which the build of Oct 5 could not know
    key = (date(2026, 10, 5), "ST1", "HOUSE-OVER10")
    (completed_on_5th,) = query(settings.analytics_path, """
        select tasks_completed from marts.completion_rate_daily
        where as_of_date = '2026-10-05' and station_id = 'ST1' and standard_part_id = 'HOUSE-OVER10'""")[0]
    assert completed_on_5th == expected_marts(*built[1:], AS_OF)["daily"][key][2]
    assert completed_on_5th > expected_marts(*built[1:], date(2026, 10, 5))["daily"][key][2]


def test_officer_scorecard_row_by_row(built):
    settings, tasks, sent = built
    expected = expected_marts(tasks, sent, AS_OF)["scorecard"]
    rows = query(settings.analytics_path, "select month, officer_id, station_id, tasks_coded, green, yellow, red, "
                                          "completion_rate, officer_code from marts.officer_scorecard")
    got = {(r[0], r[1]): r[2:] for r in rows}
    assert set(got) == set(expected)
    for key, e in expected.items():
        assert got[key][:5] == e[:5] and got[key][5] == pytest.approx(e[5]) and got[key][6] == e[6], key
    assert max(r[0] for r in rows) == date(2026, 10, 1)  # nothing for November
    # the September month is judged at Sep 30: "closed-month" was red then, though completed Oct 2
    (sep_red,) = query(settings.analytics_path, "select sum(red) from marts.officer_scorecard "
                                                "where month = '2026-09-01'")[0]
    assert sep_red >= 1


def test_officer_code_thresholds_and_station_history(settings):
    """5 % red is red, just below is not; 10 % yellow+red is yellow; the snapshot on or before the
    evaluation date gives the station; months after the as_of month have no row."""
    catalogue = load_catalogue()
    tasks, sent = [], []
    p = catalogue.part("FRAUD-DISSUADE")
    run = date(2026, 10, 1)

    officers = {"R20": "ST1", "G21": "ST1", "Y10": "ST2", "G11": "ST2"}

    def officer_tasks(officer: str, n: int, red: int, yellow: int) -> None:
        for i in range(n):
            t = Task(f"{officer}-{i}", run, "FRAUD-DISSUADE", officer, p.evaluation.due_hours, 0, officers[officer])
            tasks.append(t)
            if i < red:
                continue
            at = t.due_at + timedelta(hours=1) if i < red + yellow else local(run, 9)
            sent.append(Sent(f"c-{t.task_id}", t.task_id, at, at.date(), steps=all_steps(t.part), evidence=0))

    officer_tasks("R20", 20, red=1, yellow=0)   # 5.0 % red -> red
    officer_tasks("G21", 21, red=1, yellow=0)   # 4.76 % red, 4.76 % yellow+red -> green
    officer_tasks("Y10", 10, red=0, yellow=1)   # 10 % -> yellow
    officer_tasks("G11", 11, red=0, yellow=1)   # 9.1 % -> green
    p2 = catalogue.part("POP-RESIDENCE-PERMIT")  # due in 14 days: November, after the as_of month
    tasks.append(Task("nov", date(2026, 10, 20), "POP-RESIDENCE-PERMIT", "G11", p2.evaluation.due_hours, 0, "ST2"))
    moves = {"R20": [(date(2026, 10, 3), "ST2"), (date(2026, 10, 28), "ST3")]}
    load(settings, tasks, sent, moves, officers)
    as_of = date(2026, 10, 25)
    build(settings, as_of)
    first_snapshot = START - timedelta(days=30)
    expected = expected_marts(tasks, sent, as_of, {"R20": [(first_snapshot, "ST1"), *moves["R20"]]})
    rows = query(settings.analytics_path, "select officer_id, station_id, tasks_coded, red, yellow, officer_code "
                                          "from marts.officer_scorecard order by officer_id")
    assert rows == [("G11", "ST2", 11, 0, 1, "green"), ("G21", "ST1", 21, 1, 0, "green"),
                    ("R20", "ST2", 20, 1, 0, "red"), ("Y10", "ST2", 10, 0, 1, "yellow")]
    assert {(k[1], v[0], v[1], v[4], v[3], v[6]) for k, v in expected["scorecard"].items()} == set(rows)


def test_thresholds_and_as_of_reach_dbt_as_vars(settings):
    """The officer-code thresholds are settings (the dbt unit test officer_code_thresholds_follow_the_vars
    shows the model obeys the vars)."""
    from standard_parts.analytics import dbt_vars

    lenient = settings.model_copy(update={"red_share_threshold": 0.06, "yellow_share_threshold": 0.2})
    got = dbt_vars(lenient, Path("/tmp/build.duckdb"), date(2026, 10, 3))
    assert {k: got[k] for k in ("as_of_date", "red_share_threshold", "yellow_share_threshold")} == {
        "as_of_date": "2026-10-03", "red_share_threshold": 0.06, "yellow_share_threshold": 0.2}
    assert got["build_path"] == "/tmp/build.duckdb" and got["ops_path"] == str(lenient.ops_path)
    assert got["timezone"] == lenient.timezone


def test_analyst_file_holds_only_marts_tables(built):
    settings, _, _ = built
    objects = query(settings.analytics_path, "select schema_name, table_name, 'table' from duckdb_tables() "
                                             "union all select schema_name, view_name, 'view' from duckdb_views() "
                                             "where not internal")
    assert {o[0] for o in objects} == {"marts"} and {o[2] for o in objects} == {"table"}
    names = {o[1] for o in objects}
    assert {"fct_tasks", "completion_rate_daily", "officer_scorecard", "work_code_summary", "quarantine_summary",
            "generation_stats", "handoffs_monthly"} <= names
    assert not any(n.startswith(("stg_", "int_")) for n in names)
    assert query(settings.analytics_path, "select count(*) from duckdb_databases() where not internal") == [(1,)]
    leftovers = [p.name for p in settings.warehouse.iterdir() if p.name.startswith(".analytics")]
    assert leftovers == []


def test_no_personal_data_in_the_analyst_file(built):
    """Every column of every table, against the persons on file (and the quarantined row's values)."""
    from standard_parts.pii_scan import known_persons, scan_duckdb

    settings, tasks, _ = built
    ids, phones, names = known_persons(settings.ops_path)
    assert len(ids) >= 5  # the scenario has person tasks
    ids.add(id_number(99))
    phones.add(phone(99))
    names |= {"郑晓99"}
    assert scan_duckdb(settings.analytics_path, names, ids, phones) == []
    # Officers' display names are work identities (SPEC 7): only in the officer-name columns.
    found = scan_duckdb(settings.analytics_path, {"王警官"})
    assert found and {f.where.rsplit(".", 1)[1] for f in found} == {"officer_name"}
    person_tasks = query(settings.analytics_path, "select object_id from marts.fct_tasks where object_type = 'person'")
    assert person_tasks and all(o.startswith("PK") for (o,) in person_tasks)
    assert (START, "population", "bad_phone", 1) in query(settings.analytics_path,
                                                          "select * from marts.quarantine_summary")


READER = """
import sys, time, duckdb
path, out, stop = sys.argv[1:]
import os
with open(out, "w") as fh:
    while not os.path.exists(stop):
        try:
            con = duckdb.connect(path, read_only=True)
        except duckdb.Error as exc:
            fh.write(f"error {exc!r}\\n")
            continue
        try:
            a, b = con.execute(
                "select (select count(*) from marts.fct_tasks), (select sum(green + yellow + red + pending) "
                "from marts.work_code_summary where as_of_date = (select max(as_of_date) from marts.fct_tasks))"
            ).fetchone()
            fh.write(f"{a} {b}\\n")
            fh.flush()
        finally:
            con.close()
"""


def test_readers_see_the_old_or_the_new_file_never_a_mix(small, tmp_path):
    import subprocess
    import sys
    import time as clock

    settings = copy_of(small, tmp_path)
    held = duckdb.connect(str(settings.analytics_path), read_only=True)  # an analyst's open session
    out, stop = tmp_path / "seen.txt", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(settings.analytics_path), str(out), str(stop)])
    try:
        with Ops(settings) as o:
            for i in range(7):
                o.task(f"b{i}", date(2026, 10, 2), "FRAUD-DISSUADE")
        while not out.exists() or not out.read_text().strip():
            clock.sleep(0.05)
        build(settings, date(2026, 10, 3))
        clock.sleep(0.3)
    finally:
        stop.touch()
        reader.wait(timeout=30)
    assert held.execute("select count(*) from marts.fct_tasks").fetchone() == (5,)  # the old file, still whole
    held.close()
    seen = [tuple(line.split()) for line in out.read_text().splitlines()]
    assert seen and all(len(s) == 2 and s[0] == s[1] for s in seen), seen[:5]
    assert {s[0] for s in seen} == {"5", "12"}
    assert query(settings.analytics_path, "select count(*) from marts.fct_tasks") == [(12,)]


def test_a_failing_marts_gate_keeps_the_old_file(small, tmp_path):
    settings = copy_of(small, tmp_path)
    before = settings.analytics_path.read_bytes()
    strict = tmp_path / "expectations"
    shutil.copytree(settings.expectations_dir, strict)
    suite = strict / "marts.fct_tasks.json"
    suite.write_text(suite.read_text().replace('"value_set": ["open", "completed"]', '"value_set": ["completed"]'))
    with pytest.raises(GateFailure, match=r"marts.fct_tasks.*status"):
        build(settings.model_copy(update={"expectations_dir": strict}), date(2026, 10, 3))
    assert settings.analytics_path.read_bytes() == before
    assert [p.name for p in settings.warehouse.iterdir() if p.name.startswith(".analytics")] == []
    gates = query(settings.ops_path, "select gate, success from ingest.gate_results where gate like 'marts%' "
                                     "order by gate")
    assert ("marts.fct_tasks", False) in gates


def test_a_failing_dbt_build_keeps_the_old_file(small, tmp_path):
    settings = copy_of(small, tmp_path)
    before = settings.analytics_path.read_bytes()
    with Ops(settings) as o:  # a task pointing at no officer breaks a not_null test of fct_tasks
        o.con.execute("alter table ops.tasks alter officer_id drop not null")
        o.con.execute("insert into ops.tasks select * replace ('t2' as task_id, null as officer_id) "
                      "from ops.tasks where task_id = 'a1'")
    with pytest.raises(GateFailure, match=r"dbt build .*failed.*not_null_stg_ops__tasks_officer_id"):
        build(settings, date(2026, 10, 3))
    assert settings.analytics_path.read_bytes() == before


def test_a_relative_warehouse_path_builds_docs_inside_the_warehouse(small, tmp_path, monkeypatch):
    """The default settings (``data/warehouse``) are relative: the dbt docs must land in the
    warehouse, and nothing under the dbt project (dbt resolves relative paths against it)."""
    settings = copy_of(small, tmp_path)
    monkeypatch.chdir(tmp_path)
    relative = settings.model_copy(update={"warehouse": settings.warehouse.relative_to(tmp_path)})
    assert not relative.warehouse.is_absolute()
    project = Path(relative.dbt_dir)
    before = {p for p in project.rglob("*")}
    build(relative, date(2026, 10, 3))
    assert (settings.warehouse / "dbt_docs" / "index.html").stat().st_size > 100_000
    assert {p for p in project.rglob("*") if "target" not in p.parts and "logs" not in p.parts} <= before
    assert list((settings.warehouse / ".scratch").iterdir()) == []
