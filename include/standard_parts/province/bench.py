"""``standard-parts bench --cities N --residents R``: a province night on this machine.

N synthetic cities of R residents each (cached under ``<cache>/province-N-R``), two days of
landing. Day 1 is set-up (the first night's backlog), not measured. Day 2 is measured twice:
every city's night alone, one after another (the serial work), then all cities at once,
``workers`` processes, as the Celery workers would run them, followed by the roll-up. Parallel
efficiency = serial work / (workers x parallel wall time). Also measured: how long the DAG files
take to parse with the N cities configured (and with nine, Fujian's count).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from .config import load_config
from .demo import demo_cities, generate_landing, write_config

log = logging.getLogger(__name__)

START = date(2026, 10, 1)


def _peak_rss_children_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def dag_parse_with_cities(count: int | None) -> dict[str, float]:
    """CPU seconds each DAG file takes to parse with a ``count``-city province config (paths need
    not exist; None: no province config). Airflow itself is imported first, as in the
    dag-processor. CPU time, not wall time: on a busy machine the wall clock measures the others."""
    import subprocess
    import sys

    dags = Path(__file__).resolve().parents[3] / "dags"
    code = ("import time, runpy, sys; import airflow.sdk; t = time.process_time(); "
            "runpy.run_path(sys.argv[1]); print(time.process_time() - t)")
    with tempfile.TemporaryDirectory(prefix="province-parse-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "STANDARD_PARTS_PROVINCE_CONFIG"}
        env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
        if count:
            env["STANDARD_PARTS_PROVINCE_CONFIG"] = str(write_config(Path(tmp), demo_cities(count, 1000)))
        out = {}
        for path in sorted(dags.glob("*.py")):
            res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                                 env=env, check=True)
            out[path.name] = float(res.stdout.strip().splitlines()[-1])
        return out


def ensure_province(cache: Path, cities: int, residents: int, seed: int) -> Path:
    folder = cache / f"province-{cities}-{residents}-{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        demo = demo_cities(cities, residents, seed)
        for city in demo:
            log.info("generating %s (%d residents)", city.id, residents)
            generate_landing(folder / city.id / "landing", city, START, 2, completions=False)
        write_config(folder, demo)
        marker.write_text(json.dumps({"seconds": time.perf_counter() - started}))
    for city in load_config(folder / "province.yaml").cities:  # fresh warehouses every run
        shutil.rmtree(city.warehouse, ignore_errors=True)
        if city.publish and city.publish.startswith("folder:"):
            shutil.rmtree(city.publish.removeprefix("folder:"), ignore_errors=True)
    shutil.rmtree(folder / "province", ignore_errors=True)
    return folder / "province.yaml"


def run_province_bench(cities: int, residents: int, out: Path, cache: Path, seed: int = 42,
                       workers: int | None = None) -> dict:
    from .rollup import build_rollup
    from .run import run_province

    workers = workers or min(cities, os.cpu_count() or 1)
    config = load_config(ensure_province(cache, cities, residents, seed))
    day1, day2 = START, START + timedelta(days=1)

    setup = run_province(config, day1, workers=workers, report=False)
    if setup.exit_status:
        raise RuntimeError(f"set-up night failed: {[n.message for n in setup.nights if n.message]}")

    alone = {}
    for city in config.cities:  # the serial work: each city's night with the machine to itself
        one = config.model_copy(update={"cities": [city]})
        one.source = config.source
        r = run_province(one, day2, workers=1, report=False)
        alone[city.id] = r.nights[0].seconds

    started = time.perf_counter()
    parallel = run_province(config, day2, workers=workers, report=True)
    wall = time.perf_counter() - started
    if parallel.exit_status:
        raise RuntimeError(f"measured night failed: {[n.message for n in parallel.nights if n.message]}")
    t = time.perf_counter()
    build_rollup(config, day2)
    rollup_seconds = time.perf_counter() - t

    serial = sum(alone.values())
    result = {
        "cities": cities,
        "residents_per_city": residents,
        "workers": workers,
        "run_date": day2.isoformat(),
        "night_seconds_alone": alone,
        "night_seconds_parallel": {n.city_id: n.seconds for n in parallel.nights},
        "serial_seconds": serial,
        "wall_seconds": wall,
        "rollup_seconds": rollup_seconds,
        "speedup": serial / wall if wall else None,
        "parallel_efficiency": serial / (workers * wall) if wall else None,
        "peak_rss_mb_per_night": _peak_rss_children_mb(),
        "dag_parse_cpu_seconds_one_city": dag_parse_with_cities(None),
        "dag_parse_cpu_seconds": dag_parse_with_cities(cities),
        "dag_parse_cpu_seconds_9_cities": dag_parse_with_cities(9),
        "machine": {"cpus": os.cpu_count()},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return result


def bench_command(cities: int, residents: int, out: Path, cache: Path, seed: int) -> None:
    """What ``standard-parts bench --cities N`` prints."""
    from rich.console import Console
    from rich.table import Table

    if out == Path("bench/latest.json"):  # the single-city default: keep the two results apart
        out = Path(f"bench/province-{cities}x{residents}.json")
    r = run_province_bench(cities, residents, out, cache, seed)
    table = Table(title=f"Province night: {cities} cities x {residents:,} residents, {r['workers']} workers")
    for col in ("city", "night alone s", "night in parallel s"):
        table.add_column(col, justify="left" if col == "city" else "right")
    for city, alone in r["night_seconds_alone"].items():
        table.add_row(city, f"{alone:.1f}", f"{r['night_seconds_parallel'][city]:.1f}")
    console = Console()
    console.print(table)
    console.print(f"serial work {r['serial_seconds']:.1f} s; wall {r['wall_seconds']:.1f} s (incl. roll-up); "
                  f"roll-up {r['rollup_seconds']:.2f} s; speed-up {r['speedup']:.2f}; parallel efficiency "
                  f"{r['parallel_efficiency']:.0%}; peak RSS of one night {r['peak_rss_mb_per_night']:.0f} MB")
    for label, key in (("one city", "dag_parse_cpu_seconds_one_city"), ("9 cities", "dag_parse_cpu_seconds_9_cities")):
        console.print(f"DAG parse CPU time, {label}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in r[key].items()))
    console.print(f"written to {out}")
