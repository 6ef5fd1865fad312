"""End to end on a small generated city: the CLI and `airflow dags test` run the same stages."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

START = date(2026, 10, 1)
DAYS = 3
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    from standard_parts.demo.city import generate_city

    landing = tmp_path_factory.mktemp("city") / "landing"
    # Every kind of bad row, even in small files (the default caps bad rows at 4 % of a file).
    generate_city(landing, 10_000, START, DAYS, seed=7, progress=False, max_file_bad_share=None)
    return landing


LENIENT = {"STANDARD_PARTS_MAX_QUARANTINE_SHARE": "0.5"}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "standard-parts"), *args], capture_output=True, text=True,
                          env={**os.environ, **LENIENT, **(env or {})}, timeout=600)


@pytest.fixture(scope="module")
def cli_run(city, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("wh")
    outbox = tmp_path_factory.mktemp("outbox")
    args = ["run", "--landing", str(city), "--warehouse", str(warehouse), "--from", START.isoformat(),
            "--to", date(2026, 10, DAYS).isoformat(), "--publish", f"folder:{outbox}"]
    first = cli(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    return warehouse, outbox, args


def records_in(path: Path) -> int:
    """Independent count of data records in a landing file (CSV records or non-blank JSON lines)."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if path.suffix == ".jsonl":
        return sum(1 for line in text.splitlines() if line.strip())
    return sum(1 for row in csv.reader(text.splitlines()) if row) - 1


def test_every_file_is_accounted_for(city, cli_run):
    warehouse, _, _ = cli_run
    con = duckdb.connect(str(warehouse / "operational.duckdb"), read_only=True)
    files = con.execute("select file, rows_read, rows_accepted, rows_quarantined from ingest.files").fetchall()
    assert files
    for file, read, accepted, quarantined in files:
        assert read == accepted + quarantined, file
        assert read == records_in(city / file), file
    feeds = {f.split("/")[0] for f, *_ in files}
    assert feeds == {"org", "population", "venues", "antifraud", "instructions"}


def test_bad_rows_of_every_kind_reach_quarantine(cli_run):
    warehouse, _, _ = cli_run
    con = duckdb.connect(str(warehouse / "operational.duckdb"), read_only=True)
    reasons = {r for (r,) in con.execute("select distinct reason from ingest.quarantine").fetchall()}
    expected = {"bad_id_number", "bad_phone", "bad_enum", "bad_date", "missing_required", "duplicate_id",
                "unknown_station", "unknown_community", "unknown_house", "unknown_object", "malformed_row",
                "object_type_mismatch", "bad_timestamp"}
    assert expected <= reasons, expected - reasons
    summary = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True).execute(
        "select sum(rows) from marts.quarantine_summary").fetchone()[0]
    assert summary == con.execute("select count(*) from ingest.quarantine").fetchone()[0]


def test_tasks_are_issued_and_packages_delivered(cli_run):
    warehouse, outbox, _ = cli_run
    con = duckdb.connect(str(warehouse / "operational.duckdb"), read_only=True)
    parts = {p for (p,) in con.execute("select distinct standard_part_id from ops.tasks").fetchall()}
    assert {"HOUSE-OVER10", "VENUE-INSPECT", "VENUE-LICENSE", "FLOATING-NEW", "FRAUD-DISSUADE"} <= parts
    delivered = con.execute("select count(*) from publish.deliveries where status = 'delivered'").fetchone()[0]
    files = list(outbox.glob("*/*.json"))
    assert delivered == len([f for f in files if f.name != "manifest.json"]) > 0
    for day in range(DAYS):
        manifest = json.loads((outbox / date(2026, 10, 1 + day).isoformat() / "manifest.json").read_text())
        assert manifest["run_date"] == date(2026, 10, 1 + day).isoformat()


def _snapshot(warehouse: Path, outbox: Path) -> dict:
    con = duckdb.connect(str(warehouse / "operational.duckdb"), read_only=True)
    try:
        return {
            "tasks": con.execute("select * exclude (issued_at, due_at) from ops.tasks order by task_id").fetchall(),
            "quarantine": con.execute("select entity, file, line, reason from ingest.quarantine "
                                      "order by all").fetchall(),
            "files": con.execute("select entity, file, rows_read, rows_accepted from ingest.files order by all")
            .fetchall(),
            "ledger": con.execute("select package_id, sha256, status from publish.deliveries order by all")
            .fetchall(),
            "packages": {str(p.relative_to(outbox)): p.read_bytes() for p in sorted(outbox.rglob("*.json"))},
        }
    finally:
        con.close()


def test_rerun_is_idempotent(cli_run):
    warehouse, outbox, args = cli_run
    before = _snapshot(warehouse, outbox)
    again = cli(*args)
    assert again.returncode == 0, again.stderr
    assert _snapshot(warehouse, outbox) == before


def test_gb18030_copy_ingests_identically(city, tmp_path):
    """The same persons file in GB18030 and UTF-8 gives identical accepted rows and quarantine."""
    results = []
    for encoding in ("utf-8", "gb18030"):
        landing = tmp_path / encoding / "landing"
        for feed in ("org", "population"):
            shutil.copytree(city / feed / START.isoformat(), landing / feed / START.isoformat())
        src = city / "population" / START.isoformat() / "persons.csv"
        text = src.read_bytes().decode("utf-8-sig") if _is_utf8(src) else src.read_bytes().decode("gb18030")
        (landing / "population" / START.isoformat() / "persons.csv").write_bytes(text.encode(encoding))
        from standard_parts.config import Settings
        from standard_parts.pipeline import ingest

        settings = Settings(landing=landing, warehouse=tmp_path / encoding / "wh", max_quarantine_share=1.0)
        ingest(settings, "org", START)
        ingest(settings, "population", START)
        con = duckdb.connect(str(settings.ops_path), read_only=True)
        results.append((
            con.execute("select * exclude (_file) from ops.persons order by id_number, _line").fetchall(),
            con.execute("select line, reason from ingest.quarantine where entity = 'persons' order by all")
            .fetchall(),
            con.execute("select encoding from ingest.files where entity = 'persons'").fetchone()[0],
        ))
        con.close()
    (rows_a, q_a, enc_a), (rows_b, q_b, enc_b) = results
    assert (enc_a, enc_b) == ("utf-8", "gb18030")
    assert rows_a == rows_b and q_a == q_b and len(rows_a) > 1000


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8-sig")
        return True
    except UnicodeDecodeError:
        return False


