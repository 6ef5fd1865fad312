-- One city's marts as Parquet, hive-partitioned by as_of_date, into a staging folder that the
-- caller swaps in as <exports>/<table>/city_id=<id>/ (the city file is opened read-only).
-- $staging is substituted with a folder path the caller builds (never data).
COPY (
    SELECT as_of_date, station_id, standard_part_id, tasks_due, tasks_completed, tasks_on_time
    FROM city.marts.completion_rate_daily
) TO '$staging/completion_rate_daily' (FORMAT parquet, PARTITION_BY (as_of_date));

COPY (
    SELECT as_of_date, station_id, green, yellow, red, pending
    FROM city.marts.work_code_summary
) TO '$staging/work_code_summary' (FORMAT parquet, PARTITION_BY (as_of_date));
