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
        -- 23:59:59 +08:00 of the file's date, as UTC wall time
        and c.completed_at <= timezone('UTC', cast(c.file_date as timestamp) + interval '15:59:59')
        as completed_by_file_end,
    t.task_id is not null and t.run_date <= c.file_date as task_known,
    json_type(c.steps) = 'ARRAY' as steps_are_list
from ops.completions as c
left join ops.tasks as t on t.task_id = c.task_id
where c.file_date = $run_date;
