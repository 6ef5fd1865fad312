"""`standard-parts` command line: the same functions the DAGs call (SPEC section 8)."""

from __future__ import annotations

import json
import logging
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

# no local variables in tracebacks: packages and rows in scope hold residents' names
app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_show_locals=False)
console = Console()

LandingOpt = Annotated[Path, typer.Option("--landing", help="Landing folder <feed>/<YYYY-MM-DD>/<file>")]
WarehouseOpt = Annotated[Path, typer.Option("--warehouse", help="Folder for analytics.duckdb and ops.duckdb")]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False, rich_tracebacks=False)],
        force=True,
    )
    for noisy in ("great_expectations", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _settings(landing: Path | None = None, warehouse: Path | None = None, publish: str | None = None):
    # Options win over the environment; the environment wins over defaults (one Settings object).
    for name, value in (("LANDING", landing), ("WAREHOUSE", warehouse), ("PUBLISH", publish)):
        if value is not None:
            os.environ[f"STANDARD_PARTS_{name}"] = str(value)
    from .config import Settings

    return Settings()


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, got {value!r}") from None


@app.command("generate-city")
def generate_city_cmd(
    landing: LandingOpt,
    residents: Annotated[int, typer.Option(min=1000)] = 100_000,
    start: Annotated[str, typer.Option(help="First date, YYYY-MM-DD")] = "2026-10-01",
    days: Annotated[int, typer.Option(min=1)] = 30,
    seed: int = 42,
    bad_row_share: float = 0.002,
    snapshot_every_days: int = 1,
) -> None:
    """Write a deterministic synthetic Xiamen-like city into the landing folder."""
    from .demo.city import generate_city

    _setup_logging(False)
    stats = generate_city(landing, residents, _parse_date(start, "--start"), days, seed=seed,
                          bad_row_share=bad_row_share, snapshot_every_days=snapshot_every_days)
    console.print_json(json.dumps(stats, default=str))


@app.command("run")
def run_cmd(
    landing: LandingOpt,
    warehouse: WarehouseOpt,
    from_: Annotated[str, typer.Option("--from", help="First run date, YYYY-MM-DD")],
    to: Annotated[str | None, typer.Option("--to", help="Last run date (default: --from)")] = None,
    publish: Annotated[str | None, typer.Option("--publish", help="folder:DIR or http(s)://URL")] = None,
    marts: Annotated[str, typer.Option("--marts", help="every: marts + report each date; last: only after "
                                                         "the last date (faster backfills, same final marts)")] = "every",
    verbose: bool = False,
) -> None:
    """Run the whole night for each date in order (ingest, generate, publish, completions, marts, report)."""
    from .errors import GateFailure
    from .pipeline import run_range

    _setup_logging(verbose)
    settings = _settings(landing, warehouse, publish)
    start = _parse_date(from_, "--from")
    end = _parse_date(to, "--to") if to else start
    if marts not in ("every", "last"):
        raise typer.BadParameter("--marts must be 'every' or 'last'")
    try:
        run_range(settings, start, end, marts_every_date=marts == "every")
    except GateFailure as exc:
        console.print(f"[bold red]gate failed[/]: {exc}")
        raise typer.Exit(2) from None
    print_results(settings)


def print_results(settings) -> None:
    import duckdb

    console.print(f"analytics warehouse: [bold]{settings.analytics_path.resolve()}[/]")
    report = settings.warehouse / "reports" / "latest.html"
    if report.exists():
        console.print(f"leadership report:   [bold]{report.resolve()}[/]")
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        rows = con.execute(
            "select feed, reason, sum(rows)::bigint from marts.quarantine_summary group by all order by 1, 2"
        ).fetchall()
        kpi = con.execute(
            """
            select sum(tasks_due), sum(tasks_completed), sum(tasks_on_time)
            from marts.completion_rate_daily
            where as_of_date = (select max(as_of_date) from marts.completion_rate_daily)
            """
        ).fetchone()
        codes = con.execute(
            """
            select sum(green), sum(yellow), sum(red), sum(pending) from marts.work_code_summary
            where as_of_date = (select max(as_of_date) from marts.work_code_summary)
            """
        ).fetchone()
        issued = con.execute("select count(*) from marts.fct_tasks").fetchone()[0]
    due, done, on_time = (int(v or 0) for v in kpi)
    green, yellow, red, pending = (int(v or 0) for v in codes)
    rate = f"{done / due:.1%}" if due else "n/a"
    console.print(f"tasks issued {issued:,}; due {due:,}; completed {done:,} (completion rate {rate}, "
                  f"on time {on_time / due:.1%})" if due else f"tasks issued {issued:,}; none due yet")
    console.print(f"work codes: green {green:,}, yellow {yellow:,}, red {red:,}, pending {pending:,}")
    table = Table(title="Quarantine summary (all landing files read)")
    for col in ("feed", "reason", "rows"):
        table.add_column(col)
    for feed, reason, n in rows:
        table.add_row(feed, reason, f"{n:,}")
    console.print(table)


@app.command("demo")
def demo_cmd(
    landing: LandingOpt = Path("data/landing"),
    warehouse: WarehouseOpt = Path("data/warehouse"),
    residents: int = 100_000,
    start: str = "2026-10-01",
    days: int = 30,
    seed: int = 42,
) -> None:
    """Generate the demo city (once per parameters) and run the pipeline over every day, with a
    simulated officer app answering each day's packages (the pipeline does not know about it)."""
    from .demo.city import generate_city
    from .demo.officers import officers_hook
    from .pipeline import run_range

    _setup_logging(False)
    first = _parse_date(start, "--start")
    marker = landing / ".generated.json"
    wanted = {"residents": residents, "start": start, "days": days, "seed": seed}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        console.print(f"generating a city of {residents:,} residents over {days} days into {landing}")
        generate_city(landing, residents, first, days, seed=seed)
        marker.write_text(json.dumps(wanted))
    outbox = warehouse / "outbox"
    settings = _settings(landing, warehouse, f"folder:{outbox}")
    # The marts are rebuilt from all data on every build, so the demo builds them (and the report)
    # once, after its last day; `standard-parts run` builds them every night.
    run_range(settings, first, first + timedelta(days=days - 1), after_publish=officers_hook(landing, outbox, seed),
              marts_every_date=False)
    print_results(settings)


@app.command("pii-scan")
def pii_scan_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (logs, reports, notebooks, *.duckdb)")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Look for id numbers, phones and names of the persons on file in what leaves the operational
    store. Prints masked findings; exits 1 if there are any."""
    from .pii_scan import known_persons, scan_duckdb, scan_paths

    settings = _settings(warehouse=warehouse)
    ids, phones, names = known_persons(settings.ops_path)
    findings = []
    for path in paths:
        if path.is_file() and path.suffix == ".duckdb":
            findings += scan_duckdb(path, names, ids, phones)
        else:
            findings += scan_paths([path], names, ids, phones)
    for f in findings:  # one unwrapped line per finding: for grep and for the operator's log
        typer.echo(f"{f.where}: {f.kind} {f.excerpt}")
    typer.echo(f"{len(findings)} finding(s) in {len(paths)} path(s) against {len(ids):,} persons on file")
    raise typer.Exit(1 if findings else 0)


@app.command("bench")
def bench_cmd(
    residents: Annotated[int, typer.Option(min=1000)] = 5_300_000,
    out: Annotated[Path, typer.Option(help="JSON result file")] = Path("bench/latest.json"),
    cache: Annotated[Path, typer.Option(help="Where cached cities and warehouses live")] = Path("data/bench"),
    seed: int = 42,
) -> None:
    """One full night over a cached city with a year of history: per-stage time, rows, peak RSS."""
    from .bench import run_benchmark

    _setup_logging(False)
    result = run_benchmark(residents, out, cache, seed)
    table = Table(title=f"Nightly run, {residents:,} residents ({result['history_tasks']:,} tasks of history)")
    for col in ("stage", "seconds", "rows", "rows/s", "peak RSS MB"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for s in result["stages"]:
        rate = f"{s['rows'] / s['seconds']:,.0f}" if s["rows"] and s["seconds"] else "-"
        table.add_row(s["name"], f"{s['seconds']:.2f}", f"{s['rows']:,}", rate, f"{s['peak_rss_mb']:.0f}")
    console.print(table)
    console.print(f"total {result['total_seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB; generation "
                  f"{result['generation_seconds']:.2f} s vs floor {result['floor_seconds']:.2f} s "
                  f"(ratio {result['generation_floor_ratio']:.2f}); DAG parse: "
                  + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result["dag_parse_seconds"].items()))
    console.print(f"written to {out}")


def main() -> None:  # pragma: no cover - console entry point
    app()
