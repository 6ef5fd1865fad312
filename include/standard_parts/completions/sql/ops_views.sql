-- Read models of the completions in the operational store ("collect once, use many times").
-- Inputs: ops.completions (every accepted copy), ops.tasks, ops.catalogue_steps.

-- The first accepted copy of each completion_id (earliest file date, then lowest line) that is
-- valid (SPEC 6): outcome 'done' and every required step of the task's part reported done: true.
-- file_date says when it landed: a reader judging a run date keeps file_date <= that date.
create or replace view ops.valid_completions as
with first_copies as (
    select c.*
    from ops.completions as c
    qualify row_number() over (partition by c.completion_id order by c.file_date, c._line) = 1
),
steps_done as (
    select f.completion_id, s.step_id
    from first_copies as f,
        unnest(from_json(f.steps, '[{"step_id": "VARCHAR", "done": "BOOLEAN"}]')) as u(s)
    where s.done
),
missing as (
    select f.completion_id
    from first_copies as f
    join ops.tasks as t on t.task_id = f.task_id
    join ops.catalogue_steps as cs on cs.standard_part_id = t.standard_part_id and cs.required
    anti join steps_done as d on d.completion_id = f.completion_id and d.step_id = cs.step_id
)
select
    f.completion_id,
    f.task_id,
    t.standard_part_id,
    t.object_type,
    t.object_id,
    t.object_key,
    f.officer_id,
    f.completed_at,
    f.evidence_count,
    f.followup_needed,
    f.handoff_department,
    f.file_date,
    f._line
from first_copies as f
join ops.tasks as t on t.task_id = f.task_id
where f.outcome = 'done'
  and f.completion_id not in (select completion_id from missing);

-- Latest valid completion per (standard part, object) among completions landed on or before d.
-- For rule views that read collected facts (e.g. a house verified today is not re-verified);
-- the SPEC's five reference rules never read it.
create or replace macro ops.object_last_completed_asof(d) as table
select
    standard_part_id,
    object_type,
    object_id,
    object_key,
    max(completed_at) as last_completed_at,
    -- the local date (the session's TimeZone, the business zone); inline, not the connection's
    -- local_date macro, so the stored macro also reads on connections that did not define it
    cast(timezone(current_setting('TimeZone'), max(completed_at)) as date) as last_completed_on,
    count(*) as valid_completions
from ops.valid_completions
where file_date <= d
group by standard_part_id, object_type, object_id, object_key;

create or replace view ops.object_last_completed as
select * from ops.object_last_completed_asof(date '9999-12-31');
