-- Frames the marts gate (expectations/marts.*.json) validates on the NEW analytics file before the
-- swap. Each frame turns a promise of SPEC sections 6 and 7 into columns GX can check.

-- name: fct_tasks
-- Codes consistent with statuses: completed => green/yellow; open and due => red; open, not due => null.
select
    task_id,
    object_id,
    status,
    work_code,
    case
        when status = 'completed' then work_code in ('green', 'yellow') and completed_at is not null
            and completed_at <= as_of_at(as_of_date)
        when is_due then work_code = 'red' and due_at <= as_of_at(as_of_date)
        else work_code is null and due_at > as_of_at(as_of_date)
    end as code_consistent,
    due_at > issued_at as due_after_issue
from marts.fct_tasks;

-- name: completion_rate_daily
select
    as_of_date,
    station_id,
    standard_part_id,
    tasks_issued,
    tasks_due,
    tasks_completed,
    tasks_on_time,
    completion_rate,
    on_time_rate,
    tasks_issued >= tasks_due and tasks_due >= tasks_completed and tasks_completed >= tasks_on_time
        and tasks_on_time >= 0 as counts_nested,
    (tasks_due = 0) = (completion_rate is null) and (tasks_due = 0) = (on_time_rate is null) as rate_null_iff_nothing_due
from marts.completion_rate_daily;

-- name: work_code_summary
select
    as_of_date,
    station_id,
    green,
    yellow,
    red,
    pending,
    least(green, yellow, red, pending) >= 0 as counts_non_negative
from marts.work_code_summary;

-- name: officer_scorecard
select
    month,
    officer_id,
    station_id,
    tasks_coded,
    green + yellow + red as codes_total,
    completion_rate,
    officer_code,
    month <= (select max(as_of_date) from marts.fct_tasks) as month_not_after_as_of,
    officer_code = case
        when red_share >= $red_share_threshold then 'red'
        when yellow_red_share >= $yellow_share_threshold then 'yellow'
        else 'green'
    end as code_follows_thresholds
from marts.officer_scorecard;

-- name: reconcile
-- At the last as_of date, per station: the daily marts add up to fct_tasks.
with fct as (
    select
        station_id,
        count(*) as tasks,
        count(*) filter (where is_due) as due,
        count(*) filter (where status = 'completed') as completed,
        count(*) filter (where on_time) as on_time,
        count(*) filter (where work_code = 'red') as red
    from marts.fct_tasks
    group by station_id
),
last_date as (
    select max(as_of_date) as as_of_date from marts.fct_tasks
),
rates as (
    select
        station_id,
        sum(tasks_issued) as tasks,
        sum(tasks_due) as due,
        sum(tasks_completed) as completed,
        sum(tasks_on_time) as on_time
    from marts.completion_rate_daily
    where as_of_date = (select as_of_date from last_date)
    group by station_id
),
codes as (
    select station_id, green + yellow + red + pending as tasks, red
    from marts.work_code_summary
    where as_of_date = (select as_of_date from last_date)
)
select
    coalesce(f.station_id, r.station_id, c.station_id) as station_id,
    coalesce(f.tasks, 0) as fct_tasks,
    coalesce(c.tasks, 0) as summary_tasks,
    coalesce(r.tasks, 0) as daily_tasks,
    coalesce(f.due, 0) as fct_due,
    coalesce(r.due, 0) as daily_due,
    coalesce(f.completed, 0) as fct_completed,
    coalesce(r.completed, 0) as daily_completed,
    coalesce(f.on_time, 0) as fct_on_time,
    coalesce(r.on_time, 0) as daily_on_time,
    coalesce(f.red, 0) as fct_red,
    coalesce(c.red, 0) as summary_red
from fct as f
full join rates as r on r.station_id = f.station_id
full join codes as c on c.station_id = coalesce(f.station_id, r.station_id);
