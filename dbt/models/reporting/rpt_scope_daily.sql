-- Per as_of date x page (scope): the cumulative figures of completion_rate_daily and
-- work_code_summary summed over the page's stations (SPEC 11's KPI block, and the daily trend).
with rates as (
    select
        as_of_date,
        station_id,
        sum(tasks_issued) as tasks_issued,
        sum(tasks_due) as tasks_due,
        sum(tasks_completed) as tasks_completed,
        sum(tasks_on_time) as tasks_on_time
    from {{ ref('completion_rate_daily') }}
    group by as_of_date, station_id
),

station_days as (
    select
        coalesce(r.as_of_date, c.as_of_date) as as_of_date,
        coalesce(r.station_id, c.station_id) as station_id,
        coalesce(r.tasks_issued, 0) as tasks_issued,
        coalesce(r.tasks_due, 0) as tasks_due,
        coalesce(r.tasks_completed, 0) as tasks_completed,
        coalesce(r.tasks_on_time, 0) as tasks_on_time,
        coalesce(c.green, 0) as green,
        coalesce(c.yellow, 0) as yellow,
        coalesce(c.red, 0) as red,
        coalesce(c.pending, 0) as pending
    from rates as r
    full join {{ ref('work_code_summary') }} as c
        on c.as_of_date = r.as_of_date and c.station_id = r.station_id
),

summed as (
    select
        d.as_of_date,
        m.scope,
        m.scope_id,
        cast(sum(d.tasks_issued) as bigint) as tasks_issued,
        cast(sum(d.tasks_due) as bigint) as tasks_due,
        cast(sum(d.tasks_completed) as bigint) as tasks_completed,
        cast(sum(d.tasks_on_time) as bigint) as tasks_on_time,
        cast(sum(d.green) as bigint) as green,
        cast(sum(d.yellow) as bigint) as yellow,
        cast(sum(d.red) as bigint) as red,
        cast(sum(d.pending) as bigint) as pending
    from station_days as d
    inner join {{ ref('rpt_scope_stations') }} as m on m.station_id = d.station_id
    group by d.as_of_date, m.scope, m.scope_id
)

select
    *,
    {{ rate('tasks_completed', 'tasks_due') }} as completion_rate,
    {{ rate('tasks_on_time', 'tasks_due') }} as on_time_rate,
    tasks_issued - coalesce(lag(tasks_issued) over (partition by scope, scope_id order by as_of_date), 0)
        as issued_on_day
from summed
