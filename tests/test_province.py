"""`standard-parts province run` over two differently seeded small cities (and one with no data):

* each city's warehouse holds exactly what a single-city `standard-parts run` gives (every mart,
  every published package), with the city's own pseudonym key;
* the roll-up's marts reconcile with the cities' own marts (sums, rates recomputed from sums);
* the failing city does not stop the others, is marked in the roll-up, and the exit status is 2;
* the Chinese province report draws in headless Chromium, offline, and links every city's report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "standard-parts")
START, END = "2026-10-01", "2026-10-02"
KEYS = {"amoy": "amoy-secret-key", "shared": "the-shared-key"}
WALL_CLOCK = {"checked_at"}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("STANDARD_PARTS_")}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env={**base, **(env or {})}, timeout=1200)


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    from standard_parts.province.demo import DemoCity, generate_province

    folder = tmp_path_factory.mktemp("province")
    cities = [DemoCity("amoy", "厦门市", 2000, 11), DemoCity("min_hou", "福州市", 2600, 23)]
    config = generate_province(folder, cities, date.fromisoformat(START), 2, completions=True)
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    # a third city whose landing never delivered anything: its nights are refused (exit 2)
    doc["cities"].append({"id": "dry", "name": "空城市", "landing": "./dry/landing", "warehouse": "./dry/warehouse"})
    (folder / "dry" / "landing").mkdir(parents=True)
    config.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def province_run(province):
    return cli("province", "run", "--config", str(province), "--from", START, "--to", END, "--workers", "2",
               env={"STANDARD_PARTS_PSEUDONYM_KEY": KEYS["shared"], "STANDARD_PARTS_PSEUDONYM_KEY__AMOY": KEYS["amoy"]})


@pytest.fixture(scope="module")
def single_runs(province, province_run, tmp_path_factory) -> dict[str, Path]:
    """Each good city alone, through the single-city command, into another folder."""
    out = {}
    root = tmp_path_factory.mktemp("single")
    for city, key in (("amoy", KEYS["amoy"]), ("min_hou", KEYS["shared"])):
        warehouse = root / city
        res = cli("run", "--landing", str(province.parent / city / "landing"), "--warehouse", str(warehouse),
                  "--from", START, "--to", END, "--publish", f"folder:{root / city / 'publish'}",
                  env={"STANDARD_PARTS_PSEUDONYM_KEY": key})
        assert res.returncode == 0, res.stderr[-3000:]
        out[city] = warehouse
    return out


def marts(path: Path) -> dict[str, list]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' order by 1").fetchall()]
        out = {}
        for table in tables:
            cols = [r[0] for r in con.execute("select column_name from information_schema.columns where "
                                              "table_schema = 'marts' and table_name = ? order by ordinal_position",
                                              [table]).fetchall() if r[0] not in WALL_CLOCK]
            out[table] = sorted(map(repr, con.execute(f"select {', '.join(cols)} from marts.{table}").fetchall()))
    return out


def test_a_failing_city_does_not_stop_the_others_and_the_exit_status_says_so(province, province_run):
    assert province_run.returncode == 2, province_run.stdout + province_run.stderr[-3000:]
    lines = [line for line in province_run.stdout.splitlines() if line.startswith("2026-")]
    assert len(lines) == 6
    for day in (START, END):
        assert any(line.startswith(f"{day} amoy ") and line.endswith("ok") for line in lines)
        assert any(line.startswith(f"{day} min_hou ") and line.endswith("ok") for line in lines)
        assert any(line.startswith(f"{day} dry ") and "FAILED (exit 2)" in line and "no landing file of any feed" in line
                   for line in lines)


def test_each_city_equals_its_single_city_run(province, province_run, single_runs):
    for city, warehouse in single_runs.items():
        mine = province.parent / city / "warehouse"
        a, b = marts(mine / "analytics.duckdb"), marts(warehouse / "analytics.duckdb")
        assert set(a) == set(b)
        for table in a:
            assert a[table] == b[table], f"{city}: marts.{table} differs"
        assert len(a["fct_tasks"]) > 20 and len(a["completion_rate_daily"]) > 5
        # the same packages, byte for byte (the city's key decides the pseudonyms in them)
        published = sorted(p.relative_to(province.parent / city / "publish")
                           for p in (province.parent / city / "publish").rglob("*.json"))
        assert published == sorted(p.relative_to(warehouse / "publish") for p in (warehouse / "publish").rglob("*.json"))
        for rel in published:
            assert (province.parent / city / "publish" / rel).read_bytes() == (warehouse / "publish" / rel).read_bytes()
        assert sorted(p.name for p in (mine / "reports").iterdir()) == sorted(
            p.name for p in (warehouse / "reports").iterdir())
    # the cities really are different cities (different seeds), and some work was completed
    amoy, min_hou = (marts(province.parent / c / "warehouse" / "analytics.duckdb") for c in ("amoy", "min_hou"))
    assert amoy["fct_tasks"] != min_hou["fct_tasks"]
    # amoy's person tasks carry pseudonyms keyed with amoy's own key (the single run used only that
    # key): equal marts above prove the province run picked STANDARD_PARTS_PSEUDONYM_KEY__AMOY
    assert any("'person'" in row for row in amoy["fct_tasks"])


def city_sums(warehouse: Path) -> tuple[dict, dict, dict]:
    """The roll-up computed here, from the city's own marts, independently of the roll-up SQL."""
    city, station, codes = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0] * 4)
    with duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True) as con:
        for d, st, due, done, on_time in con.execute(
                "select as_of_date, station_id, tasks_due, tasks_completed, tasks_on_time "
                "from marts.completion_rate_daily").fetchall():
            for acc in (city[d], station[(d, st)]):
                acc[0] += due
                acc[1] += done
                acc[2] += on_time
        for d, g, y, r, p in con.execute("select as_of_date, green, yellow, red, pending "
                                         "from marts.work_code_summary").fetchall():
            for i, v in enumerate((g, y, r, p)):
                codes[d][i] += v
    return city, station, codes


