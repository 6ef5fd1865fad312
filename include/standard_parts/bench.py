"""City-scale benchmark: one full night over a cached city with a year of task history.

Each stage runs in its own process, so its wall time and peak resident memory are its own. The
processes are forked from a warm forkserver that has imported :mod:`standard_parts.warm`, as
Airflow 3 forks each task from a Celery worker that imported it at start
(:mod:`standard_parts.celery_config`). The generation floor is one plain DuckDB scan-and-join of the
inputs every rule needs; the report prints generation / floor.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import multiprocessing.forkserver
import os
import resource
import shutil
import subprocess
import sys
import time
import zlib
from datetime import date, timedelta
from pathlib import Path

from .config import Settings
from .store import read_named_sql, read_sql

log = logging.getLogger(__name__)

BENCH_START = date(2026, 10, 1)  # day 0 of the cached city; the measured night is day 1
HISTORY_DAYS = 365


def _child(stage: str, settings_json: str, run_date: str, conn) -> None:
    logging.basicConfig(level=logging.WARNING)
    from . import pipeline

    settings = Settings.model_validate_json(settings_json)
    day = date.fromisoformat(run_date)
    t0 = time.perf_counter()
    try:
        if stage == "floor":
            result = generation_floor(settings, day)
        elif stage == "ingest_floor":
            result = ingest_floor(settings, day)
        else:
            result = dict(pipeline.night(settings, day))[stage]()
        error = None
    except BaseException as exc:  # reported to the parent, which fails loudly
        result, error = None, f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - t0
    issued = result.get("issued") if isinstance(result, dict) else None  # the generate stage's tasks
    conn.send({"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "rows": rows_of(stage, result),
               "issued": issued, "error": error})
    conn.close()


def _peak_rss_mb() -> float:
    """The stage's high-water mark: its own (VmHWM; ru_maxrss would also count the parent's peak,
    which Linux carries across fork + exec) or that of the largest process it started and waited
    for (the report draws its pages in forked processes), whichever is higher."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return max(int(line.split()[1]) / 1024, children)
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, children)


def rows_of(stage: str, result) -> int:
    """The rows a stage processed, from what it returns."""
    if isinstance(result, list):  # ingest: per-file results
        return sum(int(r.get("rows_read", 0)) for r in result)
    if isinstance(result, dict):
        for key in ("rows", "candidates", "total", "tasks"):
            if key in result:
                return int(result[key])
    return 0


def _context():
    """The forkserver every stage is forked from, warmed once (not measured) like a Celery worker."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["standard_parts.warm"])
    return ctx


def run_stage(stage: str, settings: Settings, run_date: date) -> dict:
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(stage, settings.model_dump_json(), run_date.isoformat(), child))
    proc.start()
    child.close()
    out = parent.recv()
    proc.join()
    if out["error"]:
        raise RuntimeError(f"benchmark stage {stage} failed: {out['error']}")
    extra = {"issued": out["issued"]} if out["issued"] is not None else {}
    return {"name": stage, **{k: out[k] for k in ("seconds", "rows", "peak_rss_mb")}, **extra}


def generation_floor(settings: Settings, run_date: date) -> dict:
    """One plain scan-and-join of every input the rules read (persons→houses→communities,
    alerts→persons, venues→communities), aggregated per object: no rule logic, no merging."""
    import duckdb

    from .store import configure

    con = duckdb.connect(str(settings.ops_path), read_only=True)
    configure(con, settings)
    rows = con.execute(read_sql("sql/bench_floor.sql"), {"run_date": run_date}).fetchall()
    con.close()
    return {"rows": sum(r[0] for r in rows)}


def ingest_floor(settings: Settings, run_date: date) -> dict:
    """A plain DuckDB ``read_csv`` of the night's population files into typed tables of a DuckDB file
    beside the operational store (same settings), no checks: what any ingest of them costs at least."""
    import duckdb

    from .feeds import files_of, select_file
    from .store import configure, scratch_dir

    db = scratch_dir(settings) / "ingest_floor.duckdb"
    db.unlink(missing_ok=True)
    statements = read_named_sql("sql/bench_ingest_floor.sql")
    rows = 0
    con = duckdb.connect(str(db))
    try:
        configure(con, settings)
        for spec in files_of("population"):
            path, _ = select_file(settings.landing, spec, run_date)
            con.execute(statements[spec.entity], {"path": str(path)})
            rows += con.execute(f"select count(*) from floor_{spec.entity}").fetchone()[0]
    finally:
        con.close()
        db.unlink(missing_ok=True)
        Path(f"{db}.wal").unlink(missing_ok=True)
    return {"rows": rows}


def ensure_city(cache: Path, residents: int, seed: int) -> Path:
    from .demo.city import SEED_RATES, generate_city

    # The seed's event rates (README: calibration) are part of the name, so a city cached under other
    # rates (the demo's denser ones, or an earlier calibration) is never reused.
    rates = zlib.crc32(repr(SEED_RATES).encode())
    landing = cache / f"city-{residents}-seed{seed}-rates{rates:08x}" / "landing"
    marker = landing / ".complete"
    if not marker.exists():
        shutil.rmtree(landing, ignore_errors=True)
        t0 = time.perf_counter()
        generate_city(landing, residents, BENCH_START, 2, seed=seed, rates=SEED_RATES)
        marker.write_text(json.dumps({"seconds": time.perf_counter() - t0}))
    return landing


def seed_history(settings: Settings, run_date: date, days: int) -> int:
    """A year of tasks and completions before the run date, in the operational store."""
    from .generate.engine import prepare
    from .store import ops_session

    with ops_session(settings) as con:
        prepare(con, settings, run_date)
        history = read_named_sql("sql/bench_history.sql")
        per_day = _tasks_per_day(con)
        con.execute(history["tasks"], {"run_date": run_date, "days": days, "tasks_per_day": per_day})
        con.execute(history["completions"], {"run_date": run_date})
        n = con.execute("select count(*) from ops.tasks").fetchone()[0]
    log.info("history: %d tasks before %s", n, run_date)
    return n


def settle(settings: Settings, run_date: date) -> None:
    """Day 0's issue worked off during day 0 (``bench_history.sql``: settle), as every earlier day's was."""
    from .generate.engine import prepare
    from .store import ops_session

    with ops_session(settings) as con:
        prepare(con, settings, run_date)
        con.execute(read_named_sql("sql/bench_history.sql")["settle"], {"run_date": run_date})


def _tasks_per_day(con) -> int:
    """~370k tasks a year at 5.3M residents, scaled by the city's residents."""
    residents = con.execute("select count(*) from ops.persons where status = 'active'").fetchone()[0]
    return max(10, round(370_000 / 365 * residents / 5_300_000))


