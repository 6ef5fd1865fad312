"""Every DAG file imports cleanly and follows the team's policies (owner, retries, tags, timezone)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    os.environ["AIRFLOW_HOME"] = str(tmp_path_factory.mktemp("airflow_home"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {"standard_parts_nightly"}  # no province config: today's one DAG


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
    # check_inputs stays outside the pool so that it can report a missing pool (it takes the file lock itself)
    assert all(t.pool == "duckdb_writer" for t in dag.tasks if t.task_id not in ("leadership_report", "check_inputs"))
    assert dag.get_task("check_inputs").downstream_task_ids == {"ingest_org"}
    assert not dag.get_task("check_inputs").upstream_task_ids
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
                              "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # a worktree's own package
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
    # every task runs its stage through one helper, which fails fast on a gate
    assert source.count("with gate_failures_fail_the_task():") == 1
    assert source.count("_stage(") >= 1 + source.count("@task")


# ------------------------------------------------------------------ province (SPEC section 10)

@pytest.fixture(scope="module")
def province_dagbag(tmp_path_factory, dagbag):
    """The DAG folder parsed with a nine-city province config (Fujian's count)."""
    from airflow.dag_processing.dagbag import DagBag
    from standard_parts.province.demo import demo_cities, write_config

    config = write_config(tmp_path_factory.mktemp("province"), demo_cities(9, 1000))
    os.environ["STANDARD_PARTS_PROVINCE_CONFIG"] = str(config)
    try:
        yield DagBag(dag_folder=str(DAGS))
    finally:
        del os.environ["STANDARD_PARTS_PROVINCE_CONFIG"]


CITIES = ["fuzhou", "xiamen", "quanzhou", "zhangzhou", "putian", "sanming", "nanping", "longyan", "ningde"]


def test_province_yields_one_nightly_dag_per_city_and_the_rollup(province_dagbag):
    assert province_dagbag.import_errors == {}
    assert set(province_dagbag.dags) == {f"standard_parts_nightly_{c}" for c in CITIES} | {
        "standard_parts_province_rollup"}
    test_policies(province_dagbag)


def test_city_dags_are_todays_dag_routed_to_the_citys_queue_and_pool(province_dagbag, dagbag):
    single = dagbag.dags["standard_parts_nightly"]
    shape = {t.task_id: sorted(t.upstream_task_ids) for t in single.tasks}
    for city in CITIES:
        dag = province_dagbag.dags[f"standard_parts_nightly_{city}"]
        assert {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks} == shape
        assert dag.timetable.expression == single.timetable.expression
        assert {t.queue for t in dag.tasks} == {city}
        assert {t.task_id: t.pool for t in dag.tasks} == {
            t.task_id: (f"duckdb_writer_{city}" if t.pool == "duckdb_writer" else t.pool) for t in single.tasks}
        assert {t.task_id: t.retries for t in dag.tasks} == {t.task_id: t.retries for t in single.tasks}
        assert dag.params["city"] == city
        outlets = dag.get_task("build_analytics").outlets
        assert [a.uri for a in outlets] == [f"standard_parts://{city}/analytics.duckdb"]
    assert [a.uri for a in single.get_task("build_analytics").outlets] == ["standard_parts://warehouse/analytics.duckdb"]
    assert {t.queue for t in single.tasks} == {"default"}


def test_the_rollup_is_scheduled_on_the_cities_analytics_assets(province_dagbag):
    from airflow.sdk import AssetAny

    dag = province_dagbag.dags["standard_parts_province_rollup"]
    condition = dag.timetable.asset_condition
    assert isinstance(condition, AssetAny)  # any city's new analyst file; a late city never blocks it
    assert sorted(a.uri for a in condition.objects) == sorted(f"standard_parts://{c}/analytics.duckdb"
                                                             for c in CITIES)
    assert [t.task_id for t in dag.tasks] == ["province_rollup"]


def test_a_city_tasks_settings_are_the_citys(tmp_path, monkeypatch):
    from standard_parts.orchestration import task_settings
    from standard_parts.province.demo import demo_cities, write_config

    config = write_config(tmp_path, demo_cities(2, 1000))
    monkeypatch.setenv("STANDARD_PARTS_PROVINCE_CONFIG", str(config))
    monkeypatch.setenv("STANDARD_PARTS_WAREHOUSE", "/single/city")
    xiamen = task_settings("xiamen")
    assert xiamen.warehouse == tmp_path / "xiamen" / "warehouse"
    assert xiamen.publish == f"folder:{tmp_path / 'xiamen' / 'publish'}"
    assert str(task_settings(None).warehouse) == "/single/city"
    with pytest.raises(KeyError, match="no city 'wuhan'"):
        task_settings("wuhan")


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_files_import_nothing_heavy_with_nine_cities(path, tmp_path):
    from standard_parts.province.demo import demo_cities, write_config

    config = write_config(tmp_path, demo_cities(9, 1000))
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        "heavy = [m for m in ('pandas', 'duckdb', 'great_expectations', 'dbt', 'plotly') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={"AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
                              "STANDARD_PARTS_PROVINCE_CONFIG": str(config),
                              "AIRFLOW_HOME": str(tmp_path / "airflow")})
    assert out.stdout.strip() == "", f"{path.name} imports {out.stdout.strip()} at parse time"


def test_readme_glossary_names_every_stage_and_task_once(dagbag, tmp_path):
    """The README glossary is the one list of names: night()'s stages and the DAG's task ids, in order."""
    import re
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import INGEST_ORDER, night

    readme = (DAGS.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Glossary: one name per stage", 1)[1].split("\n\n")[2]
    stages, task_ids = [], []
    for row in table.splitlines()[2:]:
        stage, task_id = (re.findall(r"`([^`]+)`", cell)[0] for cell in row.split("|")[1:3])
        expand = [stage.replace("<feed>", f) for f in INGEST_ORDER] if "<feed>" in stage else [stage]
        stages += expand
        task_ids += [task_id.replace("<feed>", f) for f in INGEST_ORDER] if "<feed>" in task_id else [task_id]
    settings = Settings(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse")
    assert stages == [name for name, _ in night(settings, date(2026, 10, 1))]
    assert sorted(task_ids) == sorted(dagbag.dags["standard_parts_nightly"].task_ids)
