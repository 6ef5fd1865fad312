"""`make airflow` (scripts/airflow-standalone.sh): the set-up leaves nothing missing.

The script's --setup mode does everything but start `airflow standalone`: the metadata database, the
duckdb_writer pool, the login and a demo landing folder ending yesterday. Then the DAG's first task
check reports a pool that someone deleted, with the command that fixes it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_setup_creates_pool_login_and_a_landing_the_dag_accepts(tmp_path, monkeypatch):
    env = {**os.environ, "VENV_BIN": str(BIN), "DATA": str(tmp_path), "AIRFLOW_DEMO_RESIDENTS": "1000",
           "AIRFLOW_DEMO_DAYS": "2", "PATH": f"{BIN}:{os.environ['PATH']}",
           "PYTHONPATH": str(REPO / "include")}
    for name in ("AIRFLOW_HOME", "STANDARD_PARTS_LANDING", "STANDARD_PARTS_WAREHOUSE", "STANDARD_PARTS_PUBLISH"):
        env.pop(name, None)
    done = subprocess.run(["bash", str(REPO / "scripts" / "airflow-standalone.sh"), "--setup"], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    home = tmp_path / "airflow"
    password = json.loads((home / "passwords.json").read_text())["admin"]
    assert f"Airflow UI:  http://localhost:8080   (login: admin / {password})" in done.stdout
    assert "pool duckdb_writer (1 slot) is in place" in done.stdout

    af_env = {**env, "AIRFLOW_HOME": str(home)}
    pools = subprocess.run([str(BIN / "airflow"), "pools", "get", "duckdb_writer", "--output", "json"], env=af_env,
                           capture_output=True, text=True, check=True)
    assert json.loads(pools.stdout)[0]["slots"] in (1, "1")

    # The demo landing ends yesterday (the date the first scheduled run processes) and passes the checks.
    from standard_parts.config import Settings
    from standard_parts.inputs import preflight

    yesterday = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)
    settings = Settings(landing=tmp_path / "airflow-landing", warehouse=tmp_path / "airflow-warehouse")
    assert preflight(settings, yesterday) == []

    # A pool deleted later: the DAG's first task says so, naming the fix.
    from standard_parts.airflow_pool import PoolMissing, require_writer_pool

    subprocess.run([str(BIN / "airflow"), "pools", "delete", "duckdb_writer"], env=af_env, capture_output=True,
                   check=True)
    monkeypatch.setenv("AIRFLOW_HOME", str(home))
    monkeypatch.setenv("PATH", f"{BIN}:{os.environ['PATH']}")
    with pytest.raises(PoolMissing, match=r'airflow pools set duckdb_writer 1 "DuckDB single writer"'):
        require_writer_pool()
