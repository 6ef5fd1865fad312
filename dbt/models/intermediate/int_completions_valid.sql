-- Valid completions (SPEC 6): outcome 'done' and every required step of the task's standard part
-- reported done: true. effective_as_of_date is the first as_of date whose as_of (23:59:59 local) is
-- at or after completed_at: from then on the completion counts, whatever its arrival date.
with completions as (
    select d.*
    from {{ ref('int_completions_deduplicated') }} as d
    inner join {{ ref('int_tasks_in_scope') }} as t on t.task_id = d.task_id
),

steps_done as (
    select
        c.completion_id,
        s.step_id
    from completions as c,
        unnest(from_json(c.steps, '[{"step_id": "VARCHAR", "done": "BOOLEAN"}]')) as u(s)
    where s.done
),

required_missing as (
    select c.completion_id
    from completions as c
    inner join {{ ref('int_tasks_in_scope') }} as t on t.task_id = c.task_id
    inner join {{ ref('stg_catalogue__steps') }} as st
        on st.standard_part_id = t.standard_part_id and st.is_required
    anti join steps_done as sd
        on sd.completion_id = c.completion_id and sd.step_id = st.step_id
)

select
    c.completion_id,
    c.task_id,
    c.officer_id,
    c.completed_at,
    c.evidence_count,
    c.followup_needed,
    c.handoff_department,
    c.file_date,
    c.source_line,
    {{ first_as_of_date('c.completed_at') }} as effective_as_of_date
from completions as c
where c.outcome = 'done'
    and c.completion_id not in (select m.completion_id from required_missing as m)
