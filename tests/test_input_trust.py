"""Input trust (SPEC sections 3.1 and 8): every refusal, built from a generated city.

Each refusal asserts exit status 2, a message naming the gate, feed, file, date and figures, and
that the operational store (every table but the outcome records), the published packages and the
analyst file are exactly as they were before the refused run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.integration

D1, D2, D3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
# Outcome records a failed or refused date adds by design (SPEC 3.1: "recorded").
RECORDS = {("ingest", "gate_results"), ("ingest", "run_dates")}


def _env(monkeypatch) -> None:
    for name in ("LANDING", "WAREHOUSE", "PUBLISH", "PRODUCTION", "PSEUDONYM_KEY", "MAX_SNAPSHOT_DROP",
                 "MAX_SNAPSHOT_AGE_DAYS__POPULATION", "ACCEPT_DROP"):
        monkeypatch.delenv(f"STANDARD_PARTS_{name}", raising=False)


def cli(*args: str):
    from standard_parts.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def run(world: dict, day: date, *extra: str):
    return cli("run", "--landing", str(world["landing"]), "--warehouse", str(world["warehouse"]),
               "--from", day.isoformat(), "--publish", f"folder:{world['outbox']}", *extra)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict:
    """A generated city of three days, with night D1 run (marts and report built)."""
    import os

    for name in ("LANDING", "WAREHOUSE", "PUBLISH"):
        os.environ.pop(f"STANDARD_PARTS_{name}", None)
    from standard_parts.demo.city import generate_city

    root = tmp_path_factory.mktemp("trust-city")
    generate_city(root / "landing", 1000, D1, 3, seed=7)
    world = {"landing": root / "landing", "warehouse": root / "warehouse", "outbox": root / "outbox"}
    result = run(world, D1)
    assert result.exit_code == 0, result.output
    return world


@pytest.fixture
def world(city, tmp_path, monkeypatch) -> dict:
    """A private copy of the city after night D1."""
    _env(monkeypatch)
    copy = {}
    for key, path in city.items():
        copy[key] = tmp_path / key
        shutil.copytree(path, copy[key], symlinks=True)
    return copy


def state(world: dict) -> dict:
    """Everything a refused date must leave as it was: every operational table's rows (but the
    outcome records), the analyst file's bytes and every published package's bytes."""
    out: dict = {}
    with duckdb.connect(str(world["warehouse"] / "operational.duckdb"), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        for schema, table in tables:
            if (schema, table) in RECORDS:
                continue
            rows = con.execute(f'select * from "{schema}"."{table}" order by all').fetchall()
            out[f"{schema}.{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    out["analytics.duckdb"] = hashlib.sha256((world["warehouse"] / "analytics.duckdb").read_bytes()).hexdigest()
    out["packages"] = {str(p.relative_to(world["outbox"])): hashlib.sha256(p.read_bytes()).hexdigest()
                       for p in sorted(world["outbox"].rglob("*")) if p.is_file()}
    out["latest.html"] = (world["warehouse"] / "reports" / "latest.html").read_bytes()
    return out


def status(world: dict) -> dict:
    result = cli("status", "--warehouse", str(world["warehouse"]), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def date_status(world: dict, day: date) -> dict:
    return next(d for d in status(world)["dates"] if d["run_date"] == day.isoformat())


def _refused(world: dict, day: date, gate: str, *extra: str) -> str:
    before = state(world)
    result = run(world, day, *extra)
    assert result.exit_code == 2, result.output
    after = state(world)
    # nothing of the date reached the store, the packages or the analyst file; the newest good
    # report may be rendered again (for its banner), but it stays the report of the same date
    assert {k: v for k, v in after.items() if k != "latest.html"} == {
        k: v for k, v in before.items() if k != "latest.html"}
    message = " ".join(result.output.split())
    assert f"[gate {gate}]" in message
    row = date_status(world, day)
    assert row["state"] == "failed" and row["failed_gate"] == gate
    # the same document is in run_status.json (the report's banner reads it)
    assert json.loads((world["warehouse"] / "run_status.json").read_text()) == status(world)
    return message


def test_truncated_snapshot_is_refused_then_accepted_with_accept_drop(world):
    persons = world["landing"] / "population" / D2.isoformat() / "persons.csv"
    lines = persons.read_text(encoding="utf-8").splitlines(keepends=True)
    before_rows = len((world["landing"] / "population" / D1.isoformat() / "persons.csv")
                      .read_text(encoding="utf-8").splitlines()) - 1
    kept = (len(lines) - 1) // 2
    persons.write_text("".join(lines[: 1 + kept]), encoding="utf-8")

    message = _refused(world, D2, "inputs.volume")
    assert "population/2026-10-02/persons.csv" in message
    assert f"{kept:,} data rows against {before_rows:,}" in message
    assert "population/2026-10-01/persons.csv" in message and "limit 20%" in message
    assert "--accept-drop population/persons.csv" in message
    gates = {g["gate"]: g for g in date_status(world, D2)["gates"]}
    assert gates["inputs.volume.population"]["success"] is False

    result = run(world, D2, "--accept-drop", "population/persons.csv")
    assert result.exit_code == 0, result.output
    row = date_status(world, D2)
    assert row["state"] == "succeeded" and row["accepted_drops"] == ["population/persons.csv"]
    accepted = {g["gate"]: g for g in row["gates"]}["inputs.volume.population.persons"]
    assert accepted["success"] is True and "accepted by the operator" in accepted["summary"]
    files = {f["file"]: f for f in row["files"]}
    assert files["population/2026-10-02/persons.csv"]["rows_read"] == kept
    # From this successful build on, analysts see the refusal and the acceptance.
    with duckdb.connect(str(world["warehouse"] / "analytics.duckdb"), read_only=True) as con:
        seen = sorted(con.execute("select split_part(gate, ' @ ', 1), success from marts.gate_results "
                                  "where run_date = ? and gate like 'inputs.%'", [D2]).fetchall())
    assert seen == [("inputs.volume.population", False), ("inputs.volume.population.persons", True)]


def test_accept_drop_must_name_a_snapshot_file(world):
    result = run(world, D2, "--accept-drop", "population/people.csv")
    assert result.exit_code == 2 and "names no snapshot file" in result.output


def test_stale_snapshot_is_refused(world, monkeypatch):
    shutil.rmtree(world["landing"] / "population" / D2.isoformat())
    monkeypatch.setenv("STANDARD_PARTS_MAX_SNAPSHOT_AGE_DAYS__POPULATION", "0")  # env honoured; flags win
    message = _refused(world, D2, "inputs.age")
    assert "population/2026-10-01/houses.csv is 1 days older than run date 2026-10-02 (limit 0 days" in message
    assert "population/2026-10-01/persons.csv" in message


def test_snapshot_within_age_limit_is_used(world):
    shutil.rmtree(world["landing"] / "population" / D2.isoformat())
    result = run(world, D2)
    assert result.exit_code == 0, result.output
    assert date_status(world, D2)["snapshots"]["population"] == D1.isoformat()


def test_missing_daily_file_fails_the_date(world):
    (world["landing"] / "antifraud" / D2.isoformat() / "alerts.jsonl").unlink()
    message = _refused(world, D2, "inputs.delivery")
    assert "antifraud: antifraud/2026-10-02/alerts.jsonl is missing for run date 2026-10-02" in message
    assert "last delivered on 2026-10-01" in message


def test_empty_daily_file_is_a_delivery(world):
    (world["landing"] / "antifraud" / D2.isoformat() / "alerts.jsonl").write_text("")
    (world["landing"] / "instructions" / D2.isoformat() / "instructions.csv").write_text(
        "instruction_id,department,standard_part_id,object_type,object_id,reason,issued_at\n")
    result = run(world, D2)
    assert result.exit_code == 0, result.output


def test_date_without_any_landing_file_is_refused_before_any_work(world):
    message = _refused(world, date(2026, 10, 9), "inputs.landing")
    assert "no landing file of any feed is dated 2026-10-09" in message


def test_missing_required_column_is_recorded_and_refused(world):
    venues = world["landing"] / "venues" / D2.isoformat() / "venues.csv"
    raw = venues.read_bytes()  # the generated city writes some files in GB18030
    venues.write_bytes(raw.replace(b"license_no", b"licence", 1))
    message = _refused(world, D2, "inputs.columns")
    assert "venues/2026-10-02/venues.csv:1 lacks required column(s) license_no (1 of 8 missing" in message


def test_row_level_gate_late_in_the_night_rolls_the_whole_date_back(world):
    """Org and population of D2 are ingested and committed before the instructions file fails its
    quarantine gate: the rollback removes them too, and the outcome is recorded."""
    path = world["landing"] / "instructions" / D2.isoformat() / "instructions.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    bad = [f"BAD{i},城管,NO-SUCH-PART,house,H-NONE,reason,2026-10-02T09:00:00+08:00" for i in range(120)]
    path.write_text("\n".join([header, *rows, *bad]) + "\n", encoding="utf-8")
    message = _refused(world, D2, "ingest.files.instructions")
    assert "instructions/2026-10-02/instructions.csv" in message
    row = date_status(world, D2)
    assert row["stages"].get("ingest_org") == "succeeded"  # it ran, and was rolled back
    # the next successful night shows the failure to analysts
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assert run(world, D2).exit_code == 0
    assert run(world, D3).exit_code == 0
    with duckdb.connect(str(world["warehouse"] / "analytics.duckdb"), read_only=True) as con:
        outcomes = sorted(con.execute("select gate like '% @ %', success from marts.gate_results where run_date = ? "
                                      "and gate like 'ingest.files.instructions%'", [D2]).fetchall())
    assert outcomes == [(False, True), (True, False)]  # the re-run's pass and the failed attempt before it


def test_landing_folder_that_does_not_exist_is_exit_2(world, tmp_path):
    result = cli("run", "--landing", str(tmp_path / "nowhere"), "--warehouse", str(world["warehouse"]),
                 "--from", D2.isoformat())
    assert result.exit_code == 2
    assert "nowhere does not exist" in " ".join(result.output.split())


def test_environment_settings_reach_the_command(world, monkeypatch):
    monkeypatch.setenv("STANDARD_PARTS_LANDING", str(world["landing"]))
    monkeypatch.setenv("STANDARD_PARTS_WAREHOUSE", str(world["warehouse"]))
    result = cli("status", "--json")
    assert result.exit_code == 0
    assert [d["run_date"] for d in json.loads(result.output)["dates"]] == [D1.isoformat()]
    run_status = json.loads((world["warehouse"] / "run_status.json").read_text())
    assert run_status == json.loads(result.output)


def test_rerunning_an_older_date_leaves_the_analyst_file_equal(world):
    assert run(world, D2).exit_code == 0
    assert run(world, D3).exit_code == 0

    def marts() -> dict:
        with duckdb.connect(str(world["warehouse"] / "analytics.duckdb"), read_only=True) as con:
            names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' "
                                               "order by 1").fetchall()]
            return {n: con.execute(f'select * from marts."{n}" order by all').fetchall() for n in names}

    before = marts()
    latest = (world["warehouse"] / "reports" / "latest.html").read_text(encoding="utf-8")
    assert run(world, D2).exit_code == 0
    after = marts()
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    assert (world["warehouse"] / "reports" / "latest.html").read_text(encoding="utf-8") == latest
    assert [d["run_date"] for d in status(world)["dates"]] == ["2026-10-03", "2026-10-02", "2026-10-01"]


def test_settings_load_with_per_city_keys_in_the_environment(monkeypatch):
    from standard_parts.config import Settings

    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY__XIAMEN", "city-secret")
    monkeypatch.setenv("STANDARD_PARTS_MAX_SNAPSHOT_AGE_DAYS__ORG", "30")
    settings = Settings()
    assert settings.max_snapshot_age_days.for_feed("org") == 30
    assert settings.max_snapshot_age_days.for_feed("population") == 2


def test_generic_over_every_file_spec():
    from standard_parts import feeds
    from standard_parts.inputs import file_specs

    names = {s.filename for s in file_specs()}
    assert {s.filename for s in feeds.FILES} | {feeds.COMPLETIONS.filename} <= names


def test_generated_city_passes_the_checks_on_every_day(city):
    from standard_parts.config import Settings
    from standard_parts.inputs import preflight

    settings = Settings(landing=city["landing"], warehouse=city["warehouse"])
    assert {day: preflight(settings, day) for day in (D1, D2, D3)} == {D1: [], D2: [], D3: []}