def rate(n, due):
    return n / due if due else None


def test_the_rollup_reconciles_with_the_cities_marts(province, province_run):
    root = province.parent
    with duckdb.connect(str(root / "province" / "province.duckdb"), read_only=True) as con:
        got_city = {(r[0], r[1]): r[2:] for r in con.execute(
            "select as_of_date, city_id, city_name, tasks_due, tasks_completed, tasks_on_time, completion_rate, "
            "on_time_rate from marts.city_completion_daily").fetchall()}
        got_station = {(r[0], r[1], r[2]): r[3:] for r in con.execute(
            "select as_of_date, city_id, station_id, tasks_due, tasks_completed, tasks_on_time, completion_rate, "
            "on_time_rate from marts.station_completion_daily").fetchall()}
        got_codes = {(r[0], r[1]): r[2:] for r in con.execute(
            "select as_of_date, city_id, green, yellow, red, pending from marts.city_work_code_daily").fetchall()}
        fresh = {r[0]: r[1:] for r in con.execute(
            "select city_id, newest_run_date, state, stale from marts.city_freshness").fetchall()}
        columns = {r[0] for r in con.execute("select column_name from information_schema.columns").fetchall()}
    want_city, want_station, want_codes = {}, {}, {}
    names = {"amoy": "厦门市", "min_hou": "福州市"}
    for city in ("amoy", "min_hou"):
        c, s, w = city_sums(root / city / "warehouse")
        for d, (due, done, on_time) in c.items():
            want_city[(d, city)] = (names[city], due, done, on_time, rate(done, due), rate(on_time, due))
        for (d, st), (due, done, on_time) in s.items():
            want_station[(d, city, st)] = (due, done, on_time, rate(done, due), rate(on_time, due))
        for d, v in w.items():
            want_codes[(d, city)] = tuple(v)
    assert got_city == want_city
    assert got_station == want_station
    assert got_codes == want_codes
    # a row for each city and each as-of date its analyst file holds; the dry city has none
    assert {k[0] for k in got_city} == {date(2026, 10, 1), date(2026, 10, 2)}
    assert any(v[2] > 0 for v in want_city.values()), "some tasks were completed"
    assert fresh == {"amoy": (date(2026, 10, 2), "succeeded", False),
                     "min_hou": (date(2026, 10, 2), "succeeded", False),
                     "dry": (None, "missing", True)}
    assert not columns & {"id_number", "phone", "name", "person_name", "owner_id_number"}


def test_rollup_alone_rebuilds_the_same_marts(province, province_run, tmp_path):
    db = province.parent / "province" / "province.duckdb"
    before = marts(db)
    copy = tmp_path / "before.duckdb"
    shutil.copy(db, copy)
    res = cli("province", "rollup", "--config", str(province), "--date", END)
    assert res.returncode == 0, res.stderr[-3000:]
    after = marts(db)
    for table in ("city_completion_daily", "station_completion_daily", "city_work_code_daily"):
        assert after[table] == before[table]
    # without this run's outcomes the dry city is still "missing" (the gate's message is known
    # only to the run itself); the others succeeded on END
    with duckdb.connect(str(db), read_only=True) as con:
        fresh = con.execute("select city_id, newest_run_date, state, stale, message from marts.city_freshness "
                            "order by city_id").fetchall()
    assert fresh == [("amoy", date(2026, 10, 2), "succeeded", False, None), ("dry", None, "missing", True,
                      "no analytics.duckdb yet"), ("min_hou", date(2026, 10, 2), "succeeded", False, None)]
    assert "no landing file of any feed is dated" in "".join(before["city_freshness"])
    parquet = sorted(p.relative_to(province.parent / "province" / "exports").parts[:3]
                     for p in (province.parent / "province" / "exports").rglob("*.parquet"))
    assert ("completion_rate_daily", "city_id=amoy", "as_of_date=2026-10-01") in parquet
    assert ("work_code_summary", "city_id=min_hou", "as_of_date=2026-10-02") in parquet
    assert not any("dry" in part for p in parquet for part in p)


def test_the_province_report_draws_offline_and_links_every_city(province, province_run):
    sys.path.insert(0, str(Path(__file__).parent))
    from browser import Browser

    report = province.parent / "province" / "reports" / END / "province.html"
    html = report.read_text(encoding="utf-8")
    assert "福建省标准件工作质效对比" in html and "各市排名" in html
    for city in ("amoy", "min_hou"):
        link = f"../../../{city}/warehouse/reports/{END}/leadership.html"
        assert f'href="{link}"' in html
        assert (report.parent / link).resolve().exists()
    assert "空城市" in html and "无数据" in html
    with Browser(width=1300, height=2400) as browser:
        page = browser.open(report)
    assert page.expected == page.drawn == page.declared == 3, page
    assert not page.console_errors and not page.exceptions
    assert all(u.startswith(("file://", "data:")) for u in page.requests), page.requests
    assert "厦门市" in page.text and "福州市" in page.text
