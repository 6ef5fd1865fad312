"""The nightly run as plain functions: what the CLI calls and what each Airflow task calls.

Every stage opens the operational store under the warehouse lock, does its work and closes it,
so stages can run in separate processes (Airflow workers) one after another.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date, timedelta

from .config import Settings
from .feeds import FEEDS
from .store import ops_session

log = logging.getLogger(__name__)

# Feeds in dependency order: the org snapshot first (everything points at stations/communities),
# instructions last (their objects resolve against the day's snapshots).
INGEST_ORDER: tuple[str, ...] = ("org", "population", "venues", "antifraud", "instructions")
assert set(INGEST_ORDER) == set(FEEDS)


def ingest(settings: Settings, feed: str, run_date: date) -> list[dict]:
    """Ingest one feed for a run date and enforce its gate; returns per-file row counts."""
    from .ingest.gate import gate_feed
    from .ingest.loader import ingest_feed

    with ops_session(settings) as con:
        results = ingest_feed(con, settings, feed, run_date)
        gate_feed(con, settings, feed, run_date, results)
    return [asdict(r) for r in results]


def generate(settings: Settings, run_date: date) -> dict:
    """Generate the run date's tasks (replacing any earlier generation of that date)."""
    from .generate.engine import generate as generate_tasks

    with ops_session(settings) as con:
        result = generate_tasks(con, settings, run_date)
    return asdict(result)


def gate_generated(settings: Settings, run_date: date) -> None:
    """The tasks gate: nothing is published unless the run date's tasks pass it."""
    from .generate.gate import gate_tasks

    with ops_session(settings) as con:
        gate_tasks(con, settings, run_date)


def publish(settings: Settings, run_date: date) -> dict:
    """Build every officer's package and deliver it to the configured target (ledger-tracked)."""
    from .generate.engine import prepare
    from .publish import publish_packages
    from .publish.packages import build_packages

    if not settings.publish:
        log.info("publish: no target configured (STANDARD_PARTS_PUBLISH / --publish); skipped")
        return {"skipped": True}
    with ops_session(settings) as con:
        from .privacy import register_udf

        register_udf(con, settings.key_bytes)
        prepare(con, settings, run_date)
        packages = build_packages(con, settings, run_date)
        result = publish_packages(con, packages, settings.publish)
    return {"target": result.target, "total": result.total, "delivered_now": result.delivered_now,
            "already_delivered": result.already_delivered}


def build_analytics(settings: Settings, run_date: date) -> str:
    """Rebuild analytics.duckdb from the operational store and swap it in atomically."""
    from .analytics import build

    return str(build(settings, run_date))


def run_date_stages(settings: Settings, run_date: date) -> dict:
    """Every stage of one night, in order; a failure stops the rest (and raises)."""
    summary: dict = {"run_date": run_date.isoformat(), "ingest": {}}
    for feed in INGEST_ORDER:
        summary["ingest"][feed] = ingest(settings, feed, run_date)
    summary["generate"] = generate(settings, run_date)
    gate_generated(settings, run_date)
    summary["publish"] = publish(settings, run_date)
    summary["analytics"] = build_analytics(settings, run_date)
    return summary


def run_range(settings: Settings, start: date, end: date | None = None) -> list[dict]:
    end = end or start
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    out = []
    day = start
    while day <= end:
        log.info("run date %s", day)
        out.append(run_date_stages(settings, day))
        day += timedelta(days=1)
    return out
