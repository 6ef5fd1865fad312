"""
### Standard parts: the nightly run

Every night at 02:00 Asia/Shanghai this DAG processes the day that has just ended (the *run
date*): it ingests every feed behind its quality gate, generates the standard-part tasks
(merged, suppressed, assigned), gates them, publishes each officer's package (三单一码), ingests
the officers' completions, rebuilds the analyst file `analytics.duckdb` with dbt (checked, then
swapped in atomically) and writes the Chinese leadership report.

* Each feed is one task; a failed gate fails its task at once (no retries: the data will not
  change by retrying) and nothing downstream runs.
* Every task that writes DuckDB runs in the `duckdb_writer` pool (one slot).
* Trigger with `{"run_date": "YYYY-MM-DD"}` to (re)run a date; a re-run replaces that date's load.
* Logic lives in the `standard_parts` package; this file only declares the graph.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from standard_parts.orchestration import (
    OWNER,
    TAGS,
    TIMEZONE,
    WRITER_POOL,
    gate_failures_fail_the_task,
    resolve_run_date,
)

ANALYTICS = Asset("standard_parts://warehouse/analytics.duckdb")


def _run_date() -> str:
    context = get_current_context()
    return resolve_run_date(context.get("logical_date"), context["params"].get("run_date")).isoformat()


@task(pool=WRITER_POOL)
def ingest(feed: str) -> list[dict]:
    """Ingest one feed for the run date and enforce its gate."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import ingest as ingest_feed

    with gate_failures_fail_the_task():
        results = ingest_feed(Settings(), feed, date.fromisoformat(_run_date()))
    # XCom carries counts only: no row content.
    return [{k: str(v) for k, v in r.items()} for r in results]


@task(pool=WRITER_POOL)
def ingest_completions(final: bool) -> list[dict]:
    """The run date's completions file: before generation (what landed closes tasks) and after
    publishing (the day's file may complete tasks issued that morning)."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import completions

    with gate_failures_fail_the_task():
        results = completions(Settings(), date.fromisoformat(_run_date()), final=final)
    return [{k: str(v) for k, v in r.items()} for r in results]


@task(pool=WRITER_POOL)
def generate_tasks() -> dict:
    """Evaluate every issuing rule and the day's instructions; merge, suppress, assign."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import generate

    return {k: str(v) for k, v in generate(Settings(), date.fromisoformat(_run_date())).items()}


@task(pool=WRITER_POOL)
def gate_tasks() -> None:
    """GX gate on the generated tasks: a failure stops publishing."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import gate_generated

    with gate_failures_fail_the_task():
        gate_generated(Settings(), date.fromisoformat(_run_date()))


@task(pool=WRITER_POOL, retries=5, retry_delay=timedelta(minutes=2), retry_exponential_backoff=True)
def publish_packages() -> dict:
    """Deliver each officer's package; the ledger makes a retry send only what is not delivered."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import publish

    return publish(Settings(), date.fromisoformat(_run_date()))


@task(pool=WRITER_POOL)
def supervise() -> dict:
    """Escalate open tasks overdue by escalate_after_hours to their station's leader (督办)."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import supervise as escalate

    return escalate(Settings(), date.fromisoformat(_run_date()))


@task(pool=WRITER_POOL, retries=5, retry_delay=timedelta(minutes=2), retry_exponential_backoff=True)
def publish_handoffs() -> dict:
    """Send the night's hand-offs to their departments; the ledger makes a retry send only what is not delivered."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import publish_handoffs as send

    return send(Settings(), date.fromisoformat(_run_date()))


@task(pool=WRITER_POOL)
def ingest_handoffs() -> list[dict]:
    """The partner departments' events (handoffs feed), after the night's completions opened their hand-offs."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import ingest_handoffs as load

    with gate_failures_fail_the_task():
        results = load(Settings(), date.fromisoformat(_run_date()))
    return [{k: str(v) for k, v in r.items()} for r in results]


@task(pool=WRITER_POOL, outlets=[ANALYTICS])
def build_analytics() -> str:
    """Rebuild analytics.duckdb from the operational store; swap it in atomically."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import build_analytics as build

    with gate_failures_fail_the_task():  # the marts gate
        return build(Settings(), date.fromisoformat(_run_date()))


@task
def leadership_report() -> str:
    """The Chinese leadership report from the marts (reads analytics.duckdb only: no pool)."""
    from datetime import date

    from standard_parts.config import Settings
    from standard_parts.pipeline import report

    return report(Settings(), date.fromisoformat(_run_date()))


@dag(
    dag_id="standard_parts_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    tags=TAGS,
    doc_md=__doc__,
    default_args={"owner": OWNER, "retries": 2, "retry_delay": timedelta(minutes=5)},
    params={"run_date": Param(None, type=["null", "string"], description="YYYY-MM-DD; default: yesterday")},
)
def standard_parts_nightly():
    org = ingest.override(task_id="ingest_org")("org")
    population = ingest.override(task_id="ingest_population")("population")
    venues = ingest.override(task_id="ingest_venues")("venues")
    antifraud = ingest.override(task_id="ingest_antifraud")("antifraud")
    instructions = ingest.override(task_id="ingest_instructions")("instructions")
    landed = ingest_completions.override(task_id="ingest_completions_landed")(final=False)
    generated = generate_tasks()
    gate = gate_tasks()
    supervised = supervise()
    published = publish_packages()
    completed = ingest_completions.override(task_id="ingest_completions")(final=True)
    handed_off = publish_handoffs()
    events = ingest_handoffs()
    analytics = build_analytics()
    leadership = leadership_report()

    org >> [population, venues]
    population >> antifraud
    [population, venues] >> instructions
    org >> landed
    [antifraud, instructions, landed] >> generated >> gate >> supervised >> published >> completed
    completed >> handed_off >> events >> analytics >> leadership


standard_parts_nightly()
