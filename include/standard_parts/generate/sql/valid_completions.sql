-- Valid completions that landed on or before the run date (SPEC 6): outcome 'done' and every
-- required step of the task's part done; a completion_id counts once (its first accepted copy).
-- Completions of the run date's own tasks count from the next night on: a night generates and
-- publishes before its post-generation completions pass accepts them, and a re-run of the night
-- (after a crash late in it) must build the same tasks and byte-identical packages.
-- Inputs: ops.completions (accepted rows of the completions feed), ops.tasks, ops.catalogue_steps, gen_params.
create or replace temp table gen_valid_completions as
with landed as (
    select c.*
    from ops.completions as c
    cross join gen_params as g
    where c.file_date <= g.run_date
    qualify row_number() over (partition by c.completion_id order by c.file_date, c._line) = 1
),
steps_done as (
    select l.completion_id, s.step_id
    from landed as l, unnest(from_json(l.steps, '[{"step_id": "VARCHAR", "done": "BOOLEAN"}]')) as u(s)
    where s.done
),
missing as (
    select l.completion_id
    from landed as l
    join ops.tasks as t on t.task_id = l.task_id
    join ops.catalogue_steps as ps on ps.standard_part_id = t.standard_part_id and ps.required
    left join steps_done as d on d.completion_id = l.completion_id and d.step_id = ps.step_id
    where d.step_id is null
)
select
    l.task_id, l.completed_at, l.file_date, l._line, l.completion_id, l.evidence_count, l.followup_needed,
    l.handoff_department
from landed as l
where l.outcome = 'done'
  and l.completion_id not in (select completion_id from missing)
  and l.task_id not in (select t.task_id from ops.tasks as t, gen_params as g where t.run_date = g.run_date);
