"""
### Standard parts: the province roll-up

Present only with `STANDARD_PARTS_PROVINCE_CONFIG` set (SPEC section 10). Whenever a city's
nightly DAG swaps in a new `analytics.duckdb` (its Asset), this DAG exports the cities' daily marts
as Parquet (hive-partitioned by city and date) and rebuilds `<rollup>/province.duckdb` and the
Chinese province report for the newest date any city has reached. A city that is behind is shown
as stale; it never blocks the others (any one city's Asset triggers the roll-up).

Logic lives in `standard_parts.province`; this file only declares the graph.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, AssetAny, dag, task
from standard_parts.orchestration import OWNER, TAGS, TIMEZONE, city_asset_uri, province_cities, retry_delay

_cities = province_cities()


@task
def province_rollup() -> str:
    """Export every city's marts, build province.duckdb and the province report (newest date)."""
    from standard_parts.province.rollup import rollup_newest

    return rollup_newest()


if _cities:

    @dag(
        dag_id="standard_parts_province_rollup",
        schedule=AssetAny(*(Asset(city_asset_uri(c)) for c in _cities)),
        start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
        catchup=False,
        max_active_runs=1,
        tags=[*TAGS, "province"],
        doc_md=__doc__,
        default_args={"owner": OWNER, "retries": 2, "retry_delay": retry_delay(300)},
    )
    def standard_parts_province_rollup():
        province_rollup()

    standard_parts_province_rollup()
