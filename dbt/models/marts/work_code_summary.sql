-- SPEC section 7: per as_of date x station, how many tasks issued up to that date carry each work
-- code at that date's as_of (pending = not completed and not yet due). A row for each station from
-- its first task's date. Computed from status changes like completion_rate_daily.
with intervals as (
    select * from {{ ref('int_task_status_intervals') }}
),

changes as (
    select
        station_id,
        valid_from as as_of_date,
        1 as sign,
        work_code
    from intervals
    union all
    select
        station_id,
        valid_to as as_of_date,
        -1 as sign,
        work_code
    from intervals
    where valid_to is not null
),

net as (
    select
        station_id,
        as_of_date,
        sum(sign) filter (where work_code = 'green') as green,
        sum(sign) filter (where work_code = 'yellow') as yellow,
        sum(sign) filter (where work_code = 'red') as red,
        sum(sign) filter (where work_code is null) as pending
    from changes
    group by station_id, as_of_date
),

stations as (
    select
        station_id,
        min(run_date) as first_date
    from {{ ref('int_tasks_in_scope') }}
    group by station_id
),

grid as (
    select
        s.station_id,
        d.as_of_date
    from stations as s
    inner join {{ ref('int_as_of_dates') }} as d on d.as_of_date >= s.first_date
),

cumulative as (
    select
        g.as_of_date,
        g.station_id,
        cast(sum(coalesce(n.green, 0)) over w as bigint) as green,
        cast(sum(coalesce(n.yellow, 0)) over w as bigint) as yellow,
        cast(sum(coalesce(n.red, 0)) over w as bigint) as red,
        cast(sum(coalesce(n.pending, 0)) over w as bigint) as pending
    from grid as g
    left join net as n on n.station_id = g.station_id and n.as_of_date = g.as_of_date
    window w as (partition by g.station_id order by g.as_of_date rows between unbounded preceding and current row)
)

select
    as_of_date,
    station_id,
    green,
    yellow,
    red,
    pending,
    green + yellow + red + pending as tasks_issued
from cumulative