def test_airflow_dags_test_runs_the_same_night(city, cli_run, tmp_path):
    """`airflow dags test` (SQLite metadata DB made here) produces the CLI's results for a date."""
    warehouse_cli, _, _ = cli_run
    home = tmp_path / "airflow"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).resolve().parents[1] / "dags"),
        "STANDARD_PARTS_LANDING": str(city),
        "STANDARD_PARTS_WAREHOUSE": str(tmp_path / "wh"),
        "STANDARD_PARTS_PUBLISH": f"folder:{tmp_path / 'outbox'}",
        **LENIENT,
    }
    airflow = str(BIN / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run([airflow, "pools", "set", "duckdb_writer", "1", "DuckDB single writer"], env=env, check=True,
                   capture_output=True, timeout=120)
    out = subprocess.run([airflow, "dags", "test", "standard_parts_nightly", "2026-10-02",
                          "-c", json.dumps({"run_date": START.isoformat()})],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "state=success" in out.stdout + out.stderr

    def day_one(warehouse: Path):
        con = duckdb.connect(str(warehouse / "operational.duckdb"), read_only=True)
        try:
            return (
                con.execute("select task_id, officer_id from ops.tasks where run_date = ? order by 1",
                            [START]).fetchall(),
                con.execute("select file, line, reason from ingest.quarantine where file_date = ? order by all",
                            [START]).fetchall(),
            )
        finally:
            con.close()

    airflow_tasks, airflow_q = day_one(tmp_path / "wh")
    cli_tasks, cli_q = day_one(warehouse_cli)
    assert airflow_tasks == cli_tasks and len(airflow_tasks) > 0
    assert airflow_q == cli_q


def test_report_index_links_the_report_the_dbt_docs_and_the_gx_data_docs(cli_run):
    warehouse, _, _ = cli_run
    docs = warehouse / "dbt_docs" / "index.html"
    assert docs.exists() and "fct_tasks" in docs.read_text(encoding="utf-8")
    index = (warehouse / "reports" / "index.html").read_text(encoding="utf-8")
    assert "dbt_docs/index.html" in index
    assert 'href="../gx_docs/index.html"' in index and (warehouse / "gx_docs" / "index.html").exists()
    # One GX Data Docs page per gate outcome of every run date, each listed in the site's index.
    con = duckdb.connect(str(warehouse / "operational.duckdb"), read_only=True)
    recorded = {(str(d), g) for d, g in con.execute("select run_date, gate from ingest.gate_results").fetchall()}
    con.close()
    pages = json.loads((warehouse / "gx_docs" / "manifest.json").read_text(encoding="utf-8"))["validations"]
    assert {(p["run_date"], p["gate"]) for p in pages} == recorded
    assert {str(date(2026, 10, 1 + d)) for d in range(DAYS)} == {d for d, _ in recorded}
    gx_index = (warehouse / "gx_docs" / "index.html").read_text(encoding="utf-8")
    for p in pages:
        assert (warehouse / "gx_docs" / p["page"]).exists() and f'href="{p["page"]}"' in gx_index
    assert (warehouse / "reports" / date(2026, 10, DAYS).isoformat() / "leadership.html").exists()
    assert (warehouse / "reports" / "latest.html").exists()


def test_http_transport_delivers_every_package_of_the_city_once(city, tmp_path):
    """The city's first night published over HTTP to a receiver that fails now and then: every
    package stored exactly once, byte-identical on a re-run, and the re-run sends nothing new."""
    from fake_receiver import FakeReceiver
    from standard_parts.config import Settings
    from standard_parts.pipeline import run_range

    with FakeReceiver(hang_seconds=0.1) as receiver:
        receiver.script(500, 429, "reset", 503, 500)
        settings = Settings(landing=city, warehouse=tmp_path / "wh", publish=receiver.url,
                            max_quarantine_share=0.5)
        run_range(settings, START, START)
        con = duckdb.connect(str(settings.ops_path), read_only=True)
        delivered = con.execute("select package_id from publish.deliveries where status = 'delivered'").fetchall()
        con.close()
        assert len(delivered) == len(receiver.stored) > 5
        assert not receiver.conflicts
        stored = dict(receiver.stored)
        sent = receiver.request_count
        run_range(settings, START, START)
        assert receiver.request_count == sent and receiver.stored == stored


def test_no_personal_data_in_reports_docs_or_the_analyst_file(cli_run):
    from standard_parts.pii_scan import known_persons, scan_duckdb, scan_files

    warehouse, _, _ = cli_run
    ids, phones, names = known_persons(warehouse / "operational.duckdb")
    pages = [*warehouse.glob("reports/**/*.html"), warehouse / "dbt_docs" / "index.html",
             *warehouse.glob("gx_docs/**/*.html")]
    assert len(pages) >= 3 + 20
    assert scan_files(pages, names, ids, phones) == []
    assert scan_duckdb(warehouse / "analytics.duckdb", names, ids, phones) == []