def dag_parse_times() -> dict[str, float]:
    dags = Path(__file__).resolve().parents[2] / "dags"
    out = {}
    for path in sorted(dags.glob("*.py")):
        # Airflow itself is imported first (the dag-processor has it loaded): what is timed is the
        # DAG file's own work.
        code = ("import time, runpy, sys; import airflow.sdk; t = time.perf_counter(); "
                "runpy.run_path(sys.argv[1]); print(time.perf_counter() - t)")
        env = {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env,
                             check=True)
        out[path.name] = float(res.stdout.strip().splitlines()[-1])
    return out


def backlog(settings: Settings, run_date: date) -> dict:
    """Open tasks when the night of ``run_date`` starts (issued before it, no valid completion landed
    before it) and the completion rate of the seeded history (tasks ``H…``)."""
    from .completions import refresh_reference
    from .store import ops_session

    with ops_session(settings) as con:
        refresh_reference(con)  # ops.valid_completions, as the completions stage defines it
        open_before, rate = con.execute(read_named_sql("sql/bench_history.sql")["backlog"],
                                        {"run_date": run_date}).fetchone()
    return {"open_tasks_before": open_before, "history_completion_rate": rate}


def run_benchmark(residents: int, out: Path, cache: Path, seed: int = 42) -> dict:
    landing = ensure_city(cache, residents, seed)
    city_meta = json.loads((landing / ".complete").read_text())
    warehouse = cache / f"warehouse-{residents}"
    shutil.rmtree(warehouse, ignore_errors=True)
    settings = Settings(landing=landing, warehouse=warehouse, publish=f"folder:{warehouse / 'outbox'}",
                        max_quarantine_share=0.05)
    day0, night = BENCH_START, BENCH_START + timedelta(days=1)
    from . import pipeline

    # Set-up, not measured: a year of history before day 0, then day 0's own night, so the
    # measured night sees the steady state (open tasks, cooldowns) and not a first-day backlog.
    for feed in pipeline.INGEST_ORDER:
        pipeline.ingest(settings, feed, day0)
    history = seed_history(settings, day0, HISTORY_DAYS)
    pipeline.generate(settings, day0)
    settle(settings, day0)
    before = backlog(settings, night)

    _context()
    mp.forkserver.ensure_running()  # the worker starts (and warms) before the night, as Celery's does
    stages = []
    t0 = time.perf_counter()
    for name, _ in pipeline.night(settings, night):
        stages.append(run_stage(name, settings, night))
        log.info("%s: %.1f s", name, stages[-1]["seconds"])
    total = time.perf_counter() - t0
    floor = run_stage("floor", settings, night)
    population_floor = run_stage("ingest_floor", settings, night)
    generation = next(s for s in stages if s["name"] == "generate")
    population = next(s for s in stages if s["name"] == "ingest_population")
    result = {
        "residents": residents,
        "run_date": night.isoformat(),
        "history_tasks": history,
        "city_generation_seconds": city_meta["seconds"],
        "stages": stages,
        "total_seconds": total,
        "peak_rss_mb": max(s["peak_rss_mb"] for s in stages),
        "generation_seconds": generation["seconds"],
        "floor_seconds": floor["seconds"],
        "generation_floor_ratio": generation["seconds"] / floor["seconds"] if floor["seconds"] else None,
        "ingest_population_seconds": population["seconds"],
        "ingest_floor_seconds": population_floor["seconds"],
        "ingest_floor_ratio": population["seconds"] / population_floor["seconds"],
        "tasks_issued": generation["issued"],
        **before,
        "dag_parse_seconds": dag_parse_times(),
        "machine": {"cpus": os.cpu_count(), "duckdb_threads": settings.duckdb_threads,
                    "duckdb_memory_limit": settings.duckdb_memory_limit},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return result
