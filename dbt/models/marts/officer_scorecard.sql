-- SPEC section 7: per month x officer, the officer's tasks due (local time) in that month that have a work
-- code at the month's end (at the as_of date for the as_of month). Months after the as_of month get
-- no row. station_id is the officer's in the newest officers snapshot on or before the evaluation date.
with coded as (
    select *
    from {{ ref('int_officer_months') }}
    where work_code is not null
),

counts as (
    select
        month,
        officer_id,
        any_value(evaluation_date) as evaluation_date,
        mode(task_station_id) as task_station_id,
        count(*) as tasks_coded,
        count(*) filter (where work_code = 'green') as green,
        count(*) filter (where work_code = 'yellow') as yellow,
        count(*) filter (where work_code = 'red') as red
    from coded
    group by month, officer_id
),

officer_station as (
    select
        c.month,
        c.officer_id,
        s.station_id
    from counts as c
    inner join {{ ref('stg_ops__officer_snapshots') }} as s
        on s.officer_id = c.officer_id and s.snapshot_date <= c.evaluation_date
    qualify row_number() over (partition by c.month, c.officer_id order by s.snapshot_date desc) = 1
),

shares as (
    select
        c.*,
        cast(c.red as double) / c.tasks_coded as red_share,
        cast(c.yellow + c.red as double) / c.tasks_coded as yellow_red_share
    from counts as c
)

select
    s.month,
    s.officer_id,
    coalesce(o.station_id, s.task_station_id) as station_id,
    s.evaluation_date,
    s.evaluation_date = cast(s.month + interval 1 month - interval 1 day as date) as month_closed,
    s.tasks_coded,
    s.green,
    s.yellow,
    s.red,
    cast(s.green + s.yellow as double) / s.tasks_coded as completion_rate,
    s.red_share,
    s.yellow_red_share,
    {{ officer_code('s.green', 's.yellow', 's.red') }} as officer_code
from shares as s
left join officer_station as o on o.month = s.month and o.officer_id = s.officer_id
