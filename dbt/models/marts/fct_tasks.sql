-- SPEC section 7: one row per task issued up to the as_of date, judged at as_of (23:59:59 local).
-- object_id is the object key (a person's keyed pseudonym, never the id number).
select
    t.task_id,
    t.run_date,
    t.standard_part_id,
    t.category,
    t.business_item,
    t.object_type,
    t.object_id,
    t.station_id,
    t.community_id,
    t.officer_id,
    t.flagged,
    t.issued_at,
    t.due_at,
    t.due_hours,
    t.min_evidence,
    s.completion_id,
    s.completed_by,
    s.completed_at,
    s.evidence_count,
    s.followup_needed,
    s.handoff_department,
    s.is_due,
    case when s.is_completed then s.is_on_time end as on_time,
    s.status,
    s.work_code,
    t.departments,
    t.rules,
    t.requests,
    a.as_of_date,
    -- hand-offs (SPEC 12) opened for the task by as_of, and how many are still open (not resolved/rejected)
    coalesce(h.handoffs, 0) as handoffs,
    coalesce(h.handoffs_open, 0) as handoffs_open,
    -- supervision (督办): the date the task was escalated to its station's leader, and to whom
    e.escalated_on,
    e.leader_officer_id as supervised_by
from {{ ref('int_tasks_in_scope') }} as t
inner join {{ ref('int_task_status_intervals') }} as s
    on s.task_id = t.task_id and s.valid_to is null
cross join {{ ref('int_as_of') }} as a
left join (
    select
        task_id,
        count(*) as handoffs,
        count(*) filter (where resolved_at is null and rejected_at is null) as handoffs_open
    from {{ ref('int_handoffs_state') }}
    group by task_id
) as h on h.task_id = t.task_id
left join {{ ref('stg_ops__escalations') }} as e
    on e.task_id = t.task_id and e.escalated_on <= a.as_of_date
