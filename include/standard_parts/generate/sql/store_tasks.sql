-- Inside the run date's transaction: tasks, quarantined objects and per-part statistics.
-- Inputs: gen_to_issue, gen_assignment, gen_candidates, gen_merged, gen_suppression.
insert into ops.tasks
select
    i.task_id, i.run_date, i.standard_part_id, i.category, i.business_item, i.object_type, i.object_id,
    i.object_key, i.community_id, i.station_id, a.officer_id, a.flagged, i.issued_at, i.due_at, i.due_hours,
    i.min_evidence, i.cooldown_days, i.priority, i.departments, i.rules, i.instruction_ids, i.requests
from gen_to_issue as i
join gen_assignment as a on a.task_id = i.task_id;

insert into ops.generation_quarantine
select g.run_date, m.standard_part_id, m.object_type, m.object_id, 'no_community'
from gen_merged as m
join gen_suppression as s on s.standard_part_id = m.standard_part_id and s.object_id = m.object_id
cross join gen_params as g
where s.suppressed is null and m.community_id is null
union all
select i.run_date, i.standard_part_id, i.object_type, i.object_id, 'no_officer'
from gen_to_issue as i
anti join gen_assignment as a on a.task_id = i.task_id;

insert into ops.generation_stats
with requested as (
    select standard_part_id, count(*) as candidates from gen_candidates group by all
),
objects as (
    select
        m.standard_part_id,
        count(*) as objects,
        count(*) filter (where s.suppressed = 'open') as suppressed_open,
        count(*) filter (where s.suppressed = 'cooldown') as suppressed_cooldown
    from gen_merged as m
    join gen_suppression as s on s.standard_part_id = m.standard_part_id and s.object_id = m.object_id
    group by all
),
issued as (
    select t.standard_part_id, count(*) as issued, count(*) filter (where t.flagged) as flagged
    from ops.tasks as t
    cross join gen_params as g
    where t.run_date = g.run_date
    group by all
),
unplaced as (
    select q.standard_part_id, count(*) as unassignable
    from ops.generation_quarantine as q
    cross join gen_params as g
    where q.run_date = g.run_date
    group by all
)
select
    g.run_date,
    r.standard_part_id,
    r.candidates,
    o.objects,
    r.candidates - o.objects as merged_away,
    o.suppressed_open,
    o.suppressed_cooldown,
    coalesce(u.unassignable, 0),
    coalesce(i.issued, 0),
    coalesce(i.flagged, 0)
from requested as r
join objects as o on o.standard_part_id = r.standard_part_id
left join issued as i on i.standard_part_id = r.standard_part_id
left join unplaced as u on u.standard_part_id = r.standard_part_id
cross join gen_params as g;
