-- Each task's status as a series of intervals of as_of dates [valid_from, valid_to): the status at
-- as_of date D (SPEC 6) holds for valid_from <= D < valid_to (valid_to null: up to the build's as_of).
-- A status can only change on the task's run date, the first as_of date it is due, and the first
-- as_of date of each valid completion; between those dates it is constant, so daily marts add up
-- the changes instead of judging every task on every date.
--
-- At as_of date D the task's completion is its latest valid completion with completed_at <= as_of
-- (by completed_at; the same completed_at: the later arrival, file date then line, decides).
with tasks as (
    select * from {{ ref('int_tasks_in_scope') }}
),

valid as (
    select * from {{ ref('int_completions_valid') }}
),

change_dates as (
    select task_id, run_date as change_date from tasks
    union
    select task_id, greatest(run_date, due_as_of_date) from tasks
    union
    select v.task_id, greatest(t.run_date, v.effective_as_of_date)
    from valid as v
    inner join tasks as t on t.task_id = v.task_id
),

in_range as (
    select c.task_id, c.change_date
    from change_dates as c
    cross join {{ ref('int_as_of') }} as a
    where c.change_date <= a.as_of_date
),

deciding as (
    select
        r.task_id,
        r.change_date,
        v.completion_id,
        v.officer_id as completed_by,
        v.completed_at,
        v.evidence_count,
        v.followup_needed,
        v.handoff_department
    from in_range as r
    left join valid as v
        on v.task_id = r.task_id and v.effective_as_of_date <= r.change_date
    qualify row_number() over (
        partition by r.task_id, r.change_date
        order by v.completed_at desc nulls last, v.file_date desc nulls last, v.source_line desc nulls last
    ) = 1
),

judged as (
    select
        d.task_id,
        d.change_date as valid_from,
        lead(d.change_date) over (partition by d.task_id order by d.change_date) as valid_to,
        d.completion_id,
        d.completed_by,
        d.completed_at,
        d.evidence_count,
        d.followup_needed,
        d.handoff_department,
        d.completion_id is not null as is_completed,
        d.completion_id is not null or d.change_date >= t.due_as_of_date as is_due,
        d.completion_id is not null and d.completed_at <= t.due_at as is_on_time,
        d.completion_id is not null and d.evidence_count >= t.min_evidence as has_min_evidence,
        t.station_id,
        t.standard_part_id,
        t.officer_id,
        t.due_month
    from deciding as d
    inner join tasks as t on t.task_id = d.task_id
)

select
    *,
    case when is_completed then 'completed' else 'open' end as status,
    case
        when is_completed and is_on_time and has_min_evidence and not followup_needed then 'green'
        when is_completed then 'yellow'
        when is_due then 'red'
    end as work_code
from judged
