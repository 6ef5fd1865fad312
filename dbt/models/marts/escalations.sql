-- SPEC 12: one row per escalated task (督办) - escalated on or before the as_of date, with the task's
-- completion at as_of (fct_tasks, SPEC 6; null when none).
select
    e.task_id,
    t.station_id,
    t.standard_part_id,
    t.officer_id,
    e.escalated_on,
    e.leader_officer_id,
    t.completed_at,
    e.flagged as no_leader,
    e.hours_overdue as hours_overdue_at_escalation,
    t.due_at,
    t.status,
    a.as_of_date
from {{ ref('stg_ops__escalations') }} as e
cross join {{ ref('int_as_of') }} as a
inner join {{ ref('fct_tasks') }} as t on t.task_id = e.task_id
where e.escalated_on <= a.as_of_date
