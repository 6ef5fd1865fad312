-- Frames of the ingest gate (ingest/gate.py) for entities whose suite checks more than stored columns;
-- any other entity's frame is its suite's columns of the rows accepted (for the run date, if incremental).
-- A frame may read the run date as $run_date.

-- name: houses
-- The accepted houses. Uniqueness is counted here (house_id_copies): pandas' duplicated() over the
-- ids of a city's snapshot is the costliest check of the gate (~1.5 s and a hash table per 2M rows).
select
    house_id,
    community_id,
    house_use,
    floor_area_m2,
    count(*) over (partition by house_id) as house_id_copies
from ops.houses;

-- name: persons
-- The accepted persons, with id_number_copies counted here (as for houses: at 5.3M residents
-- duplicated() took 4.9 s of the gate's 5.5 s, against 0.2 s for this window).
select
    id_number,
    phone,
    status,
    house_id,
    count(*) over (partition by id_number) as id_number_copies
from ops.persons;

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
