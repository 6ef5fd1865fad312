-- name: ranking
-- The roll-up date's figures per city (cities with no row that day still listed, from freshness).
SELECT f.city_id, f.city_name, f.state, f.newest_run_date, f.stale, f.report,
       c.tasks_due, c.tasks_completed, c.tasks_on_time, c.completion_rate, c.on_time_rate,
       w.green, w.yellow, w.red, w.pending
FROM marts.city_freshness AS f
LEFT JOIN marts.city_completion_daily AS c ON c.city_id = f.city_id AND c.as_of_date = f.newest_run_date
LEFT JOIN marts.city_work_code_daily AS w ON w.city_id = f.city_id AND w.as_of_date = f.newest_run_date
ORDER BY c.completion_rate DESC NULLS LAST, c.tasks_due DESC NULLS LAST, f.city_id;
-- name: trend
SELECT as_of_date, city_id, city_name, completion_rate, on_time_rate
FROM marts.city_completion_daily
WHERE as_of_date <= getvariable('rollup_date')
ORDER BY city_id, as_of_date;
-- name: province
SELECT sum(tasks_due), sum(tasks_completed), sum(tasks_on_time)
FROM marts.city_completion_daily AS c
JOIN marts.city_freshness AS f ON f.city_id = c.city_id AND c.as_of_date = f.newest_run_date;
