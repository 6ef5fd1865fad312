"""``standard-parts province run``: every city's night for each date, then that date's roll-up.

A city's night is exactly ``standard-parts run`` for that city alone (``pipeline.run_range`` with
the city's Settings), in a process of its own: a night's dbt build sets process environment
variables, and a crash of one city must not take the others down. A failing city does not stop
the others; the roll-up marks it, and the exit status says what failed (SPEC section 8).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

from .config import ProvinceConfig, load_config

log = logging.getLogger(__name__)


@dataclass
class CityNight:
    city_id: str
    run_date: date
    state: str  # succeeded | failed
    exit_status: int  # 0, 2 gate failure / refused input, 1 other error
    message: str | None = None
    seconds: float = 0.0


@dataclass
class ProvinceResult:
    nights: list[CityNight] = field(default_factory=list)
    rollup_seconds: list[float] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        codes = {n.exit_status for n in self.nights}
        return 1 if 1 in codes else 2 if 2 in codes else 0


def city_night(config_path: str, city_id: str, run_date: date) -> CityNight:
    """One city's night for one date (the body of ``standard-parts run --from D --to D``)."""
    from ..errors import GateFailure
    from ..pipeline import run_range

    config = load_config(config_path)
    started = time.perf_counter()
    try:
        run_range(config.city(city_id).settings(), run_date, run_date)
    except GateFailure as exc:
        log.error("city %s, %s: gate failed: %s", city_id, run_date, exc)
        return CityNight(city_id, run_date, "failed", 2, str(exc), time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - one city's failure must not stop the province
        log.exception("city %s, %s: night failed", city_id, run_date)
        return CityNight(city_id, run_date, "failed", 1, f"{type(exc).__name__}: {exc}",
                         time.perf_counter() - started)
    return CityNight(city_id, run_date, "succeeded", 0, None, time.perf_counter() - started)


def _dates(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def run_province(config: ProvinceConfig, start: date, end: date | None = None, workers: int = 1,
                 report: bool = True) -> ProvinceResult:
    """Each date in order: all cities' nights (``workers`` at a time, each in its own process),
    then the roll-up (and the province report) of that date."""
    from .rollup import build_rollup

    result = ProvinceResult()
    source = str(config.source)
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        for day in _dates(start, end or start):
            log.info("province %s: run date %s, %d cities", config.province.id, day, len(config.cities))
            futures = [pool.submit(city_night, source, city.id, day) for city in config.cities]
            nights = []
            for city, future in zip(config.cities, futures, strict=True):
                try:
                    nights.append(future.result())
                except Exception as exc:  # noqa: BLE001 - the worker process itself died
                    nights.append(CityNight(city.id, day, "failed", 1, f"{type(exc).__name__}: {exc}"))
            result.nights += nights
            started = time.perf_counter()
            build_rollup(config, day, {n.city_id: {"state": n.state, "message": n.message} for n in nights})
            if report:
                from .report import build_province_report

                build_province_report(config, day)
            result.rollup_seconds.append(time.perf_counter() - started)
    return result
