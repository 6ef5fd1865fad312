-- Hand-offs (一键流转) to other government departments, per month of completed_at (local time), station,
-- standard part and department: every completion (first copy) that names a handoff_department and
-- was completed by the as_of; handoffs_valid counts those of valid completions.
with completions as (
    select
        c.completion_id,
        c.task_id,
        c.handoff_department,
        c.completed_at
    from {{ ref('int_completions_deduplicated') }} as c
    cross join {{ ref('int_as_of') }} as a
    where c.handoff_department is not null
        and c.completed_at <= a.as_of_at
)

select
    {{ local_month('c.completed_at') }} as month,
    t.station_id,
    t.standard_part_id,
    t.category,
    c.handoff_department,
    d.name_zh as department_name_zh,
    count(*) as handoffs,
    count(v.completion_id) as handoffs_valid,
    count(distinct c.task_id) as tasks
from completions as c
inner join {{ ref('int_tasks_in_scope') }} as t on t.task_id = c.task_id
left join {{ ref('int_completions_valid') }} as v on v.completion_id = c.completion_id
left join {{ ref('stg_catalogue__departments') }} as d on d.department = c.handoff_department
group by all
