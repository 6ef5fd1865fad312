"""The standard-parts command line: the same functions the Airflow DAGs call.

Every command reads the STANDARD_PARTS_* environment variables (for example STANDARD_PARTS_LANDING
and STANDARD_PARTS_WAREHOUSE); a flag given on the command line wins over the variable. Exit status:
0 success, 2 a failed gate or refused input, 1 any other error. See docs/operations.md.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

# no local variables in tracebacks: packages and rows in scope hold residents' names
app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_show_locals=False)
console = Console()

LandingOpt = Annotated[Path | None, typer.Option(
    "--landing", help="The landing folder, laid out as <feed>/<YYYY-MM-DD>/<file>. Default: "
                      "STANDARD_PARTS_LANDING, else data/landing.")]
WarehouseOpt = Annotated[Path | None, typer.Option(
    "--warehouse", help="The warehouse folder holding analytics.duckdb (the analyst file), operational.duckdb "
                        "(the operational store), reports/ and run_status.json. Default: STANDARD_PARTS_WAREHOUSE, "
                        "else data/warehouse.")]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False, rich_tracebacks=False)],
        force=True,
    )
    for noisy in ("great_expectations", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _settings(landing: Path | None = None, warehouse: Path | None = None, publish: str | None = None,
              **overrides):
    """One Settings object: flags win over STANDARD_PARTS_* variables, which win over defaults.
    Relative paths are resolved here, once, against the current folder."""
    from pydantic import ValidationError

    from .config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        console.print(f"[bold red]settings refused[/]: {exc}")
        raise typer.Exit(2) from None
    update = {k: v for k, v in {"landing": landing, "warehouse": warehouse, "publish": publish, **overrides}.items()
              if v is not None}
    settings = settings.model_copy(update=update)
    resolved = {"landing": settings.landing.expanduser().resolve(),
                "warehouse": settings.warehouse.expanduser().resolve()}
    if settings.publish and settings.publish.startswith("folder:"):
        resolved["publish"] = "folder:" + str(Path(settings.publish.removeprefix("folder:")).expanduser().resolve())
    return settings.model_copy(update=resolved)


def _require_landing(settings) -> None:
    if not settings.landing.is_dir():
        console.print(f"[bold red]refused[/]: the landing folder {settings.landing} does not exist (give --landing "
                      "or STANDARD_PARTS_LANDING the folder holding <feed>/<YYYY-MM-DD>/<file>)")
        raise typer.Exit(2)


def _gate_exit(exc) -> None:
    """Exit status 2 with the gate's message (SPEC section 8)."""
    from rich.text import Text

    # Text, not markup: "[gate inputs.volume]" would be read as a style tag and vanish.
    console.print(Text.assemble(("gate failed", "bold red"), f": {exc}"), soft_wrap=True)
    console.print("nothing of that date was committed; `standard-parts status` shows the outcome; "
                  "docs/operations.md says what to do.")
    raise typer.Exit(2)


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, got {value!r}") from None


@app.command("generate-city")
def generate_city_cmd(
    landing: LandingOpt = None,
    residents: Annotated[int, typer.Option(min=1000, help="Residents of the synthetic city.")] = 100_000,
    start: Annotated[str, typer.Option(help="The first day to write, as YYYY-MM-DD.")] = "2026-10-01",
    days: Annotated[int, typer.Option(min=1, help="How many days of files to write.")] = 30,
    seed: Annotated[int, typer.Option(help="Seed of the generator: the same seed gives the same files.")] = 42,
    bad_row_share: Annotated[float, typer.Option(help="Share of rows written broken on purpose, to exercise "
                                                      "the quarantine.")] = 0.002,
    snapshot_every_days: Annotated[int, typer.Option(help="Write the snapshot feeds every N days (above 2, "
                                                          "population and venues exceed their age limit).")] = 1,
) -> None:
    """Write a deterministic synthetic Xiamen-like city into the landing folder."""
    from .demo.city import generate_city

    _setup_logging(False)
    landing = _settings(landing=landing).landing
    stats = generate_city(landing, residents, _parse_date(start, "--start"), days, seed=seed,
                          bad_row_share=bad_row_share, snapshot_every_days=snapshot_every_days)
    console.print_json(json.dumps(stats, default=str))


