-- name: tasks
select
    task_id,
    officer_id,
    standard_part_id,
    object_type,
    due_at > issued_at as due_after_issue,
    -- a person's task must carry the pseudonym, never the id number, outside the object_id column
    (object_type <> 'person' or (object_key like 'P%' and object_key <> object_id)) as person_key_ok
from ops.tasks
where run_date = $run_date;

-- name: reconcile
with stored as (
    select standard_part_id, count(*) as tasks_stored from ops.tasks where run_date = $run_date group by all
)
select
    s.standard_part_id,
    s.issued as issued_in_stats,
    coalesce(t.tasks_stored, 0) as tasks_stored,
    s.candidates,
    s.merged_away + s.suppressed_open + s.suppressed_cooldown + s.unassignable + s.issued as accounted
from ops.generation_stats as s
left join stored as t on t.standard_part_id = s.standard_part_id
where s.run_date = $run_date;
