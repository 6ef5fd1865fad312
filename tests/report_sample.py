"""A small sample warehouse for the report and notebook tests, built by the real pipeline.

Hand-made operational store (stations in three districts, communities, officers with display names,
residents, tasks drawn with a fixed seed, completions as landing files) -> the completions ingest ->
``analytics.build`` (dbt: marts + reporting models, COMMENTs, the marts gate). The report therefore
reads exactly what a night writes. Fake persons (names, id numbers, phones) live in the operational
store (and a ``canary`` schema planted in the analyst file afterwards) so the tests can prove they
never reach a page or a notebook's output.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
from opsdata import LOCAL, Ops, completion, local, steps_of, write_completions
from standard_parts.catalogue import load_catalogue
from standard_parts.config import Settings

# station, name, district, communities
STATIONS = [
    ("S01", "思明派出所", "思明区", ("C011", "C012")),
    ("S02", "中华派出所", "思明区", ("C021",)),
    ("S03", "湖里派出所", "湖里区", ("C031", "C032")),
    ("S04", "集美派出所", "集美区", ("C041",)),
]
COMMUNITY_NAMES = {"C011": "开元社区", "C012": "鹭江社区", "C021": "中华社区", "C031": "殿前社区",
                   "C032": "禾山社区", "C041": "侨英社区"}
OFFICER_NAMES = ["林警官", "陈警官", "黄警官", "吴警官", "郑警官", "蔡警官", "许警官", "苏警官", "洪警官"]
PARTS = ["HOUSE-OVER10", "FRAUD-DISSUADE", "VENUE-INSPECT", "VENUE-LICENSE", "FLOATING-NEW",
         "DISPUTE-MEDIATE", "FIRE-EBIKE-CHARGING"]
HANDOFF_DEPTS = ["urban_management", "market_regulation", "fire_rescue", "subdistrict", "health"]
START = date(2026, 8, 24)  # a Monday: six whole weeks and the whole of September before the as_of
AS_OF = date(2026, 10, 5)
RESIDENTS = {"C011": 420, "C012": 300, "C021": 260, "C031": 500, "C032": 350, "C041": 380}

# Planted persons: must never appear in the report or the notebooks' outputs.
PERSONS = [
    ("350203199001011234", "张建国", "13812345678"),
    ("35020319850505432X", "王秀英", "13987654321"),
    ("350206197712123456", "李志强", "15011112222"),
]

# A simple district map (org/<date>/districts.geojson, SPEC 3): three rectangles.
GEOJSON = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"district": name},
     "geometry": {"type": "Polygon", "coordinates": [[[x, 24.4], [x + 0.1, 24.4], [x + 0.1, 24.5], [x, 24.5],
                                                      [x, 24.4]]]}}
    for name, x in (("思明区", 118.05), ("湖里区", 118.15), ("集美区", 118.25))]}


@dataclass
class Sample:
    analytics: Path
    as_of: date
    landing: Path | None = None
    object_ids: list[str] = field(default_factory=list)
    officer_ids: list[str] = field(default_factory=list)
    officer_names: dict[str, str] = field(default_factory=dict)
    persons: list[tuple[str, str, str]] = field(default_factory=lambda: list(PERSONS))


_TEMPLATES: dict[int, tuple[Path, Sample]] = {}


def build_sample_analytics(warehouse: Path, seed: int = 7, with_dim_stations: bool = True,
                           with_handoffs: bool = True) -> Sample:
    """Write the sample warehouse (analytics.duckdb + operational.duckdb) into ``warehouse`` and its
    landing folder (with the district map) beside it, ``warehouse.parent / "landing"``.

    Built once per process and parameters, then copied: tests stay fast and independent.
    ``with_dim_stations=False`` / ``with_handoffs=False`` drop those marts afterwards (a warehouse
    from before they existed).
    """
    if seed not in _TEMPLATES:
        template = Path(tempfile.mkdtemp(prefix="report-sample-"))
        _TEMPLATES[seed] = (template, _build(template, seed))
    template, sample = _TEMPLATES[seed]
    warehouse.mkdir(parents=True, exist_ok=True)
    for name in ("analytics.duckdb", "operational.duckdb"):
        shutil.copyfile(template / "warehouse" / name, warehouse / name)
    landing = warehouse.parent / "landing"
    if not landing.exists():
        shutil.copytree(template / "landing", landing)
    if not (with_dim_stations and with_handoffs):
        con = duckdb.connect(str(warehouse / "analytics.duckdb"))
        try:
            if not with_dim_stations:
                con.execute("drop table marts.dim_stations")
            if not with_handoffs:
                con.execute("drop table marts.handoffs_monthly")
        finally:
            con.close()
    return replace(sample, analytics=warehouse / "analytics.duckdb", landing=landing)


def _tasks(seed: int) -> list[dict]:
    cat = load_catalogue()
    rng = random.Random(seed)
    rows = []
    day = START
    while day <= AS_OF:
        for s_index, (station, _, _, communities) in enumerate(STATIONS):
            for part_id in PARTS:
                part = cat.part(part_id)
                for n in range(rng.choice((0, 0, 1, 1, 2))):
                    digest = hashlib.sha256(f"{part_id}|{station}|{day}|{n}".encode()).hexdigest()
                    community = rng.choice(communities)
                    rows.append({
                        # Letters between the digit groups keep the fake ids clear of phone-like runs.
                        "task_id": f"T{day:%Y%m%d}-{station}{part_id[:3]}{n}x{digest[:8]}",
                        "run_date": day, "part": part_id, "object_type": part.object_type,
                        "object_key": {"person": "P", "house": "H", "venue": "V"}.get(part.object_type, "C")
                        + digest[8:32],
                        "station": station, "community": community,
                        "officer": f"OFF{s_index + 1:02d}{rng.randint(1, 2)}",
                        "due_hours": part.evaluation.due_hours, "min_evidence": part.evaluation.min_evidence,
                        "slow": rng.random(),
                    })
        day += timedelta(days=1)
    return rows


def _build(root: Path, seed: int) -> Sample:
    from standard_parts.analytics import build
    from standard_parts.completions import ingest_completions
    from standard_parts.store import connect_ops

    settings = Settings(landing=root / "landing", warehouse=root / "warehouse")
    tasks = _tasks(seed)
    rng = random.Random(seed + 1)
    officer_names: dict[str, str] = {}
    with Ops(settings) as o:
        o.con.execute("create table if not exists ops.houses (snapshot_date date, house_id varchar, "
                      "community_id varchar)")
        for s_index, (station, name, district, communities) in enumerate(STATIONS):
            o.station(station, name)
            o.con.execute("update ops.stations set district = ?, branch_bureau = ? where station_id = ?",
                          [district, district.replace("区", "分局"), station])
            for community in communities:
                o.community(community, station)
                o.con.execute("update ops.communities set community_name = ? where community_id = ?",
                              [COMMUNITY_NAMES[community], community])
                o.con.execute("insert into ops.houses values (?, ?, ?)", [START, f"H{community}", community])
                o.con.execute(
                    "insert into ops.persons select ?, 'population/x/persons.csv', i, "
                    "(list_value(?, ?, ?))[i % 3 + 1], (list_value(?, ?, ?))[i % 3 + 1], 'M', '1990-01-01', "
                    "(list_value(?, ?, ?))[i % 3 + 1], 'local', ?, '2020-01-01', "
                    "case when i % 10 = 0 then 'moved_out' else 'active' end from range(?) as t(i)",
                    [START, *(p[0] for p in PERSONS), *(p[1] for p in PERSONS), *(p[2] for p in PERSONS),
                     f"H{community}", RESIDENTS[community]])
            for k in (1, 2):
                officer = f"OFF{s_index + 1:02d}{k}"
                officer_names[officer] = OFFICER_NAMES[(2 * s_index + k) % len(OFFICER_NAMES)]
                o.officer(officer, station, communities[(k - 1) % len(communities)], day=START - timedelta(days=30),
                          name=officer_names[officer])
        for t in tasks:
            o.task(t["task_id"], t["run_date"], t["part"], t["officer"], t["station"], t["community"],
                   object_id=t["object_key"], object_key=t["object_key"])
        per_day: dict = defaultdict(int)
        for t in tasks:
            per_day[(t["run_date"], t["part"])] += 1
        for (day, part), issued in sorted(per_day.items()):
            merged = rng.randint(0, 3)
            o.generation_stats(day, part, issued + merged + 1, merged_away=merged, suppressed_open=1)
        o.con.execute("insert into ingest.quarantine values ('population', 'persons', 'population/x/persons.csv', "
                      "?, 7, 'bad_phone', 'bad_phone', ?)",
                      [START, json.dumps({"id_number": PERSONS[0][0], "name": PERSONS[0][1]}, ensure_ascii=False)])

    by_day: dict[date, list] = defaultdict(list)
    for n, t in enumerate(tasks):
        issued_at = local(t["run_date"], 8)
        # A slower bureau lately: the last weeks' tasks are done later (the weekly trend moves).
        lateness = 1.1 if t["run_date"] < AS_OF - timedelta(days=14) else 1.5
        if t["slow"] > 0.9:
            continue  # never reported
        hours = t["slow"] * t["due_hours"] * lateness
        at = issued_at + timedelta(hours=round(hours, 2))
        if at > local(AS_OF, 23, 59, 59):
            continue
        if n % 17 == 0:
            row = completion(f"c{n}", t["task_id"], at, officer=t["officer"], outcome="unable", part=t["part"])
        elif n % 19 == 0:
            first = steps_of(t["part"])[0]["step_id"]
            row = completion(f"c{n}", t["task_id"], at, officer=t["officer"], part=t["part"],
                             steps=steps_of(t["part"], {first: False}))
        else:
            row = completion(f"c{n}", t["task_id"], at, officer=t["officer"], part=t["part"],
                             evidence=t["min_evidence"] + (n % 3 == 0), followup=n % 23 == 0,
                             handoff=HANDOFF_DEPTS[n % 5] if n % 4 == 0 else None)
        by_day[at.astimezone(LOCAL).date()].append(row)
    for day, rows in sorted(by_day.items()):
        write_completions(settings.landing, day, rows)
    con = connect_ops(settings)
    try:
        for day in sorted(by_day):
            ingest_completions(con, settings, day)
    finally:
        con.close()
    build(settings, AS_OF)

    org = settings.landing / "org" / START.isoformat()
    org.mkdir(parents=True, exist_ok=True)
    (org / "districts.geojson").write_text(json.dumps(GEOJSON, ensure_ascii=False), encoding="utf-8")

    con = duckdb.connect(str(settings.analytics_path))
    try:
        # The canary: personal data planted outside the marts (a place the report must not read).
        con.execute("create schema canary")
        con.execute("create table canary.persons (id_number varchar, name varchar, phone varchar)")
        con.executemany("insert into canary.persons values (?, ?, ?)", PERSONS)
    finally:
        con.close()
    return Sample(analytics=settings.analytics_path, as_of=AS_OF, object_ids=sorted({t["object_key"] for t in tasks}),
                  officer_ids=sorted(officer_names), officer_names=officer_names)
