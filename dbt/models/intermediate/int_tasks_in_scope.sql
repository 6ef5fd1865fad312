-- Tasks issued on or before the as_of date, with the dates their status can change on.
select
    t.*,
    {{ local_month('t.due_at') }} as due_month,
    -- the first as_of date at which the task is due (due_at <= 23:59:59 local of that date)
    {{ first_as_of_date('t.due_at') }} as due_as_of_date
from {{ ref('stg_ops__tasks') }} as t
cross join {{ ref('int_as_of') }} as a
where t.run_date <= a.as_of_date
