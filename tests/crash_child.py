"""The process the crash-safety tests (``test_crash_safety.py``) kill with SIGKILL: one night of the
pipeline for one run date, announcing each stage on stdout.

    python tests/crash_child.py 2026-10-02   # one night; settings from STANDARD_PARTS_* variables
    python tests/crash_child.py --serve      # fork server: one night per request line on stdin

Importing the pipeline's libraries (Great Expectations, dbt) takes seconds, so the tests use the
fork server: it imports everything once and forks a fresh process per night, which dies by SIGKILL
as any process would (no handler runs, its writer lock goes with it). A request is one JSON line
``{"run_date": ..., "landing": ..., "warehouse": ..., "publish": ..., "tmp": ...}`` (``tmp``: the
night's temporary folder, so what a killed night leaves there stays with the test). Output, one flushed line per
event (seconds since the night's first stage)::

    pid <pid>                   (the night's process: the one to kill)
    start <stage> <seconds>
    end <stage> <seconds>
    done <seconds>
    exit <pid> <code>           (server only: the night's exit code, -9 when killed)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from datetime import date


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def preload() -> None:
    """Import what the stages import lazily, so a stage's clock measures its own work (and a fork
    server has it all before it forks). No DuckDB connection and no thread is created here."""
    import duckdb  # noqa: F401
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401
    from dbt.cli.main import dbtRunner  # noqa: F401
    from standard_parts import analytics, completions, pipeline, report  # noqa: F401
    from standard_parts.generate import engine, gate  # noqa: F401
    from standard_parts.ingest import gate as ingest_gate  # noqa: F401
    from standard_parts.ingest import loader  # noqa: F401
    from standard_parts.publish import ledger, packages  # noqa: F401
    from standard_parts.report import data, page  # noqa: F401


def night(run_date: date, settings=None, announce: Callable[[str], None] = say) -> dict[str, list[float]]:
    """Every stage of the night (``pipeline.night``), announced as it starts and ends; returns the
    stage clock ``{stage: [start, end]}``. Settings default to the environment's."""
    from standard_parts.config import Settings
    from standard_parts.pipeline import night as stages_of

    clock: dict[str, list[float]] = {}
    t0 = time.monotonic()
    for name, stage in stages_of(settings or Settings(), run_date):
        clock[name] = [time.monotonic() - t0, 0.0]
        announce(f"start {name} {clock[name][0]:.4f}")
        stage()
        clock[name][1] = time.monotonic() - t0
        announce(f"end {name} {clock[name][1]:.4f}")
    announce(f"done {time.monotonic() - t0:.4f}")
    return clock


def serve() -> None:
    preload()
    assert threading.active_count() == 1, f"cannot fork safely with threads: {threading.enumerate()}"
    say("ready")
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the night's process
            code = 1
            try:
                os.environ.update({
                    "STANDARD_PARTS_LANDING": request["landing"],
                    "STANDARD_PARTS_WAREHOUSE": request["warehouse"],
                    "STANDARD_PARTS_PUBLISH": request["publish"],
                    "TMPDIR": request["tmp"],
                })
                tempfile.tempdir = request["tmp"]  # gettempdir() may have been cached before the fork
                say(f"pid {os.getpid()}")
                night(date.fromisoformat(request["run_date"]))
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        say(f"exit {pid} {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve()
    else:
        preload()
        say(f"pid {os.getpid()}")
        night(date.fromisoformat(sys.argv[1]))
