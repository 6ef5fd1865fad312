"""Quality gates: Great Expectations suites (JSON under ``expectations/``) run on pandas batches.

A failed gate raises :class:`GateFailure` naming the gate, the expectation and example values, so
the Airflow task fails and nothing downstream runs. Example values of personal-data columns (listed
in a suite's ``meta.pii_columns``) are masked in the validation result itself, before they reach a
message, a log or the GX Data Docs that :func:`record` updates (see :mod:`standard_parts.gx_docs`).
"""

from __future__ import annotations

import importlib
import json
import logging
import numbers
import os
import sys
import time
import types
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

import duckdb

from .config import Settings
from .errors import GateFailure
from .privacy import mask_value

log = logging.getLogger(__name__)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


# Columns that hold personal data wherever they appear: masked in every suite, even one that
# forgets to list them in meta.pii_columns.
PERSONAL_COLUMNS = frozenset({"id_number", "phone", "name", "owner_id_number", "person_id"})


@dataclass
class GateOutcome:
    gate: str
    success: bool
    evaluated: int
    failed: int
    summary: str
    suite: dict | None = field(default=None, repr=False, compare=False)
    result: object = field(default=None, repr=False, compare=False)  # masked GX validation result


def load_suite(settings: Settings, name: str) -> dict:
    path = Path(settings.expectations_dir) / f"{name}.json"
    if not path.is_file():
        raise GateFailure(name, f"expectation suite {path} is missing")
    return json.loads(path.read_text(encoding="utf-8"))


def read_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None):
    """A query's rows as a pandas DataFrame by way of Arrow: for a 5.3M-row snapshot 1.4 s and
    0.8 GB against 7.9 s and 2.5 GB for ``.df()`` (which builds Python strings first)."""
    con.complete()  # a relation refuses to run while an earlier execute() result is unread
    return con.sql(sql, params=params).to_arrow_table().to_pandas(date_as_object=False)


