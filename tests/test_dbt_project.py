"""The dbt project: `dbt build` (models, data tests and unit tests) and `dbt docs generate` pass on a
tiny operational store, and the project keeps its conventions (sources only in staging, everything
documented, no personal-data column anywhere, the marts of SPEC section 7)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from opsdata import D0, Ops, completion, local, write_completions
from standard_parts.analytics import prepare_build_file, run_dbt
from standard_parts.completions import run_stage

DBT = Path(__file__).resolve().parents[1] / "dbt"
SPEC_MARTS = {"fct_tasks", "completion_rate_daily", "officer_scorecard", "work_code_summary", "quarantine_summary"}
# Residents' data. officer_name is not in it: officers' display names are work identities (SPEC 7)
# that the report shows (dim_officers, rpt_open_tasks, rpt_officer_month).
PERSONAL = {"id_number", "owner_id_number", "phone", "name", "raw", "detail", "address"}


@pytest.fixture(scope="module")
def dbt_run(tmp_path_factory):
    """`dbt build` with unit tests, then `dbt docs generate`, into a scratch build file."""
    from standard_parts.config import Settings

    root = tmp_path_factory.mktemp("dbt")
    settings = Settings(landing=root / "landing", warehouse=root / "warehouse")
    with Ops(settings) as o:
        o.station("ST1").community("C1", "ST1").officer("O1", "ST1")
        o.task("T1").task("T2", part="FRAUD-DISSUADE").task("T3", run_date=D0 + timedelta(days=1))
        o.generation_stats(D0, "HOUSE-OVER10", 2, merged_away=1)
    write_completions(settings.landing, D0, [completion("C1", "T1", local(D0, 10), handoff="urban_management")])
    run_stage(settings, D0)
    scratch = root / "scratch"
    scratch.mkdir()
    build_db = scratch / "build.duckdb"
    prepare_build_file(build_db, settings)
    with pytest.MonkeyPatch.context() as mp:  # dbt's artifacts into scratch/, whatever the environment says
        mp.delenv("DBT_TARGET_PATH", raising=False)
        mp.delenv("DBT_LOG_PATH", raising=False)
        built = run_dbt(settings, ["build"], build_db, date(2026, 10, 3), scratch)
        run_dbt(settings, ["docs", "generate"], build_db, date(2026, 10, 3), scratch)
    target = scratch / "target"
    return built, json.loads((target / "manifest.json").read_text()), json.loads((target / "catalog.json").read_text())


def test_build_runs_models_data_tests_and_unit_tests(dbt_run):
    built, manifest, _ = dbt_run
    kinds: dict[str, int] = {}
    for r in built.result.results:
        kinds[r.node.resource_type] = kinds.get(r.node.resource_type, 0) + 1
        assert str(r.status).lower() in ("success", "pass"), (r.node.unique_id, r.status, r.message)
    assert kinds.get("model", 0) >= 25 and kinds.get("test", 0) >= 50 and kinds.get("unit_test", 0) >= 8, kinds
    unit_tests = " ".join(manifest["unit_tests"])
    for edge in ("late", "overdue", "not_yet_due", "exactly_at_due_at", "evidence", "followup",
                 "required_step", "resent_completion", "latest_valid_completion", "later_arrival",
                 "thresholds_at_their_boundaries", "later_months"):
        assert edge in unit_tests, edge


def test_marts_are_the_contract_and_tables(dbt_run):
    _, manifest, _ = dbt_run
    marts = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["schema"] == "marts"}
    assert SPEC_MARTS | {"generation_stats", "handoffs_monthly"} <= set(marts)
    assert all(n["config"]["materialized"] == "table" for n in marts.values())
    required = {
        "fct_tasks": {"task_id", "standard_part_id", "category", "object_type", "object_id", "station_id",
                      "community_id", "officer_id", "issued_at", "due_at", "completed_at", "status", "work_code",
                      "departments"},
        "completion_rate_daily": {"as_of_date", "station_id", "standard_part_id", "tasks_due", "tasks_completed",
                                  "tasks_on_time", "completion_rate", "on_time_rate"},
        "officer_scorecard": {"month", "officer_id", "station_id", "tasks_coded", "green", "yellow", "red",
                              "completion_rate", "officer_code"},
        "work_code_summary": {"as_of_date", "station_id", "green", "yellow", "red", "pending"},
        "quarantine_summary": {"run_date", "feed", "reason", "rows"},
        "generation_stats": {"run_date", "standard_part_id", "candidates", "merged_away", "suppressed_open",
                             "suppressed_cooldown", "issued", "unassignable"},
        # SPEC 12
        "handoff_sla_monthly": {"month", "department", "handoffs", "acknowledged", "acknowledged_on_time",
                                "resolved", "resolved_on_time", "rejected", "open_overdue"},
        "escalations": {"task_id", "station_id", "standard_part_id", "officer_id", "escalated_on",
                        "leader_officer_id", "completed_at"},
    }
    for name, columns in required.items():
        assert columns <= set(marts[name]["columns"]), (name, columns - set(marts[name]["columns"]))


def test_every_model_and_column_is_documented(dbt_run):
    _, manifest, catalog = dbt_run
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        assert node["description"].strip(), uid
        documented = {c for c, spec in node["columns"].items() if spec["description"].strip()}
        actual = {c.lower() for c in catalog["nodes"][uid]["columns"]}
        assert actual == documented, (uid, actual ^ documented)


def test_sources_only_in_staging_and_no_personal_columns(dbt_run):
    _, manifest, catalog = dbt_run
    for path in (DBT / "models").rglob("*.sql"):
        text = path.read_text(encoding="utf-8")
        if "source(" in text:
            assert path.parent.name == "staging", path
        if path.parent.name == "staging":
            assert path.stem.startswith(("stg_ops__", "stg_ingest__", "stg_catalogue__")), path
    for uid, node in catalog["nodes"].items():
        assert not PERSONAL & {c.lower() for c in node["columns"]}, uid
    # staging reads the pseudonym, never the internal object id of ops.tasks
    tasks_sql = (DBT / "models" / "staging" / "stg_ops__tasks.sql").read_text()
    assert re.search(r"object_key as object_id", tasks_sql) and "    object_id," not in tasks_sql


def test_profile_takes_paths_from_the_vars():
    """No environment variable is set around a build: the profile reads what run_dbt passes as --vars."""
    profile = yaml.safe_load((DBT / "profiles.yml").read_text())["standard_parts"]["outputs"]["build"]
    assert profile["type"] == "duckdb" and profile["threads"] == 1
    assert "var('build_path'" in profile["path"]
    (attach,) = profile["attach"]
    assert attach["alias"] == "ops_store" and attach["read_only"] is True
    assert "var('ops_path'" in attach["path"]
    assert "var('duckdb_memory_limit'" in profile["settings"]["memory_limit"]
    assert "env_var" not in (DBT / "profiles.yml").read_text()
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text())
    assert {"as_of_date", "red_share_threshold", "yellow_share_threshold"} <= set(project["vars"])
