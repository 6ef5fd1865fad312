"""Period marts (SPEC 6.1), the report's dbt models and the analyst file's descriptions.

A hand-made operational store with tasks falling due exactly on the boundaries (Monday 00:00 local,
Sunday 23:59:59, month ends, the as_of itself, after the as_of), built by ``analytics.build``;
expected figures are known by construction and computed again, independently, from marts.fct_tasks.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from opsdata import LOCAL, Ops, completion, local, query, steps_of, write_completions
from standard_parts.analytics import build
from standard_parts.completions import ingest_completions
from standard_parts.config import Settings
from standard_parts.store import connect_ops

AS_OF = date(2026, 10, 28)  # a Wednesday: the week of 10-26 and the month of October are incomplete
OFFICERS = {"O1": ("ST1", "C1"), "O2": ("ST2", "C2")}

# (task_id, officer, run_date, due_at, completed_at or None): due_at set exactly on the boundaries.
CASES = [
    ("mon-midnight", "O1", date(2026, 10, 1), local(date(2026, 10, 5)), local(date(2026, 10, 4), 12)),
    ("sun-last-second", "O1", date(2026, 10, 1), local(date(2026, 10, 4), 23, 59, 59),
     local(date(2026, 10, 5), 9)),                                                      # late
    ("mon-7am-local", "O1", date(2026, 10, 2), local(date(2026, 10, 5), 7),          # 10-04 23:00 UTC
     local(date(2026, 10, 5), 7)),                                                      # exactly at due: on time
    ("sep-last-second", "O2", date(2026, 9, 25), local(date(2026, 9, 30), 23, 59, 59), None),
    ("oct-first-second", "O2", date(2026, 9, 25), local(date(2026, 10, 1)), local(date(2026, 9, 29), 10)),
    ("at-as-of", "O2", date(2026, 10, 20), local(AS_OF, 23, 59, 59), local(AS_OF, 10)),
    ("after-as-of", "O2", date(2026, 10, 20), local(AS_OF + timedelta(days=1)), local(AS_OF, 11)),
    ("done-after-as-of", "O1", date(2026, 10, 20), local(date(2026, 10, 27), 8), None),
    ("week-26-late", "O1", date(2026, 10, 20), local(date(2026, 10, 26), 8), local(date(2026, 10, 27), 8)),
    ("prev-week", "O1", date(2026, 9, 21), local(date(2026, 9, 28), 8), local(date(2026, 9, 27), 8)),
    # Due after the as_of (in no period): reported, but not valid - their reasons in words.
    ("reported-unable", "O1", date(2026, 10, 27), local(date(2026, 10, 30), 8), None),
    ("step-missing", "O1", date(2026, 10, 27), local(date(2026, 10, 30), 8), None),
]
# Known answers: (period, station) -> (due, completed, on time).
WEEKLY = {
    (date(2026, 9, 28), "ST1"): (2, 2, 1),    # prev-week (due Mon 09-28 08:00), sun-last-second (late)
    (date(2026, 9, 28), "ST2"): (2, 1, 1),    # sep-last-second (open), oct-first-second (Thu 10-01)
    (date(2026, 10, 5), "ST1"): (2, 2, 2),    # mon-midnight, mon-7am-local
    (date(2026, 10, 26), "ST1"): (2, 1, 0),   # week-26-late, done-after-as-of (open at the as_of)
    (date(2026, 10, 26), "ST2"): (1, 1, 1),   # at-as-of; after-as-of is left out
}
MONTHLY = {
    (date(2026, 9, 1), "ST1"): (1, 1, 1),     # prev-week (due 09-28)
    (date(2026, 9, 1), "ST2"): (1, 0, 0),     # sep-last-second
    (date(2026, 10, 1), "ST1"): (5, 4, 2),    # sun-last-second (late), mon-midnight, mon-7am, week-26-late (late), done-after (open)
    (date(2026, 10, 1), "ST2"): (2, 2, 2),    # oct-first-second, at-as-of
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("periods")
    settings = Settings(landing=root / "landing", warehouse=root / "warehouse")
    with Ops(settings) as o:
        o.station("ST1", "一号派出所").station("ST2", "二号派出所")
        o.con.execute("update ops.stations set district = '湖里区' where station_id = 'ST2'")
        o.community("C1", "ST1").community("C2", "ST2")
        for officer, (station, community) in OFFICERS.items():
            o.officer(officer, station, community, day=date(2026, 9, 1), name=f"{officer}警官")
        for task_id, officer, run_date, due_at, _ in CASES:
            station, community = OFFICERS[officer]
            o.task(task_id, run_date, "HOUSE-OVER10", officer, station, community)
            o.con.execute("update ops.tasks set due_at = ? where task_id = ?", [due_at, task_id])
    by_day: dict[date, list] = defaultdict(list)
    for task_id, officer, _, _, completed_at in CASES:
        if completed_at is not None:
            by_day[completed_at.astimezone(LOCAL).date()].append(
                completion(f"c-{task_id}", task_id, completed_at, officer=officer))
    by_day[date(2026, 10, 27)] += [
        completion("c-unable", "reported-unable", local(date(2026, 10, 27), 9), officer="O1", outcome="unable"),
        completion("c-step", "step-missing", local(date(2026, 10, 27), 9), officer="O1",
                   steps=steps_of("HOUSE-OVER10", {"verify_residents": False})),
    ]
    # done-after-as-of: completed the day after the build's date (in a later file): not counted.
    by_day[AS_OF + timedelta(days=1)].append(
        completion("c-late-file", "done-after-as-of", local(AS_OF + timedelta(days=1), 9), officer="O1"))
    for day, rows in sorted(by_day.items()):
        write_completions(settings.landing, day, rows)
    con = connect_ops(settings)
    try:
        for day in sorted(by_day):
            (result,) = ingest_completions(con, settings, day)
            assert result.rows_quarantined == 0, result
    finally:
        con.close()
    build(settings, AS_OF)
    return settings


def _mart(settings, table: str, key: str) -> dict:
    rows = query(settings.analytics_path, f"select {key}, station_id, sum(tasks_due), sum(tasks_completed), "
                                          f"sum(tasks_on_time) from marts.{table} group by all")
    return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def _from_fct_tasks(settings) -> tuple[dict, dict]:
    """The SPEC 6.1 definition applied in Python to marts.fct_tasks (zoneinfo for the local date)."""
    tz = ZoneInfo("Asia/Shanghai")
    as_of = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 23, 59, 59, tzinfo=tz)
    weekly: dict = defaultdict(lambda: [0, 0, 0])
    monthly: dict = defaultdict(lambda: [0, 0, 0])
    for station, due_at, completed_at in query(
            settings.analytics_path, "select station_id, due_at, completed_at from marts.fct_tasks"):
        if due_at > as_of:
            continue
        day = due_at.astimezone(tz).date()
        done = completed_at is not None and completed_at <= as_of
        on_time = done and completed_at <= due_at
        for table, key in ((weekly, day - timedelta(days=day.weekday())), (monthly, day.replace(day=1))):
            row = table[(key, station)]
            row[0] += 1
            row[1] += done
            row[2] += on_time
    return ({k: tuple(v) for k, v in weekly.items()}, {k: tuple(v) for k, v in monthly.items()})


def test_weekly_and_monthly_marts_have_the_known_answers(built):
    assert _mart(built, "completion_rate_weekly", "week_start") == WEEKLY
    assert _mart(built, "completion_rate_monthly", "month") == MONTHLY


def test_period_marts_equal_an_independent_computation_from_fct_tasks(built):
    weekly, monthly = _from_fct_tasks(built)
    assert _mart(built, "completion_rate_weekly", "week_start") == weekly
    assert _mart(built, "completion_rate_monthly", "month") == monthly


def test_period_marts_columns_and_rates(built):
    rows = query(built.analytics_path,
                 "select week_start, station_id, standard_part_id, tasks_due, tasks_completed, tasks_on_time, "
                 "completion_rate, on_time_rate from marts.completion_rate_weekly order by all")
    assert all(r[0].weekday() == 0 for r in rows)  # Mondays
    for r in rows:
        assert r[2] == "HOUSE-OVER10"
        assert r[6] == pytest.approx(r[4] / r[3]) and r[7] == pytest.approx(r[5] / r[3])
    months = query(built.analytics_path, "select distinct month from marts.completion_rate_monthly order by 1")
    assert months == [(date(2026, 9, 1),), (date(2026, 10, 1),)]


def test_report_scopes_sum_their_stations(built):
    path = built.analytics_path
    scopes = {(r[0], r[1]): r[2:] for r in query(path, "select scope, scope_id, scope_name, parent_scope, parent_id, "
                                                       "stations, officers from marts.rpt_scope_profile")}
    assert scopes == {("city", "city"): ("全市", None, None, 2, 2),
                      ("district", "思明区"): ("思明区", "city", "city", 1, 1),
                      ("district", "湖里区"): ("湖里区", "city", "city", 1, 1),
                      ("station", "ST1"): ("一号派出所", "district", "思明区", 1, 1),
                      ("station", "ST2"): ("二号派出所", "district", "湖里区", 1, 1)}
    weeks = {(r[0], r[1], r[2]): r[3:] for r in query(
        path, "select scope, scope_id, week_start, tasks_due, tasks_completed, tasks_on_time, is_complete, "
              "prev_tasks_due from marts.rpt_scope_weekly")}
    assert weeks[("city", "city", date(2026, 9, 28))] == (4, 3, 2, True, 0)
    assert weeks[("city", "city", date(2026, 10, 26))] == (3, 2, 1, False, 0)  # week of 10-19: nothing due
    assert weeks[("district", "思明区", date(2026, 10, 5))] == (2, 2, 2, True, 2)
    assert weeks[("station", "ST1", date(2026, 10, 5))] == (2, 2, 2, True, 2)
    months = {(r[0], r[1], r[2]): r[3:] for r in query(
        path, "select scope, scope_id, month, tasks_due, is_complete, prev_tasks_due, prev_tasks_completed "
              "from marts.rpt_scope_monthly")}
    assert months[("city", "city", date(2026, 10, 1))] == (7, False, 2, 1)
    assert months[("city", "city", date(2026, 9, 1))] == (2, True, 0, 0)
    daily = query(path, "select sum(tasks_due), sum(red) from marts.rpt_scope_daily where scope = 'station' "
                        "and as_of_date = ?", [AS_OF])
    city = query(path, "select tasks_due, red from marts.rpt_scope_daily where scope = 'city' and as_of_date = ?",
                 [AS_OF])
    assert daily == city


def test_open_tasks_name_the_reason_in_words(built):
    rows = query(built.analytics_path,
                 "select task_id, is_due, officer_name, community_name, reason_zh from marts.rpt_open_tasks "
                 "where valid_to is null order by task_id")
    assert rows == [
        ("done-after-as-of", True, "O1警官", "C1社区", "未反馈完成情况"),  # its completion came in a later file
        ("reported-unable", False, "O1警官", "C1社区", "民警反馈无法完成"),
        ("sep-last-second", True, "O2警官", "C2社区", "未反馈完成情况"),
        ("step-missing", False, "O1警官", "C1社区", "已反馈，但必填步骤未完成：核实房屋人员信息"),
    ]


def test_every_table_and_column_is_described(built):
    """COMMENT ON from the dbt YAML: visible to analysts in duckdb_tables() / duckdb_columns()."""
    tables = query(built.analytics_path, "select table_name, comment from duckdb_tables() where schema_name = 'marts'")
    assert {"completion_rate_weekly", "completion_rate_monthly", "rpt_scope_daily", "fct_tasks"} <= {t[0] for t in tables}
    assert [t for t in tables if not t[1]] == []
    columns = query(built.analytics_path, "select table_name, column_name, comment from duckdb_columns() "
                                          "where schema_name = 'marts'")
    assert [c[:2] for c in columns if not c[2]] == []
    comment = dict(((t, c), text) for t, c, text in columns)
    assert comment[("completion_rate_weekly", "week_start")] == "The Monday of the week (local date)."


def test_the_demo_city_draws_its_district_boundaries(tmp_path):
    """The demo's org snapshots carry districts.geojson: one feature per district of stations.csv."""
    import csv
    import json

    from standard_parts.demo import generate_city

    generate_city(tmp_path, 3_000, date(2026, 10, 1), 1, seed=7, progress=False)
    (org,) = sorted((tmp_path / "org").iterdir())
    with (org / "stations.csv").open(encoding="utf-8-sig") as fh:
        districts = {r["district"] for r in csv.DictReader(fh)}
    geo = json.loads((org / "districts.geojson").read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection"
    names = [f["properties"]["district"] for f in geo["features"]]
    assert len(names) == len(set(names)) and set(names) == districts
    assert all(f["geometry"]["type"] == "Polygon" for f in geo["features"])


def test_officer_names_are_work_identities_for_the_pii_scan(tmp_path):
    """The report shows officers' display names; a resident sharing one is not a finding, any other
    resident's name still is."""
    from standard_parts.pii_scan import known_persons, scan_text

    settings = Settings(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse")
    with Ops(settings) as o:
        o.officer("O1", "ST1", name="王伟").person("350203199001011234", "王伟", "13812345678")
        o.person("35020319850505432X", "李秀英", "13987654321")
    ids, phones, names = known_persons(settings.ops_path)
    assert names == {"李秀英"}
    assert scan_text("责任民警：王伟", "page", names, ids, phones) == []
    assert [f.kind for f in scan_text("居民李秀英", "page", names, ids, phones)] == ["name"]
