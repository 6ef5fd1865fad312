"""Light helpers for the DAG files: nothing heavy is imported here (DAGs parse in milliseconds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from . import business_time

OWNER = "police-data-platform"
# The DAGs' schedule zone: the business zone (Settings.timezone, env STANDARD_PARTS_TIMEZONE), read
# without building the settings (a DAG file must parse even where a task's settings would not).
TIMEZONE = business_time.zone_name_from_environment()
WRITER_POOL = "duckdb_writer"  # one slot: DuckDB allows a single writing process per file
TAGS = ["standard-parts", "police", "duckdb"]


def resolve_run_date(logical_date: datetime | None, override: str | None) -> date:
    """The run date a DAG run processes.

    The nightly run fires at 02:00 local time (``TIMEZONE``) and processes the day that has just
    ended, whose incremental files (alerts, instructions, completions) are complete. A manual
    trigger or a backfill may name the date with the ``run_date`` param.
    """
    if override:
        return date.fromisoformat(str(override))
    if logical_date is None:
        raise ValueError("no logical date and no run_date param")
    return business_time.local_date(logical_date, TIMEZONE) - timedelta(days=1)


@contextmanager
def gate_failures_fail_the_task() -> Iterator[None]:
    """A failed quality gate is a fact about the data, not a transient fault: retrying it would
    only delay the alarm (the DAG retries other failures twice, 5 minutes apart). Fail the task
    at once, without retries; the message names the gate, the file and the line."""
    from .errors import GateFailure

    try:
        yield
    except GateFailure as exc:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(str(exc)) from exc


def nightly_schedule() -> str | None:
    """The nightly DAGs' cron. ``STANDARD_PARTS_NIGHTLY_SCHEDULE=none`` leaves them to manual and
    API triggers only: the live deployment test (scripts/live.py) triggers its nights itself, and
    unpausing a scheduled DAG would add a run for the newest cron date."""
    import os

    value = os.environ.get("STANDARD_PARTS_NIGHTLY_SCHEDULE", "0 2 * * *")
    return None if value.lower() == "none" else value


def retry_delay(default_seconds: int) -> timedelta:
    """A task's retry delay. ``STANDARD_PARTS_TASK_RETRY_DELAY_SECONDS`` replaces every default: the
    live deployment test (scripts/live.py) recovers from a killed worker in seconds, not minutes."""
    import os

    value = os.environ.get("STANDARD_PARTS_TASK_RETRY_DELAY_SECONDS")
    return timedelta(seconds=int(value) if value else default_seconds)


# ------------------------------------------------------------------------------------ province

PROVINCE_DAG_PREFIX = "standard_parts_nightly_"


def city_asset_uri(city_id: str) -> str:
    """The Asset a city's nightly DAG updates when its analytics.duckdb is swapped in."""
    return f"standard_parts://{city_id}/analytics.duckdb"


def province_cities() -> list[str] | None:
    """City ids of the province config named by STANDARD_PARTS_PROVINCE_CONFIG, or None (one city).

    Parse-time use: reads the YAML and validates it (pydantic; no DuckDB, no dbt). Without the
    variable nothing is imported at all: the single-city DAG parses as fast as before."""
    import os

    if not os.environ.get("STANDARD_PARTS_PROVINCE_CONFIG"):
        return None
    from .province.config import config_from_env

    config = config_from_env()
    return None if config is None else [c.id for c in config.cities]


def city_pool(city_id: str | None) -> str:
    """The writer pool of a city's DAG (the one city's: ``duckdb_writer``)."""
    return WRITER_POOL if city_id is None else f"{WRITER_POOL}_{city_id}"


def route_to_city(dag, city_id: str) -> None:
    """Send every task of a city's DAG to the city's Celery queue, and its writers to the city's
    own writer pool: one DuckDB writer per city, cities never wait for each other."""
    for task in dag.tasks:
        task.queue = city_id
        if task.pool == WRITER_POOL:
            task.pool = city_pool(city_id)


def task_settings(city_id: str | None, **extra):
    """The Settings a task runs with: its city's (province config) or the environment's; ``extra``
    are per-run values (e.g. a run's accepted drops)."""
    if city_id is None:
        from .config import Settings

        return Settings(**extra)
    from .province.config import config_from_env

    config = config_from_env()
    if config is None:
        raise RuntimeError(f"DAG run for city {city_id!r} but STANDARD_PARTS_PROVINCE_CONFIG is not set")
    return config.city(city_id).settings(**extra)
