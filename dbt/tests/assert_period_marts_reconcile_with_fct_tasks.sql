-- SPEC 6.1: the weekly and monthly marts summed per station equal fct_tasks' tasks due by the as_of,
-- counted by the local week / month of due_at. Returns the mismatching (period, station) pairs.
with fct as (
    select
        'week' as grain,
        cast(date_trunc('week', {{ local_date('t.due_at') }}) as date) as period,
        t.station_id,
        count(*) as due,
        count(*) filter (where t.status = 'completed') as completed,
        count(*) filter (where t.on_time) as on_time
    from {{ ref('fct_tasks') }} as t
    cross join {{ ref('int_as_of') }} as a
    where t.due_at <= a.as_of_at
    group by all
    union all
    select
        'month',
        cast(date_trunc('month', {{ local_date('t.due_at') }}) as date),
        t.station_id,
        count(*),
        count(*) filter (where t.status = 'completed'),
        count(*) filter (where t.on_time)
    from {{ ref('fct_tasks') }} as t
    cross join {{ ref('int_as_of') }} as a
    where t.due_at <= a.as_of_at
    group by all
),

marts as (
    select 'week' as grain, week_start as period, station_id, sum(tasks_due) as due,
           sum(tasks_completed) as completed, sum(tasks_on_time) as on_time
    from {{ ref('completion_rate_weekly') }}
    group by all
    union all
    select 'month', month, station_id, sum(tasks_due), sum(tasks_completed), sum(tasks_on_time)
    from {{ ref('completion_rate_monthly') }}
    group by all
)

select coalesce(f.grain, m.grain) as grain, coalesce(f.period, m.period) as period,
       coalesce(f.station_id, m.station_id) as station_id
from fct as f
full join marts as m on m.grain = f.grain and m.period = f.period and m.station_id = f.station_id
where f.due is distinct from m.due
    or f.completed is distinct from m.completed
    or f.on_time is distinct from m.on_time
