-- For each merged candidate, the previous task of the same (part, object) and whether it blocks a
-- new one (SPEC 5): open = no valid completion landed on or before the run date; cooldown = the
-- run's issued_at is earlier than its latest valid completed_at + cooldown_days x 24 h.
-- Inputs: gen_merged, gen_valid_completions(task_id, completed_at), gen_params, ops.catalogue_parts.
create or replace temp table gen_suppression as
with previous as (
    select
        t.standard_part_id,
        t.object_id,
        t.task_id,
        row_number() over (partition by t.standard_part_id, t.object_id order by t.run_date desc) as recency
    from ops.tasks as t
    semi join gen_merged as m on m.standard_part_id = t.standard_part_id and m.object_id = t.object_id
    cross join gen_params as g
    where t.run_date < g.run_date
),
latest as (
    select p.standard_part_id, p.object_id, p.task_id, max(v.completed_at) as completed_at
    from previous as p
    left join gen_valid_completions as v on v.task_id = p.task_id
    where p.recency = 1
    group by all
)
select
    m.standard_part_id,
    m.object_id,
    l.task_id as previous_task_id,
    l.completed_at as previous_completed_at,
    case
        when l.task_id is null then null
        when l.completed_at is null then 'open'
        when g.issued_at < l.completed_at + to_hours(pt.cooldown_days * 24) then 'cooldown'
    end as suppressed
from gen_merged as m
cross join gen_params as g
join ops.catalogue_parts as pt on pt.standard_part_id = m.standard_part_id
left join latest as l on l.standard_part_id = m.standard_part_id and l.object_id = m.object_id;
