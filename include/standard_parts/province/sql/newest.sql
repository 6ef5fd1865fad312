-- A city's newest as-of date when it has no run_status.json: the newest date its marts hold.
SELECT max(d) FROM (
    SELECT max(as_of_date) AS d FROM marts.work_code_summary
    UNION ALL SELECT max(as_of_date) FROM marts.completion_rate_daily
    UNION ALL SELECT max(run_date) FROM marts.gate_results WHERE success
);