def suite_columns(suite: dict) -> list[str]:
    cols: list[str] = []
    for exp in suite["expectations"]:
        for key in ("column", "column_A", "column_B"):
            if key in exp["kwargs"] and exp["kwargs"][key] not in cols:
                cols.append(exp["kwargs"][key])
    return cols


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is read, then imports it and delegates."""

    def __getattr__(self, attr: str):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)


def import_great_expectations():
    """``great_expectations``, imported without the modules it loads for expectations no suite here
    uses (KL divergence, KS tests: scipy.stats and altair, ~1 s of the ~3 s import that every gated
    stage's process pays). They are deferred, not removed: the first attribute read imports them."""
    if "great_expectations" not in sys.modules:
        for name in ("scipy.stats", "altair"):
            sys.modules.setdefault(name, _Deferred(name))
    import great_expectations

    return great_expectations


@lru_cache(maxsize=1)
def _batch_definition():
    """One ephemeral GX context per process: each gate validates its own DataFrame through it."""
    gx = import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch it hands out (an md5 over pd.util.hash_pandas_object,
    # twice per validation) unless the frame's shallow size is over HASH_THRESHOLD (1 GB). The
    # fingerprint is metadata nothing here reads, and it was 21 of the 21.5 s a 5.3M-row persons
    # validation took (profiled with cProfile): skip it for every frame.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context.data_sources.add_pandas("gate").add_dataframe_asset("frame").add_batch_definition_whole_dataframe(
        "whole"
    )


def validate_frame(suite: dict, frame, parameters: dict | None = None) -> GateOutcome:
    """Run one suite (plain JSON) over a pandas DataFrame."""
    batch_definition = _batch_definition()  # first: it imports GX (import_great_expectations)
    from great_expectations.core.expectation_suite import ExpectationSuite

    gx_suite = ExpectationSuite(name=suite["name"], expectations=suite["expectations"])
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(gx_suite, expectation_parameters=parameters or {})
    mask_result(result, set(suite.get("meta", {}).get("pii_columns", [])) | PERSONAL_COLUMNS)
    problems = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        kwargs = {k: v for k, v in cfg.kwargs.items() if k != "batch_id"}
        examples = (r.result or {}).get("partial_unexpected_list") or []
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
    return GateOutcome(suite["name"], bool(result.success), len(result.results), len(problems), "; ".join(problems),
                       suite=suite, result=result)


# Result entries that hold values of the column (not counts or shares).
_VALUE_LISTS = ("partial_unexpected_list", "unexpected_list", "partial_unexpected_index_list",
                "unexpected_index_list", "unexpected_rows")


def mask_result(result, pii: set[str]) -> None:
    """Mask, in place, every value an expectation on a personal-data column reports (example
    values, value counts, observed values, errors), so no message, log or page shows one."""
    if not pii:
        return
    for r in result.results:
        kwargs = r.expectation_config.kwargs if r.expectation_config is not None else {}
        columns = {kwargs.get(k) for k in ("column", "column_A", "column_B")} | set(kwargs.get("column_list") or [])
        if not columns & pii:
            continue
        details = r.result or {}
        for key in _VALUE_LISTS:
            if isinstance(details.get(key), list):
                details[key] = [v if isinstance(v, numbers.Number) and key.endswith("index_list") else _mask_deep(v)
                                for v in details[key]]
        if isinstance(details.get("partial_unexpected_counts"), list):
            details["partial_unexpected_counts"] = [
                {**c, "value": _mask_deep(c.get("value"))} if isinstance(c, dict) else _mask_deep(c)
                for c in details["partial_unexpected_counts"]]
        if isinstance(details.get("observed_value"), str | list | tuple | dict):
            details["observed_value"] = _mask_deep(details["observed_value"])
        if isinstance(details.get("details"), dict):
            details["details"] = _mask_deep(details["details"])
        if r.exception_info and r.exception_info.get("raised_exception"):
            r.exception_info["exception_message"] = "error on a personal-data column (message withheld)"
            r.exception_info["exception_traceback"] = None


def _mask_deep(value):
    if value is None or isinstance(value, bool | float):  # numbers with a fraction are no ids or phones
        return value
    if isinstance(value, dict):
        return {k: _mask_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_deep(v) for v in value]
    return mask_value(value)


def record(con: duckdb.DuckDBPyConnection, run_date: date, outcome: GateOutcome) -> None:
    """Keep the outcome in ``ingest.gate_results`` and add its page to the GX Data Docs of the
    warehouse the operational store ``con`` lives in (``<warehouse>/gx_docs``)."""
    # An unchanged outcome keeps its first checked_at: re-running a date on unchanged inputs must
    # leave marts.gate_results equal (SPEC section 8).
    con.execute(
        """
        insert into ingest.gate_results values (?, ?, ?, ?, ?, ?, ?)
        on conflict (run_date, gate) do update set
            checked_at = case when (ingest.gate_results.success, ingest.gate_results.evaluated,
                                    ingest.gate_results.failed, ingest.gate_results.summary)
                                   is not distinct from (excluded.success, excluded.evaluated, excluded.failed,
                                                         excluded.summary)
                              then ingest.gate_results.checked_at else excluded.checked_at end,
            success = excluded.success, evaluated = excluded.evaluated, failed = excluded.failed,
            summary = excluded.summary
        """,
        [run_date, outcome.gate, outcome.success, outcome.evaluated, outcome.failed, outcome.summary,
         datetime.now(UTC)],
    )
    _write_gx_docs(con, run_date, outcome)


def _write_gx_docs(con: duckdb.DuckDBPyConnection, run_date: date, outcome: GateOutcome) -> None:
    """Best effort: the docs are a view of the outcome just recorded; a gate never fails for them."""
    if outcome.result is None or outcome.suite is None:
        return
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    if not row or not row[0]:
        return  # an in-memory store (tests): no warehouse folder to write into
    from . import gx_docs

    started = time.perf_counter()
    try:
        gx_docs.write_validation_pages(Path(row[0]).parent, run_date, outcome.gate, outcome.suite, outcome.result)
    except Exception:
        log.warning("could not update the GX Data Docs for gate %s", outcome.gate, exc_info=True)
        return
    log.debug("GX Data Docs page of %s written (%.2f s)", outcome.gate, time.perf_counter() - started)


def enforce(con: duckdb.DuckDBPyConnection, run_date: date, outcome: GateOutcome, context: str) -> None:
    record(con, run_date, outcome)
    if not outcome.success:
        raise GateFailure(outcome.gate, f"{context}: {outcome.failed} expectation(s) failed: {outcome.summary}")
    log.info("gate %s passed (%d expectations) for %s", outcome.gate, outcome.evaluated, context)
