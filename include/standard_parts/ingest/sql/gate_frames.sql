-- Frames of the ingest gate (ingest/gate.py) for entities whose suite checks more than stored columns;
-- any other entity's frame is its suite's columns of the rows accepted (for the run date, if incremental).

-- name: completions
-- The run date's accepted completions, with the facts the row rules promise as booleans.
select
    c.completion_id,
    c.task_id,
    c.officer_id,
    c.outcome,
    c.evidence_count,
    c.followup_needed,
    c.completed_at is not null
        -- the end of the file's date (23:59:59 local)
        and c.completed_at <= as_of_at(c.file_date)
        as completed_by_file_end,
    t.task_id is not null and t.run_date <= c.file_date as task_known,
    json_type(c.steps) = 'ARRAY' as steps_are_list
from ops.completions as c
left join ops.tasks as t on t.task_id = c.task_id
where c.file_date = $run_date;
