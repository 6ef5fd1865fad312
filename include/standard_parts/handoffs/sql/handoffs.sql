-- Hand-offs (SPEC 12): every accepted completion (its first copy) naming a handoff_department opens one.
-- Inputs: ops.completions, ops.tasks, ops.partner_departments, ops.houses, ops.venues, ops.communities.

-- name: opened_on
-- The hand-offs opened by the completions file of $run_date (the first copy of a completion_id is in it),
-- with what the department's document lists. No resident's id number, phone or name: houses and venues
-- by their address (venues carry no street address in the feed: their name and community).
with first_copies as (
    select c.*
    from ops.completions as c
    where c.file_date <= $run_date
    qualify row_number() over (partition by c.completion_id order by c.file_date, c._line) = 1
)
select
    f.completion_id as handoff_id,
    f.task_id,
    f.handoff_department as department,
    t.standard_part_id,
    t.station_id,
    t.community_id,
    t.object_type,
    case t.object_type
        when 'house' then h.address
        when 'venue' then v.venue_name || '（' || coalesce(cm.community_name, v.community_id) || '）'
    end as address,
    local_iso(f.completed_at) as opened_at,
    local_iso(f.completed_at + to_hours(p.ack_hours)) as ack_due_at,
    local_iso(f.completed_at + to_hours(p.resolve_hours)) as resolve_due_at
from first_copies as f
inner join ops.tasks as t on t.task_id = f.task_id
inner join ops.partner_departments as p on p.department = f.handoff_department
left join ops.houses as h on t.object_type = 'house' and h.house_id = t.object_id
left join ops.venues as v on t.object_type = 'venue' and v.venue_id = t.object_id
left join ops.communities as cm on cm.community_id = v.community_id
where f.file_date = $run_date
  and f.handoff_department is not null
order by f.handoff_department, f.completion_id;

-- name: departments_seen
-- Every department named by a hand-off so far (configured or not).
select distinct handoff_department
from ops.completions
where handoff_department is not null
order by 1;

-- name: escalate
-- Supervision at $run_date (SPEC 12): tasks open at the run date (no valid completion landed on or
-- before it, ops.valid_completions), not escalated on an earlier date, whose due_at +
-- $escalate_after_hours is at or before the run's issued_at. The leader: the active officer with role
-- leader of the task's station in the officers snapshot in effect on the run date (the lowest id).
with officers as (
    select o.*
    from ops.officers_history as o
    where o.snapshot_date = (select max(snapshot_date) from ops.officers_history where snapshot_date <= $run_date)
),
leaders as (
    select station_id, min(officer_id) as leader_officer_id
    from officers
    where active and role = 'leader'
    group by station_id
)
select
    t.task_id,
    $run_date::date as escalated_on,
    t.station_id,
    l.leader_officer_id,
    l.leader_officer_id is null as flagged,
    cast(round((epoch($issued_at::timestamptz) - epoch(t.due_at)) / 3600) as integer) as hours_overdue
from ops.tasks as t
left join leaders as l on l.station_id = t.station_id
where t.run_date <= $run_date
  and t.due_at + to_hours($escalate_after_hours::integer) <= $issued_at::timestamptz
  and t.task_id not in (select v.task_id from ops.valid_completions as v where v.file_date <= $run_date)
  and t.task_id not in (select e.task_id from ops.escalations as e where e.escalated_on < $run_date)
order by t.task_id;
