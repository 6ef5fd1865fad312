-- At the build's as_of date, per station: completion_rate_daily and work_code_summary add up to
-- fct_tasks (tasks, due, completed, on time, red). Returns the stations that do not.
with fct as (
    select
        station_id,
        count(*) as tasks,
        count(*) filter (where is_due) as due,
        count(*) filter (where status = 'completed') as completed,
        count(*) filter (where on_time) as on_time,
        count(*) filter (where work_code = 'red') as red,
        count(*) filter (where work_code is null) as pending
    from {{ ref('fct_tasks') }}
    group by station_id
),

as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

daily as (
    select
        station_id,
        sum(tasks_issued) as tasks,
        sum(tasks_due) as due,
        sum(tasks_completed) as completed,
        sum(tasks_on_time) as on_time
    from {{ ref('completion_rate_daily') }}
    where as_of_date = (select as_of_date from as_of)
    group by station_id
),

codes as (
    select station_id, tasks_issued as tasks, red, pending
    from {{ ref('work_code_summary') }}
    where as_of_date = (select as_of_date from as_of)
)

select f.station_id
from fct as f
full join daily as d on d.station_id = f.station_id
full join codes as c on c.station_id = coalesce(f.station_id, d.station_id)
where f.tasks is distinct from d.tasks
    or f.tasks is distinct from c.tasks
    or f.due is distinct from d.due
    or f.completed is distinct from d.completed
    or f.on_time is distinct from d.on_time
    or f.red is distinct from c.red
    or f.pending is distinct from c.pending
