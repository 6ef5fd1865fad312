"""
### Standard parts: the nightly run

Every night at 02:00 local time (the business zone, `STANDARD_PARTS_TIMEZONE`) this DAG processes
the day that has just ended (the *run date*): it ingests every feed behind its quality gate,
generates the standard-part tasks (merged, suppressed, assigned), gates them, publishes each
officer's package (三单一码), ingests the officers' completions, rebuilds the analyst file
`analytics.duckdb` with dbt (checked, then swapped in atomically) and writes the Chinese
leadership report.

* Each feed is one task; a failed gate fails its task at once (no retries: the data will not
  change by retrying) and nothing downstream runs.
* Every task that writes DuckDB runs in the `duckdb_writer` pool (one slot).
* `check_inputs` runs first (outside the pool): it fails with a clear message if the
  `duckdb_writer` pool is missing, and refuses a run date whose inputs are stale, missing or
  unreadable (docs/operations.md). A gate failure anywhere rolls the whole date back.
* Trigger with `{"run_date": "YYYY-MM-DD"}` to (re)run a date; a re-run replaces that date's load.
  Add `"accept_drop": ["population/persons.csv"]` to accept a verified snapshot drop.
* Logic lives in the `standard_parts` package; this file only declares the graph.
* With `STANDARD_PARTS_PROVINCE_CONFIG` set (SPEC section 10), this file yields one such DAG per
  city, `standard_parts_nightly_<city>`: its tasks go to the Celery queue named after the city and
  its writers to the city's own pool `duckdb_writer_<city>`; its analytics Asset feeds the
  province roll-up DAG.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from standard_parts.orchestration import (
    OWNER,
    TAGS,
    TIMEZONE,
    WRITER_POOL,
    city_asset_uri,
    city_pool,
    gate_failures_fail_the_task,
    nightly_schedule,
    province_cities,
    resolve_run_date,
    retry_delay,
    route_to_city,
    task_settings,
)

ANALYTICS = Asset("standard_parts://warehouse/analytics.duckdb")


def _run_date() -> str:
    context = get_current_context()
    return resolve_run_date(context.get("logical_date"), context["params"].get("run_date")).isoformat()


def _stage(name: str):
    """Run one named stage of ``pipeline.night`` for the run date. A failed gate fails the task at
    once and rolls the whole date back (the pipeline does that; nothing of the date stays)."""
    from datetime import date

    from standard_parts.pipeline import run_stage

    context = get_current_context()
    # Run conf {"accept_drop": ["population/persons.csv"]}: drops the operator has verified (SPEC 3.1).
    accepted = context["params"].get("accept_drop") or (context["dag_run"].conf or {}).get("accept_drop") or []
    # the DAG's city from the province config, or the one city's environment
    settings = task_settings(context["params"].get("city"), accept_drop=tuple(accepted))
    with gate_failures_fail_the_task():
        return run_stage(settings, date.fromisoformat(_run_date()), name)


def _counts(result) -> object:
    # XCom carries counts and paths only: no row content.
    if isinstance(result, list):
        return [{k: str(v) for k, v in r.items()} for r in result]
    if isinstance(result, dict):
        return {k: str(v) for k, v in result.items()}
    return None if result is None else str(result)


@task
def check_inputs() -> dict:
    """Before anything writes: the writer pool exists, and the run date's inputs pass SPEC 3.1
    (landing, snapshot age, daily delivery, required columns). Outside the pool on purpose, so a
    missing pool is reported here instead of leaving the writing tasks 'scheduled' for ever."""
    from standard_parts.airflow_pool import PoolMissing, require_writer_pool

    try:
        require_writer_pool(city_pool(get_current_context()["params"].get("city")))
    except PoolMissing as exc:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(str(exc)) from exc
    return _counts(_stage("check_inputs"))


@task(pool=WRITER_POOL)
def ingest(feed: str) -> list[dict]:
    """Ingest one feed for the run date and enforce its gate."""
    return _counts(_stage(f"ingest_{feed}"))


@task(pool=WRITER_POOL)
def ingest_completions(final: bool) -> list[dict]:
    """The run date's completions file: before generation (what landed closes tasks) and after
    publishing (the day's file may complete tasks issued that morning)."""
    return _counts(_stage("completions" if final else "completions_landed"))


@task(pool=WRITER_POOL)
def generate_tasks() -> dict:
    """Evaluate every issuing rule and the day's instructions; merge, suppress, assign."""
    return _counts(_stage("generate"))


@task(pool=WRITER_POOL)
def gate_tasks() -> None:
    """GX gate on the generated tasks: a failure stops publishing."""
    _stage("gate_tasks")


@task(pool=WRITER_POOL, retries=5, retry_delay=retry_delay(120), retry_exponential_backoff=True)
def publish_packages() -> dict:
    """Deliver each officer's package; the ledger makes a retry send only what is not delivered."""
    return _counts(_stage("publish"))


@task(pool=WRITER_POOL)
def supervise() -> dict:
    """Escalate open tasks overdue by escalate_after_hours to their station's leader (督办)."""
    return _counts(_stage("supervise"))


@task(pool=WRITER_POOL, retries=5, retry_delay=retry_delay(120), retry_exponential_backoff=True)
def publish_handoffs() -> dict:
    """Send the night's hand-offs to their departments; the ledger makes a retry send only what is not delivered."""
    return _counts(_stage("publish_handoffs"))


@task(pool=WRITER_POOL)
def ingest_handoffs() -> list[dict]:
    """The partner departments' events (handoffs feed), after the night's completions opened their hand-offs."""
    return _counts(_stage("ingest_handoffs"))


@task(pool=WRITER_POOL)
def build_analytics() -> str:
    """Rebuild analytics.duckdb (as of the newest successful run date); swap it in atomically."""
    return _counts(_stage("analytics"))


@task
def leadership_report() -> str:
    """The Chinese leadership report from the marts (reads analytics.duckdb only: no pool)."""
    return _counts(_stage("report"))


@task(pool=WRITER_POOL)
def finish_date() -> dict:
    """Every gate passed: the run date is marked succeeded (standard-parts status, run_status.json)."""
    return _counts(_stage("finish"))


def nightly(dag_id: str = "standard_parts_nightly", city: str | None = None, asset: Asset = ANALYTICS):
    """Today's nightly DAG; with ``city``, that city's copy routed to its queue and pool."""
    params = {
        "run_date": Param(None, type=["null", "string"], description="YYYY-MM-DD; default: yesterday"),
        "accept_drop": Param([], type=["null", "array"],
                             description="FEED/FILE snapshot drops verified by the operator, for this run only"),
    }
    if city:  # fixed: a trigger's conf cannot point one city's DAG at another city's warehouse
        params["city"] = Param(city, type="string", const=city, description="the province config's city id")

    @dag(
        dag_id=dag_id,
        schedule=nightly_schedule(),
        start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
        catchup=False,
        max_active_runs=1,
        tags=TAGS + ([f"city:{city}"] if city else []),
        doc_md=__doc__,
        default_args={"owner": OWNER, "retries": 2, "retry_delay": retry_delay(300)},
        params=params,
    )
    def standard_parts_nightly():
        checked = check_inputs()
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
        analytics = build_analytics.override(outlets=[asset])()
        leadership = leadership_report()
        finished = finish_date()

        checked >> org
        org >> [population, venues]
        population >> antifraud
        [population, venues] >> instructions
        org >> landed
        [antifraud, instructions, landed] >> generated >> gate >> supervised >> published >> completed
        completed >> handed_off >> events >> analytics >> finished >> leadership

    built = standard_parts_nightly()
    if city:
        route_to_city(built, city)
    return built


_cities = province_cities()
if _cities is None:  # one city: today's DAG, unchanged
    nightly()
else:
    for _city in _cities:
        nightly(f"standard_parts_nightly_{_city}", _city, Asset(city_asset_uri(_city)))
