"""Importing this module warms a process for the night's stages: a worker that forks its tasks
(Airflow 3's Celery workers fork each task from the worker process; the benchmark forks each stage
from a forkserver) imports it once, and every stage forked afterwards starts with the modules loaded.

What is loaded is what every gated stage imports anyway, and nothing more: Great Expectations
(~3 s, most of a gated stage's fixed cost: its datasource classes are built on import) with pandas
and pyarrow for the gate frames, DuckDB, and the pipeline. dbt and plotly stay out: only one stage
each needs them, and a forked stage's resident memory counts every page it inherits, so the
population ingest, the night's largest stage, would carry them for nothing.
"""

from __future__ import annotations

import logging
import time

_started = time.perf_counter()

import duckdb  # noqa: E402,F401
import pandas  # noqa: E402,F401
import pyarrow.pandas_compat  # noqa: E402,F401  (read_frame: Arrow to pandas)

from . import pipeline  # noqa: E402,F401
from .gates import import_great_expectations  # noqa: E402
from .ingest import gate, loader  # noqa: E402,F401

import_great_expectations()

SECONDS = time.perf_counter() - _started
logging.getLogger(__name__).info("process warmed for the night's stages in %.1f s "
                                 "(Great Expectations, pandas, pyarrow, DuckDB, the pipeline)", SECONDS)
