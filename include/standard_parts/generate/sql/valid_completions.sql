-- Valid completions that landed on or before the run date: ops.valid_completions (the one definition
-- of a valid completion, completions/sql/ops_views.sql) as of the run date. Its first copy of an id
-- over all files, kept if it landed by the run date, is the first copy among the files landed by then.
-- Completions of the run date's own tasks count from the next night on: a night generates and
-- publishes before its post-generation completions pass accepts them, and a re-run of the night
-- (after a crash late in it) must build the same tasks and byte-identical packages.
-- Inputs: ops.valid_completions, ops.tasks, gen_params.
create or replace temp table gen_valid_completions as
select
    v.task_id, v.completed_at, v.file_date, v._line, v.completion_id, v.evidence_count, v.followup_needed,
    v.handoff_department
from ops.valid_completions as v
cross join gen_params as g
where v.file_date <= g.run_date
  and v.task_id not in (select t.task_id from ops.tasks as t, gen_params as g where t.run_date = g.run_date);
