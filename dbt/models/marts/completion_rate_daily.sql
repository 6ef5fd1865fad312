-- SPEC section 7: per as_of date x station x standard part, cumulative over the tasks issued up to
-- that date, judged at that date's as_of. A row for each station x part from its first task's date.
-- Computed from status changes (int_task_status_intervals): +1 when a state starts, -1 when it ends.
with intervals as (
    select * from {{ ref('int_task_status_intervals') }}
),

changes as (
    select
        station_id,
        standard_part_id,
        valid_from as as_of_date,
        1 as tasks,
        cast(is_due as integer) as due,
        cast(is_completed as integer) as completed,
        cast(is_completed and is_on_time as integer) as on_time
    from intervals
    union all
    select
        station_id,
        standard_part_id,
        valid_to as as_of_date,
        -1 as tasks,
        -cast(is_due as integer) as due,
        -cast(is_completed as integer) as completed,
        -cast(is_completed and is_on_time as integer) as on_time
    from intervals
    where valid_to is not null
),

net as (
    select
        station_id,
        standard_part_id,
        as_of_date,
        sum(tasks) as tasks,
        sum(due) as due,
        sum(completed) as completed,
        sum(on_time) as on_time
    from changes
    group by station_id, standard_part_id, as_of_date
),

pairs as (
    select
        station_id,
        standard_part_id,
        any_value(category) as category,
        min(run_date) as first_date
    from {{ ref('int_tasks_in_scope') }}
    group by station_id, standard_part_id
),

grid as (
    select
        p.station_id,
        p.standard_part_id,
        p.category,
        d.as_of_date
    from pairs as p
    inner join {{ ref('int_as_of_dates') }} as d on d.as_of_date >= p.first_date
),

cumulative as (
    select
        g.as_of_date,
        g.station_id,
        g.standard_part_id,
        g.category,
        cast(sum(coalesce(n.tasks, 0)) over w as bigint) as tasks_issued,
        cast(sum(coalesce(n.due, 0)) over w as bigint) as tasks_due,
        cast(sum(coalesce(n.completed, 0)) over w as bigint) as tasks_completed,
        cast(sum(coalesce(n.on_time, 0)) over w as bigint) as tasks_on_time
    from grid as g
    left join net as n
        on n.station_id = g.station_id
        and n.standard_part_id = g.standard_part_id
        and n.as_of_date = g.as_of_date
    window w as (
        partition by g.station_id, g.standard_part_id order by g.as_of_date
        rows between unbounded preceding and current row
    )
)

select
    as_of_date,
    station_id,
    standard_part_id,
    category,
    tasks_issued,
    tasks_due,
    tasks_completed,
    tasks_on_time,
    {{ rate('tasks_completed', 'tasks_due') }} as completion_rate,
    {{ rate('tasks_on_time', 'tasks_due') }} as on_time_rate
from cumulative
