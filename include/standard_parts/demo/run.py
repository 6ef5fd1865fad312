"""`standard-parts demo`: generate the city, run every night with a progress bar, keep the console quiet.

The console shows one progress bar over the nights and one summary line per night (tasks issued,
completion rate, gates passed); every log line goes to ``<warehouse>/../logs/demo.log`` (``data/logs``
for the default folders). At the end it says where the report is, how to open the notebooks and how
to start Airflow.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..config import Settings

log = logging.getLogger(__name__)


def log_file(settings: Settings) -> Path:
    return settings.warehouse.parent / "logs" / "demo.log"


def _log_to_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.captureWarnings(True)  # library warnings go to the log file, not the terminal
    for noisy in ("great_expectations", "dbt", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def night_summary(settings: Settings, day: date) -> str:
    """One line: tasks issued, packages, the completion rate of tasks due by the end of the day, gates."""
    from ..business_time import as_of_at

    end = as_of_at(day, settings.timezone)
    with duckdb.connect(str(settings.ops_path), read_only=True) as con:
        state, tasks, packages = con.execute(
            "select state, tasks_issued, packages_delivered from ingest.run_dates where run_date = ?", [day]
        ).fetchone()
        due, done = con.execute(
            """
            with due as (select task_id from ops.tasks where due_at <= $end),
            done as (
                select distinct c.task_id from ops.completions as c join due using (task_id)
                where c.outcome = 'done' and c.completed_at <= $end
            )
            select (select count(*) from due), (select count(*) from done)
            """, {"end": end}).fetchone()
        passed, total = con.execute(
            "select count(*) filter (where success), count(*) from ingest.gate_results where run_date = ?", [day]
        ).fetchone()
    rate = f"{done / due:.1%}" if due else "n/a"
    return (f"{day}  {state}: {tasks:,} tasks issued, {packages:,} packages, completion rate {rate} "
            f"({done:,}/{due:,} due), gates {passed}/{total} passed")


def run_demo(settings: Settings, console: Console, residents: int, first: date, days: int, seed: int) -> None:
    from ..pipeline import run_date_stages
    from .city import generate_city
    from .officers import officers_hook

    _log_to_file(log_file(settings))
    landing = settings.landing
    marker = landing / ".generated.json"
    wanted = {"residents": residents, "start": first.isoformat(), "days": days, "seed": seed}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        console.print(f"generating a city of {residents:,} residents over {days} days into {landing}")
        landing.mkdir(parents=True, exist_ok=True)
        generate_city(landing, residents, first, days, seed=seed)
        marker.write_text(json.dumps(wanted))
    outbox = Path(settings.publish.removeprefix("folder:"))
    hook = officers_hook(landing, outbox, seed)
    console.print(f"running {days} nights; the full log is in {log_file(settings)}")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        bar = progress.add_task("nights", total=days)
        for offset in range(days):
            day = first + timedelta(days=offset)
            progress.update(bar, description=f"night {day}")
            # The marts are rebuilt from all data on every build, so the demo builds them (and the
            # report) once, after its last night; `standard-parts run` builds them every night.
            run_date_stages(settings, day, after_publish=hook, build_marts=offset == days - 1)
            progress.console.print(night_summary(settings, day))
            progress.advance(bar)


def print_pointers(settings: Settings, console: Console) -> None:
    """The last lines of the demo: where the report is, how to open the notebooks and Airflow."""
    report = settings.warehouse / "reports" / "latest.html"
    console.print(f"\nleadership report: [bold]{report}[/] (open it in a browser)")
    # jupyter execute ships with the pinned dev tools (nbclient); JupyterLab is not installed
    console.print(f"notebooks:         [bold]STANDARD_PARTS_WAREHOUSE={settings.warehouse} .venv/bin/jupyter execute "
                  "notebooks/01_completion_analysis.ipynb --output=01.out[/] (from the repository root)",
                  soft_wrap=True)
    console.print("Airflow:           [bold]make airflow[/] (airflow standalone with this project's DAG; "
                  "README, Operating)")
    console.print(f"full log:          {log_file(settings)}")
