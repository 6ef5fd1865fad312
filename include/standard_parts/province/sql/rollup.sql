-- The province roll-up (SPEC section 10) from the cities' Parquet exports. Expects the views
-- exp_completion_rate_daily(city_id, as_of_date, ...), exp_work_code_summary(...) and the tables
-- cities(city_id, city_name, ...) and freshness(...) to exist. Rates are recomputed from the sums,
-- never averaged: a city's rate is its completed / its due.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE marts.station_completion_daily AS
SELECT
    e.as_of_date,
    e.city_id,
    c.city_name,
    e.station_id,
    sum(e.tasks_due)::BIGINT AS tasks_due,
    sum(e.tasks_completed)::BIGINT AS tasks_completed,
    sum(e.tasks_on_time)::BIGINT AS tasks_on_time,
    CASE WHEN sum(e.tasks_due) > 0 THEN sum(e.tasks_completed) / sum(e.tasks_due) END AS completion_rate,
    CASE WHEN sum(e.tasks_due) > 0 THEN sum(e.tasks_on_time) / sum(e.tasks_due) END AS on_time_rate
FROM exp_completion_rate_daily AS e
JOIN cities AS c USING (city_id)
GROUP BY ALL
ORDER BY as_of_date, city_id, station_id;

CREATE TABLE marts.city_completion_daily AS
SELECT
    e.as_of_date,
    e.city_id,
    c.city_name,
    count(DISTINCT e.station_id)::BIGINT AS stations,
    sum(e.tasks_due)::BIGINT AS tasks_due,
    sum(e.tasks_completed)::BIGINT AS tasks_completed,
    sum(e.tasks_on_time)::BIGINT AS tasks_on_time,
    CASE WHEN sum(e.tasks_due) > 0 THEN sum(e.tasks_completed) / sum(e.tasks_due) END AS completion_rate,
    CASE WHEN sum(e.tasks_due) > 0 THEN sum(e.tasks_on_time) / sum(e.tasks_due) END AS on_time_rate
FROM exp_completion_rate_daily AS e
JOIN cities AS c USING (city_id)
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