@app.command("run")
def run_cmd(
    from_: Annotated[str, typer.Option("--from", help="The first run date to process, as YYYY-MM-DD.")],
    landing: LandingOpt = None,
    warehouse: WarehouseOpt = None,
    to: Annotated[str | None, typer.Option("--to", help="The last run date to process; by default only --from.")] = None,
    publish: Annotated[str | None, typer.Option(
        "--publish", help="Where packages go: folder:DIR or an http(s):// URL. Default: STANDARD_PARTS_PUBLISH, "
                          "else no publishing.")] = None,
    accept_drop: Annotated[list[str] | None, typer.Option(
        "--accept-drop", help="Accept, for this run only, a snapshot file whose row count fell by more than "
                              "STANDARD_PARTS_MAX_SNAPSHOT_DROP, named as FEED/FILE (e.g. population/persons.csv). "
                              "Repeat it for several files. The acceptance is recorded with the gate result.")] = None,
    marts: Annotated[str, typer.Option("--marts", help="When to build the marts and the report: 'every' date, or "
                                                         "only after the 'last' date (a faster backfill with the "
                                                         "same final marts).")] = "every",
    verbose: Annotated[bool, typer.Option(help="Log every step at DEBUG level.")] = False,
) -> None:
    """Run the whole night for each date in order: check the inputs, ingest, generate, publish,
    ingest completions, rebuild analytics.duckdb and write the report. A date whose gate fails is
    rolled back as a whole and the command stops with exit status 2."""
    from .errors import GateFailure
    from .inputs import validate_accept_drop
    from .pipeline import run_range

    _setup_logging(verbose)
    try:
        drops = validate_accept_drop(accept_drop or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    settings = _settings(landing, warehouse, publish, accept_drop=drops or None)
    start = _parse_date(from_, "--from")
    end = _parse_date(to, "--to") if to else start
    if marts not in ("every", "last"):
        raise typer.BadParameter("--marts must be 'every' or 'last'")
    _require_landing(settings)
    try:
        run_range(settings, start, end, marts_every_date=marts == "every")
    except GateFailure as exc:
        _gate_exit(exc)
    print_results(settings)


@app.command("status")
def status_cmd(
    warehouse: WarehouseOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")] = False,
) -> None:
    """List the run dates processed, newest first: state, failed gate and message, snapshot dates
    used, rows accepted and quarantined per file, gate outcomes, tasks issued, packages delivered.
    Reads operational.duckdb read-only (or run_status.json while a run holds it)."""
    from .rundates import read_status

    settings = _settings(warehouse=warehouse)
    document = read_status(settings)
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    if not document["dates"]:
        console.print(f"no run date has been processed in {settings.warehouse}")
        return
    table = Table(title=f"Run dates in {settings.warehouse}, newest first")
    for col in ("run date", "state", "snapshots", "tasks", "packages", "rows read/accepted/quarantined", "gates"):
        table.add_column(col)
    for d in document["dates"]:
        files = d.get("files", [])
        rows = "/".join(f"{sum(int(f[k] or 0) for f in files):,}"
                        for k in ("rows_read", "rows_accepted", "rows_quarantined"))
        gates = d.get("gates", [])
        failed = [g["gate"] for g in gates if not g["success"]]
        state = {"succeeded": "[green]succeeded[/]", "failed": "[bold red]failed[/]"}.get(d["state"], d["state"])
        table.add_row(d["run_date"], state, ", ".join(f"{k} {v}" for k, v in d["snapshots"].items()),
                      f"{d['tasks_issued']:,}", f"{d['packages_delivered']:,}", f"{rows} in {len(files)} files",
                      f"{len(gates) - len(failed)}/{len(gates)} passed"
                      + (f"; failed: {', '.join(failed)}" if failed else ""))
    console.print(table)
    for d in document["dates"]:
        if d["state"] == "failed":
            console.print(f"{d['run_date']} failed at gate {d['failed_gate']}: {d['message']}", soft_wrap=True,
                          markup=False)
        for g in d.get("gates", []):
            if "accepted by the operator" in (g.get("summary") or ""):
                console.print(f"{d['run_date']} {g['gate']}: {g['summary']}", soft_wrap=True, markup=False)


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
    landing: LandingOpt = None,
    warehouse: WarehouseOpt = None,
    residents: Annotated[int, typer.Option(help="Residents of the synthetic city.")] = 100_000,
    start: Annotated[str, typer.Option(help="The first day of the city, as YYYY-MM-DD.")] = "2026-10-01",
    days: Annotated[int, typer.Option(help="How many days (nights) to generate and run.")] = 30,
    seed: Annotated[int, typer.Option(help="Seed of the generator: the same seed gives the same city.")] = 42,
) -> None:
    """Generate the demo city (once per parameters) and run the pipeline over every day, with a
    simulated officer app answering each day's packages (the pipeline does not know about it).
    Shows one line per night; the full log goes to data/logs/demo.log."""
    from .demo.run import print_pointers, run_demo

    settings = _settings(landing, warehouse)
    settings = settings.model_copy(update={"publish": f"folder:{settings.warehouse / 'outbox'}"})
    from .errors import GateFailure

    try:
        run_demo(settings, console, residents, _parse_date(start, "--start"), days, seed)
    except GateFailure as exc:
        _gate_exit(exc)
    print_results(settings)
    print_pointers(settings, console)


@app.command("pii-scan")
def pii_scan_cmd(
    paths: Annotated[list[Path], typer.Argument(help="The files or folders to scan: logs, reports, notebooks and "
                                                     "*.duckdb files.")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Look for the id numbers, phones and names of the persons in operational.duckdb in what leaves
    it (logs, reports, notebooks, analytics.duckdb). Prints masked findings; exits 1 if there are any."""
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
    out: Annotated[Path, typer.Option(help="The JSON file the result is written to.")] = Path("bench/latest.json"),
    cache: Annotated[Path, typer.Option(help="The folder where cached cities and warehouses live.")] = Path(
        "data/bench"),
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 42,
    cities: Annotated[int, typer.Option(min=1, help="N > 1: a province night of N cities (SPEC 10).")] = 1,
) -> None:
    """One full night over a cached city with a year of history: per-stage time, rows, peak RSS.
    With --cities N: N cities' nights at once, the roll-up, parallel efficiency."""
    _setup_logging(False)
    if cities > 1:
        from .province.bench import bench_command

        return bench_command(cities, residents, out, cache, seed)
    from .bench import run_benchmark

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


app.add_typer(__import__("standard_parts.province.cli", fromlist=["app"]).app, name="province")


def main() -> None:  # pragma: no cover - console entry point
    app()
