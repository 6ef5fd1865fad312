"""`make live`'s script: a real Airflow CeleryExecutor deployment (PostgreSQL metadata DB, Redis
broker, two Celery workers) runs a 3-city province for two nights, one worker killed with
SIGKILL mid-task, and the results equal a plain `standard-parts province run`.

Slow (minutes): runs in CI's second step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict, Path]:
    out = tmp_path_factory.mktemp("live")
    env = {**os.environ, "PYTHONPATH": str(REPO / "include")}
    res = subprocess.run([sys.executable, str(REPO / "scripts" / "live.py"), "--out", str(out)],
                         capture_output=True, text=True, env=env, timeout=3600)
    summary = json.loads((out / "summary.json").read_text())
    return res, summary, out


def test_every_check_held(live):
    res, summary, _ = live
    assert res.returncode == 0, res.stdout[-4000:] + json.dumps(summary, indent=1)[:4000]
    assert summary["ok"] is True
    assert (summary["executor"], summary["metadata_db"], summary["broker"]) == ("CeleryExecutor", "postgresql", "redis")
    assert summary["workers"] == 2 and summary["nights"] == 2
    assert summary["cities"] == ["fuzhou", "xiamen", "quanzhou"]
    assert summary["worker_killed"] is True and summary["results_equal"] is True
    assert isinstance(summary["seconds"], float) and summary["seconds"] > 0


def test_every_dag_run_succeeded(live):
    _, summary, _ = live
    runs = summary["dag_runs"]
    nightly = sorted((r["dag_id"], r["run_id"]) for r in runs if r["dag_id"].startswith("standard_parts_nightly_"))
    assert nightly == sorted((f"standard_parts_nightly_{c}", f"live_2026-10-0{d}")
                             for c in summary["cities"] for d in (1, 2))
    assert any(r["dag_id"] == "standard_parts_province_rollup" for r in runs)
    assert {r["state"] for r in runs} == {"success"}
    assert summary["checks"]["import_errors"] == 0
    assert summary["checks"]["rollup_exists"] is True
    assert summary["checks"]["workers_warm"] is True  # tasks forked from warm workers (standard_parts.warm)


def test_the_killed_task_was_retried_and_succeeded(live):
    _, summary, _ = live
    killed = summary["killed"]
    assert killed["dag_id"].startswith("standard_parts_nightly_")
    assert killed["final_state"] == "success"
    assert killed["final_try_number"] > killed["try_number"]


def test_each_city_equals_the_plain_province_run(live):
    _, summary, _ = live
    cities = summary["checks"]["cities"]
    assert sorted(cities) == sorted(summary["cities"])
    for city, check in cities.items():
        assert check["equal"] and check["task_sets_equal"] and not check["differing_tables"], city
        assert check["tasks"] > 0 and check["tables"] >= 10


def test_everything_started_was_stopped_and_the_database_dropped(live):
    _, summary, out = live
    home = str(out / "work" / "airflow_home")
    left = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if f"AIRFLOW_HOME={home}".encode() in (proc / "environ").read_bytes():
                    left.append(proc.name)
            except OSError:
                continue
    assert left == []
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=summary["postgres_port"], user="postgres", dbname="postgres") as con:
        found = con.execute("select 1 from pg_database where datname = %s", [summary["metadata_database"]]).fetchall()
    assert found == []
