"""Personal data in logs (issue #7): a scanner over the logs of real nights finds no id number,
phone or name of the city's persons.

A small city (bad rows of every kind, so rows are quarantined) is run

* through the CLI (slow) at ``--verbose`` (DEBUG), stdout and stderr kept as files, dbt's log kept via
  ``DBT_LOG_PATH``: a good night publishing over HTTP through transient faults, a night whose
  publishing fails (an uncaught error: the traceback path), and a night whose quarantine gate fails;
* in-process with every logger (Great Expectations, httpx, dbt included) at DEBUG into a file, on a
  night whose persons gate fails with example values (the gate masks them);
* through ``airflow dags test`` (slow): a good night and a night whose persons gate fails.

"The city's persons" are read from the landing files themselves (persons, house owners, alert
subjects), bad rows included: a quarantined row is the likeliest thing to be logged.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from standard_parts.idnumber import check_character
from standard_parts.pii_scan import Finding, scan_paths, scan_text

START = date(2026, 10, 1)
DAYS = 2
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]
LENIENT = "0.5"  # the city has bad rows of every kind even in small files


# --------------------------------------------------------------------------- the scanner


def valid_id(first17: str) -> str:
    return first17 + check_character(first17)


def test_scan_paths_walks_folders_and_finds_values_on_file_in_any_shape(tmp_path):
    person_id = valid_id("35020319800101123")
    wrong_length_id = "3502031980010112345"  # 19 digits: a quarantined row's id number
    bad_phone = "12912345678"  # no mobile prefix: a quarantined row's phone
    logs = tmp_path / "logs"
    (logs / "task=ingest" / "attempt=1").mkdir(parents=True)
    (logs / "task=ingest" / "attempt=1" / "run.log").write_text(
        f"rejected row {wrong_length_id},王小明,{bad_phone}\n", encoding="utf-8"
    )
    decimals = "0." + person_id  # a logged share whose decimals look like an id number
    (logs / "clean.log").write_text(f"3136 rows, AL20261001000010, share {decimals}\n", encoding="utf-8")
    stdout = tmp_path / "stdout.txt"
    stdout.write_text(f"owner {person_id} phone 13812345678\n", encoding="utf-8")

    findings = scan_paths(
        [logs, stdout], ["王小明"], {person_id, wrong_length_id}, {"13812345678", bad_phone}
    )

    assert sorted((Path(f.where).name, f.kind) for f in findings) == [
        ("run.log", "id_number"),
        ("run.log", "name"),
        ("run.log", "phone"),
        ("stdout.txt", "id_number"),
        ("stdout.txt", "phone"),
    ]
    assert all(v not in f.excerpt for f in findings for v in (person_id, wrong_length_id, bad_phone))
    # Without the values on file only the well-formed ones are found, each once.
    assert scan_text(f"{person_id} {wrong_length_id} {bad_phone}", "x", (), None, None) == [
        Finding("x", "id_number", person_id[:3] + "*" * 13 + person_id[-2:])
    ]
    assert scan_text(f"{person_id}", "x", (), {person_id}, {"13812345678"}) == [
        Finding("x", "id_number", person_id[:3] + "*" * 13 + person_id[-2:])
    ]


def test_cli_tracebacks_do_not_show_local_variables():
    """An uncaught error is printed by Typer/Rich; with locals it would print the packages (names)."""
    from standard_parts.cli import app

    assert app.pretty_exceptions_show_locals is False


# --------------------------------------------------------------------------- the city


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    from standard_parts.demo.city import generate_city

    landing = tmp_path_factory.mktemp("pii-city") / "landing"
    generate_city(landing, 3000, START, DAYS, seed=11, progress=False, max_file_bad_share=None)
    return landing


@pytest.fixture(scope="module")
def persons(city) -> tuple[list[str], set[str], set[str]]:
    """(names, id numbers, phones) of every person in the landing files, bad rows included."""
    names: set[str] = set()
    ids: set[str] = set()
    phones: set[str] = set()

    def keep(into: set[str], value: object, min_len: int) -> None:
        if isinstance(value, str) and len(value.strip()) >= min_len:
            into.add(value.strip())

    for path in city.glob("population/*/persons.csv"):
        for row in csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()):
            keep(names, row.get("name"), 2)
            keep(ids, row.get("id_number"), 15)
            keep(phones, row.get("phone"), 7)
    for path in city.glob("population/*/houses.csv"):
        for row in csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()):
            keep(ids, row.get("owner_id_number"), 15)
    for path in city.glob("antifraud/*/alerts.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                alert = json.loads(line)
            except json.JSONDecodeError:
                continue  # the planted invalid-JSON row
            if isinstance(alert, dict):
                keep(ids, alert.get("id_number"), 15)
                keep(phones, alert.get("phone"), 7)
    assert len(names) > 1000 and len(ids) > 2000 and len(phones) > 2000
    return sorted(names), ids, phones


def assert_no_personal_data(paths: list[Path], persons, city: Path) -> None:
    names, ids, phones = persons
    files = [p for root in paths for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()]
    assert files, paths
    findings = scan_paths(paths, names, ids, phones)
    assert findings == [], "\n".join(f"{f.where}: {f.kind} {f.excerpt}" for f in findings[:20])
    # Control: the same scan does find the persons in the landing file they came from.
    control = scan_paths(sorted(city.glob("population/*/persons.csv"))[:1], names, ids, phones)
    assert {f.kind for f in control} == {"id_number", "phone", "name"}


def strict_expectations(tmp_path: Path) -> Path:
    """A copy of the suites whose persons gate fails every row: id numbers of 17 characters and
    phones of 12 wanted, so the failure message carries example id numbers and phones."""
    target = tmp_path / "expectations"
    shutil.copytree(REPO / "expectations", target)
    path = target / "ingest.persons.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    lengths = {"id_number": 17, "phone": 12}
    for exp in suite["expectations"]:
        if exp["type"] == "expect_column_value_lengths_to_equal":
            exp["kwargs"]["value"] = lengths[exp["kwargs"]["column"]]
    path.write_text(json.dumps(suite, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDARD_PARTS_", "DBT_"))}
    # Rich wraps console output at the terminal width; a wide one keeps every value on one line.
    env["COLUMNS"] = "2000"
    env.update(extra)
    return env


# --------------------------------------------------------------------------- CLI


@pytest.mark.slow  # three CLI runs, one with dbt and the report: 30-50 s on two cores
@pytest.mark.integration
def test_cli_logs_of_good_failed_and_gated_nights_hold_no_personal_data(city, persons, tmp_path):
    from fake_receiver import FakeReceiver

    logs = tmp_path / "logs"
    logs.mkdir()
    warehouse = tmp_path / "wh"

    def run(name: str, day: date, publish: str, **env: str) -> subprocess.CompletedProcess:
        out = subprocess.run(
            [
                str(BIN / "standard-parts"),
                "run",
                "--landing",
                str(city),
                "--warehouse",
                str(warehouse),
                "--from",
                day.isoformat(),
                "--publish",
                publish,
                "--verbose",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=clean_env(
                **{"DBT_LOG_PATH": str(logs / "dbt"), "STANDARD_PARTS_MAX_QUARANTINE_SHARE": LENIENT, **env}
            ),
        )
        (logs / f"{name}.stdout.log").write_text(out.stdout, encoding="utf-8")
        (logs / f"{name}.stderr.log").write_text(out.stderr, encoding="utf-8")
        return out

    day2 = START + timedelta(days=1)
    with FakeReceiver(hang_seconds=0.1) as receiver:
        # A good night: transient faults are retried (and logged), every package delivered.
        receiver.script(500, 429, "reset", 503)
        good = run("good", START, receiver.url)
        assert good.returncode == 0, good.stdout[-2000:] + good.stderr[-3000:]
        assert "retrying" in good.stderr and "quarantined" in good.stderr
        assert receiver.stored

        # Publishing fails for good (400s): an uncaught error, printed with its traceback.
        receiver.script(400, 400, 400)
        failed = run("publish-failed", day2, receiver.url)
        assert failed.returncode == 1 and "PublishError" in failed.stderr, failed.stderr[-3000:]

    # The quarantine gate fails: a file with more bad rows than allowed.
    gated = run(
        "quarantine-gate", day2, f"folder:{tmp_path / 'outbox'}", STANDARD_PARTS_MAX_QUARANTINE_SHARE="0.001"
    )
    assert gated.returncode == 2, gated.stdout[-2000:] + gated.stderr[-3000:]
    assert "gate failed" in gated.stdout and "quarantined" in gated.stdout

    assert (logs / "dbt" / "dbt.log").stat().st_size > 0
    assert_no_personal_data([logs], persons, city)


# --------------------------------------------------------------------------- in-process, all at DEBUG


@pytest.mark.integration
def test_debug_logging_of_a_failed_persons_gate_holds_no_personal_data(city, persons, tmp_path, monkeypatch):
    from standard_parts.config import Settings
    from standard_parts.errors import GateFailure
    from standard_parts.pipeline import run_range

    for name in list(os.environ):
        if name.startswith("STANDARD_PARTS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs" / "dbt"))
    log_file = tmp_path / "logs" / "debug.log"
    log_file.parent.mkdir()
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    # Every logger at DEBUG, including those the CLI quietens (Great Expectations, warnings).
    quietened = {
        n: logging.getLogger(n).level for n in ("great_expectations", "py.warnings", "httpx", "httpcore")
    }
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in quietened:
        logging.getLogger(name).setLevel(logging.NOTSET)
    try:
        settings = Settings(
            landing=city,
            warehouse=tmp_path / "wh",
            max_quarantine_share=float(LENIENT),
            expectations_dir=strict_expectations(tmp_path),
        )
        try:
            run_range(settings, START)
        except GateFailure as exc:
            logging.getLogger("test").exception("the night failed")  # the traceback, as a task log has it
            failure = exc
        else:
            pytest.fail("the strict persons gate did not fail")
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(saved_level)
        for name, level in quietened.items():
            logging.getLogger(name).setLevel(level)

    message = str(failure)
    assert (
        failure.gate == "ingest.persons" and "unexpected, e.g." in message and "*****" in message
    )  # examples given, masked
    text = log_file.read_text(encoding="utf-8")
    assert "DEBUG" in text and "quarantined" in text and "GateFailure" in text
    assert_no_personal_data([tmp_path / "logs"], persons, city)


# --------------------------------------------------------------------------- Airflow


@pytest.mark.slow
@pytest.mark.integration
def test_airflow_task_logs_hold_no_personal_data(city, persons, tmp_path):
    """`airflow dags test` prints the task logs; anything Airflow keeps under AIRFLOW_HOME/logs and
    dbt's log are scanned too. A cluster policy turns retries off, so the failing night ends at once."""
    home = tmp_path / "airflow"
    (home / "config").mkdir(parents=True)
    (home / "config" / "airflow_local_settings.py").write_text(
        "def task_policy(task):\n    task.retries = 0\n", encoding="utf-8"
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    env = clean_env(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        STANDARD_PARTS_LANDING=str(city),
        STANDARD_PARTS_WAREHOUSE=str(tmp_path / "wh"),
        STANDARD_PARTS_PUBLISH=f"folder:{tmp_path / 'outbox'}",
        STANDARD_PARTS_MAX_QUARANTINE_SHARE=LENIENT,
        DBT_LOG_PATH=str(logs / "dbt"),
    )
    airflow = str(BIN / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run(
        [airflow, "pools", "set", "duckdb_writer", "1", "DuckDB single writer"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )

    def night(name: str, run_date: date, **extra: str) -> subprocess.CompletedProcess:
        out = subprocess.run(
            [
                airflow,
                "dags",
                "test",
                "standard_parts_nightly",
                (run_date + timedelta(days=1)).isoformat(),
                "-c",
                json.dumps({"run_date": run_date.isoformat()}),
            ],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=600,
        )
        (logs / f"{name}.stdout.log").write_text(out.stdout, encoding="utf-8")
        (logs / f"{name}.stderr.log").write_text(out.stderr, encoding="utf-8")
        return out

    good = night("good", START)
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    assert "quarantined" in good.stdout and "Returned value was" in good.stdout

    failed = night(
        "gate-failed",
        START + timedelta(days=1),
        STANDARD_PARTS_EXPECTATIONS_DIR=str(strict_expectations(tmp_path)),
    )
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0 and "GateFailure: [gate ingest.persons]" in output, output[-3000:]
    assert "unexpected, e.g." in output and "up_for_retry" not in output

    assert_no_personal_data([logs, home / "logs"] if (home / "logs").exists() else [logs], persons, city)
