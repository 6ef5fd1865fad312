-- Hand-offs (SPEC 12) opened on or before the as_of date, and their state at as_of (23:59:59 local).
-- A hand-off: the first accepted copy of a completion_id (int_completions_deduplicated) that names a
-- handoff_department; opened_at = completed_at. State from the accepted events (first copy of each
-- event_id among files landed by the as_of date) with event_at <= as_of: acknowledged_at is the earliest
-- event of any kind (a resolution or rejection also acknowledges), resolved_at the earliest 'resolved',
-- rejected_at the earliest 'rejected'.
with handoffs as (
    select
        c.completion_id as handoff_id,
        c.task_id,
        c.handoff_department as department,
        c.completed_at as opened_at,
        c.file_date as opened_file_date
    from {{ ref('int_completions_deduplicated') }} as c
    cross join {{ ref('int_as_of') }} as a
    where c.handoff_department is not null
        and c.completed_at <= a.as_of_at
),

events as (
    select e.*
    from {{ ref('stg_ops__handoff_events') }} as e
    cross join {{ ref('int_as_of') }} as a
    where e.file_date <= a.as_of_date
    qualify row_number() over (partition by e.event_id order by e.file_date, e.source_line) = 1
),

state as (
    select
        e.handoff_id,
        min(e.event_at) as acknowledged_at,
        min(e.event_at) filter (where e.event = 'resolved') as resolved_at,
        min(e.event_at) filter (where e.event = 'rejected') as rejected_at,
        count(*) as events
    from events as e
    cross join {{ ref('int_as_of') }} as a
    where e.event_at <= a.as_of_at
    group by e.handoff_id
)

select
    h.handoff_id,
    h.task_id,
    h.department,
    coalesce(p.department_code, 'unrouted') as department_code,
    p.department_name_zh,
    coalesce(p.routed, false) as routed,
    coalesce(p.ack_hours, 24) as ack_hours,
    coalesce(p.resolve_hours, 168) as resolve_hours,
    h.opened_at,
    h.opened_file_date,
    h.opened_at + to_hours(coalesce(p.ack_hours, 24)) as ack_due_at,
    h.opened_at + to_hours(coalesce(p.resolve_hours, 168)) as resolve_due_at,
    s.acknowledged_at,
    s.resolved_at,
    s.rejected_at,
    coalesce(s.events, 0) as events,
    a.as_of_date,
    a.as_of_at
from handoffs as h
cross join {{ ref('int_as_of') }} as a
left join state as s on s.handoff_id = h.handoff_id
left join {{ ref('stg_ops__partner_departments') }} as p on p.department = h.department
