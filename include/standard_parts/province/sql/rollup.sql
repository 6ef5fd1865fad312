-- The province roll-up (SPEC section 10) from the cities' Parquet exports. Expects the views
-- exp_completion_rate_daily(city_id, as_of_date, ...), exp_work_code_summary(...) and the tables
-- cities(city_id, city_name, ...) and freshness(...) to exist. Rates are recomputed from the sums,
-- never averaged: a city's rate is its completed / its due.
CREATE SCHEMA IF NOT EXISTS marts;

-- A rate from sums: NULL where nothing is due.
CREATE OR REPLACE TEMP MACRO rate(part, due) AS CASE WHEN due > 0 THEN part / due END;

CREATE TABLE marts.station_completion_daily AS
SELECT
    e.as_of_date,
    e.city_id,
    c.city_name,
    e.station_id,
    sum(e.tasks_due)::BIGINT AS tasks_due,
    sum(e.tasks_completed)::BIGINT AS tasks_completed,
    sum(e.tasks_on_time)::BIGINT AS tasks_on_time,
    rate(sum(e.tasks_completed), sum(e.tasks_due)) AS completion_rate,
    rate(sum(e.tasks_on_time), sum(e.tasks_due)) AS on_time_rate
FROM exp_completion_rate_daily AS e
JOIN cities AS c USING (city_id)
GROUP BY ALL
ORDER BY as_of_date, city_id, station_id;

-- A city's day is the sum of its stations' (one row per station and day above).
CREATE TABLE marts.city_completion_daily AS
SELECT
    as_of_date,
    city_id,
    city_name,
    count(station_id)::BIGINT AS stations,
    sum(tasks_due)::BIGINT AS tasks_due,
    sum(tasks_completed)::BIGINT AS tasks_completed,
    sum(tasks_on_time)::BIGINT AS tasks_on_time,
    rate(sum(tasks_completed), sum(tasks_due)) AS completion_rate,
    rate(sum(tasks_on_time), sum(tasks_due)) AS on_time_rate
FROM marts.station_completion_daily
GROUP BY ALL
ORDER BY as_of_date, city_id;

CREATE TABLE marts.city_work_code_daily AS
SELECT
    e.as_of_date,
    e.city_id,
    c.city_name,
    sum(e.green)::BIGINT AS green,
    sum(e.yellow)::BIGINT AS yellow,
    sum(e.red)::BIGINT AS red,
    sum(e.pending)::BIGINT AS pending
FROM exp_work_code_summary AS e
JOIN cities AS c USING (city_id)
GROUP BY ALL
ORDER BY as_of_date, city_id;

CREATE TABLE marts.city_freshness AS
SELECT
    c.city_id,
    c.city_name,
    f.newest_run_date,
    f.state,
    f.rollup_date,
    f.stale,
    f.message,
    f.report
FROM cities AS c
JOIN freshness AS f USING (city_id)
ORDER BY c.city_id;

CREATE TABLE marts.dim_cities AS SELECT * FROM cities ORDER BY position;
