-- Officer x month: the tasks due (local time) in the month, judged at the month's evaluation date (its last
-- day, or the as_of date for the as_of month). Months after the as_of month are not evaluated.
with months as (
    select distinct
        t.due_month as month,
        least(cast(t.due_month + interval 1 month - interval 1 day as date), a.as_of_date) as evaluation_date
    from {{ ref('int_tasks_in_scope') }} as t
    cross join {{ ref('int_as_of') }} as a
    where t.due_month <= a.as_of_date
)

select
    m.month,
    m.evaluation_date,
    s.officer_id,
    s.task_id,
    s.station_id as task_station_id,
    s.work_code
from months as m
inner join {{ ref('int_task_status_intervals') }} as s
    on s.due_month = m.month
    and s.valid_from <= m.evaluation_date
    and (s.valid_to is null or m.evaluation_date < s.valid_to)
