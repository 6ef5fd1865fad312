"""Quality gates: Great Expectations suites (JSON under ``expectations/``) run on pandas batches.

A failed gate raises :class:`GateFailure` naming the gate, the expectation and example values, so
the Airflow task fails and nothing downstream runs. Example values of personal-data columns (listed
in a suite's ``meta.pii_columns``) are masked before they reach a message or a log.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

import duckdb

from .config import Settings
from .ingest.errors import GateFailure

log = logging.getLogger(__name__)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass
class GateOutcome:
    gate: str
    success: bool
    evaluated: int
    failed: int
    summary: str


def load_suite(settings: Settings, name: str) -> dict:
    path = Path(settings.expectations_dir) / f"{name}.json"
    if not path.is_file():
        raise GateFailure(name, f"expectation suite {path} is missing")
    return json.loads(path.read_text(encoding="utf-8"))


def suite_columns(suite: dict) -> list[str]:
    cols: list[str] = []
    for exp in suite["expectations"]:
        for key in ("column", "column_A", "column_B"):
            if key in exp["kwargs"] and exp["kwargs"][key] not in cols:
                cols.append(exp["kwargs"][key])
    return cols


def mask(value) -> str:
    text = str(value)
    return text[:3] + "*" * max(len(text) - 5, 0) + text[-2:] if len(text) > 5 else "*" * len(text)


@lru_cache(maxsize=1)
def _batch_definition():
    """One ephemeral GX context per process: each gate validates its own DataFrame through it."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context.data_sources.add_pandas("gate").add_dataframe_asset("frame").add_batch_definition_whole_dataframe(
        "whole"
    )


def validate_frame(suite: dict, frame, parameters: dict | None = None) -> GateOutcome:
    """Run one suite (plain JSON) over a pandas DataFrame."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    gx_suite = ExpectationSuite(name=suite["name"], expectations=suite["expectations"])
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(gx_suite, expectation_parameters=parameters or {})
    pii = set(suite.get("meta", {}).get("pii_columns", []))
    problems = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        kwargs = {k: v for k, v in cfg.kwargs.items() if k != "batch_id"}
        column = kwargs.get("column")
        examples = (r.result or {}).get("partial_unexpected_list") or []
        if column in pii:
            examples = [mask(v) for v in examples]
        observed = (r.result or {}).get("observed_value")
        count = (r.result or {}).get("unexpected_count")
        detail = f"{cfg.type}({json.dumps(kwargs, ensure_ascii=False, default=str)})"
        if count is not None:
            detail += f": {count} unexpected, e.g. {examples[:5]}"
        elif observed is not None:
            detail += f": observed {observed}"
        if r.exception_info and r.exception_info.get("raised_exception"):
            detail += f": error {r.exception_info.get('exception_message')}"
        problems.append(detail)
    return GateOutcome(suite["name"], bool(result.success), len(result.results), len(problems), "; ".join(problems))


def record(con: duckdb.DuckDBPyConnection, run_date: date, outcome: GateOutcome) -> None:
    con.execute(
        "insert or replace into ingest.gate_results values (?, ?, ?, ?, ?, ?, ?)",
        [run_date, outcome.gate, outcome.success, outcome.evaluated, outcome.failed, outcome.summary,
         datetime.now(UTC)],
    )


def enforce(con: duckdb.DuckDBPyConnection, run_date: date, outcome: GateOutcome, context: str) -> None:
    record(con, run_date, outcome)
    if not outcome.success:
        raise GateFailure(outcome.gate, f"{context}: {outcome.failed} expectation(s) failed: {outcome.summary}")
    log.info("gate %s passed (%d expectations) for %s", outcome.gate, outcome.evaluated, context)
