"""`standard-parts province ...`: run a province's cities and roll them up (SPEC section 10)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_show_locals=False)

ConfigOpt = Annotated[Path, typer.Option("--config", help="Province config YAML (SPEC section 10)")]


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, got {value!r}") from None


def _load(path: Path):
    from .config import ProvinceConfigError, load_config

    try:
        return load_config(path)
    except ProvinceConfigError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("run")
def run_cmd(
    config: ConfigOpt,
    from_: Annotated[str, typer.Option("--from", help="First run date, YYYY-MM-DD")],
    to: Annotated[str | None, typer.Option("--to", help="Last run date (default: --from)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Cities run at once (one process each)")] = 1,
    verbose: bool = False,
) -> None:
    """Each date in order: every city's night, then the roll-up and province report of that date.
    A failing city does not stop the others; exit 2 (gate/refused input) or 1 (other) afterwards."""
    from ..cli import _setup_logging
    from .run import run_province

    _setup_logging(verbose)
    province = _load(config)
    start = _date(from_, "--from")
    end = _date(to, "--to") if to else start
    if end < start:
        raise typer.BadParameter(f"--to {end} is before --from {start}")
    result = run_province(province, start, end, workers=workers)
    for n in result.nights:
        mark = "ok" if n.state == "succeeded" else f"FAILED (exit {n.exit_status}): {n.message}"
        typer.echo(f"{n.run_date} {n.city_id:<16} {n.seconds:7.1f} s  {mark}")
    typer.echo(f"roll-up: {province.db_path}")
    typer.echo(f"province report: {province.rollup / 'reports' / end.isoformat() / 'province.html'}")
    raise typer.Exit(result.exit_status)


@app.command("rollup")
def rollup_cmd(
    config: ConfigOpt,
    date_: Annotated[str, typer.Option("--date", help="Roll-up date, YYYY-MM-DD")],
    verbose: bool = False,
) -> None:
    """Rebuild the roll-up (and the province report) of a date from the cities' analyst files."""
    from ..cli import _setup_logging
    from .report import build_province_report
    from .rollup import build_rollup

    _setup_logging(verbose)
    province = _load(config)
    day = _date(date_, "--date")
    typer.echo(f"roll-up: {build_rollup(province, day)}")
    typer.echo(f"province report: {build_province_report(province, day)}")


@app.command("pools")
def pools_cmd(config: ConfigOpt) -> None:
    """Print each city's Airflow writer pool name, one a line (for `airflow pools set NAME 1`)."""
    for city in _load(config).cities:
        typer.echo(city.pool)
