"""Every DAG file imports cleanly and follows the team's policies (owner, retries, tags, timezone)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    import os

    os.environ["AIRFLOW_HOME"] = str(tmp_path_factory.mktemp("airflow_home"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "standard_parts_nightly" in dagbag.dags


def test_policies(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md, dag_id
        assert dag.catchup is False, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert str(dag.timezone.name if hasattr(dag.timezone, "name") else dag.timezone) == "Asia/Shanghai", dag_id
        for task in dag.tasks:
            assert task.owner == "police-data-platform", (dag_id, task.task_id)
            assert task.retries >= 1, (dag_id, task.task_id)


def test_nightly_schedule_and_writer_pool(dagbag):
    dag = dagbag.dags["standard_parts_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"
    assert all(t.pool == "duckdb_writer" for t in dag.tasks if t.task_id != "leadership_report")
    # Gates stop dependents: analytics waits for every ingest task.
    upstream = dag.get_task("build_analytics").get_flat_relative_ids(upstream=True)
    assert {f"ingest_{f}" for f in ("org", "population", "venues", "antifraud", "instructions")} <= upstream


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_file_imports_nothing_heavy(path):
    """Parsing a DAG file must not import pandas, duckdb, dbt, GX or plotly."""
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        "heavy = [m for m in ('pandas', 'duckdb', 'great_expectations', 'dbt', 'plotly') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={"AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": "/usr/bin:/bin",
                              "AIRFLOW_HOME": str(path.parent.parent / ".pytest_cache" / "airflow")})
    assert out.stdout.strip() == "", f"{path.name} imports {out.stdout.strip()} at parse time"


def test_a_failed_gate_fails_the_task_without_retries():
    """Retrying bad data only delays the alarm: a GateFailure becomes AirflowFailException (no
    retry); any other error stays as it is (retried by the DAG's policy)."""
    from airflow.sdk.exceptions import AirflowFailException
    from standard_parts.errors import GateFailure, UnreadableFile
    from standard_parts.orchestration import gate_failures_fail_the_task

    for failure in (GateFailure("ingest.persons", "2 expectation(s) failed"),
                    UnreadableFile("org", "org/2026-10-01/stations.csv", 3, "header")):
        with pytest.raises(AirflowFailException, match=r"^\[gate ") as info:
            with gate_failures_fail_the_task():
                raise failure
        assert info.value.__cause__ is failure
    with pytest.raises(OSError):
        with gate_failures_fail_the_task():
            raise OSError("disk full")


def test_every_gated_task_fails_fast():
    source = (DAGS / "standard_parts_nightly.py").read_text()
    assert source.count("with gate_failures_fail_the_task():") == 5  # feeds, completions, tasks, hand-off events, marts
