"""Light helpers for the DAG files: nothing heavy is imported here (DAGs parse in milliseconds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

OWNER = "police-data-platform"
TIMEZONE = "Asia/Shanghai"
WRITER_POOL = "duckdb_writer"  # one slot: DuckDB allows a single writing process per file
TAGS = ["standard-parts", "police", "duckdb"]


def resolve_run_date(logical_date: datetime | None, override: str | None) -> date:
    """The run date a DAG run processes.

    The nightly run fires at 02:00 Asia/Shanghai and processes the day that has just ended, whose
    incremental files (alerts, instructions, completions) are complete. A manual trigger or a
    backfill may name the date with the ``run_date`` param.
    """
    if override:
        return date.fromisoformat(str(override))
    if logical_date is None:
        raise ValueError("no logical date and no run_date param")
    return logical_date.astimezone(ZoneInfo(TIMEZONE)).date() - timedelta(days=1)


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
