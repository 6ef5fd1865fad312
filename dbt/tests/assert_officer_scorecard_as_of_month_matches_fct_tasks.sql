-- The as_of month is judged at the as_of date, like fct_tasks: per officer, the scorecard's codes
-- for that month equal fct_tasks' codes of the tasks due in that month. Returns mismatches.
with as_of as (
    select as_of_date, cast(date_trunc('month', as_of_date) as date) as month
    from {{ ref('int_as_of') }}
),

fct as (
    select
        t.officer_id,
        count(t.work_code) as tasks_coded,
        count(*) filter (where t.work_code = 'red') as red,
        count(*) filter (where t.work_code = 'yellow') as yellow
    from {{ ref('fct_tasks') }} as t
    cross join as_of as a
    where {{ local_month('t.due_at') }} = a.month
    group by t.officer_id
    having count(t.work_code) > 0
),

card as (
    select s.officer_id, s.tasks_coded, s.red, s.yellow
    from {{ ref('officer_scorecard') }} as s
    cross join as_of as a
    where s.month = a.month
)

select coalesce(f.officer_id, c.officer_id) as officer_id
from fct as f
full join card as c on c.officer_id = f.officer_id
where f.tasks_coded is distinct from c.tasks_coded
    or f.red is distinct from c.red
    or f.yellow is distinct from c.yellow
