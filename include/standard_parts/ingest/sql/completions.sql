-- Completions (SPEC sections 3 and 6). Inputs: raw_rows (the normalised file, all text),
-- file_params (file_date, file_end = 23:59:59 local of the file's date), file_officers (the officers
-- snapshot newest on or before the file's date) and ops.tasks.
-- A completion_id seen again is not a reason: every copy that passes the rules is accepted and the
-- readers keep its first accepted copy (earliest file date, then lowest line).
select
    r._line,
    r.completion_id,
    r.task_id,
    r.officer_id,
    try_cast(r.completed_at as timestamptz) as completed_at,
    r.outcome,
    r.steps,
    try_cast(r.evidence_count as integer) as evidence_count,
    case r.followup_needed when 'true' then true when 'false' then false end as followup_needed,
    nullif(trim(r.handoff_department), '') as handoff_department,
    sp_reasons([
        case when sp_blank(r.completion_id) or sp_blank(r.task_id) or sp_blank(r.officer_id)
                  or sp_blank(r.completed_at) or sp_blank(r.outcome) or sp_blank(r.steps)
                  or sp_blank(r.evidence_count) or sp_blank(r.followup_needed) then 'missing_required' end,
        case when not sp_timestamp_ok(r.completed_at) then 'bad_timestamp' end,
        case when r.outcome not in ('done', 'unable') or r.followup_needed not in ('true', 'false')
            then 'bad_enum' end,
        case when not sp_int_ok(r.evidence_count) or try_cast(r.evidence_count as integer) < 0
            then 'bad_number' end,
        -- steps: a JSON list of {step_id: non-empty text, done: boolean} (an empty list is a list)
        case when not (
            case when json_valid(r.steps) and json_type(r.steps) = 'ARRAY' then
                len(list_filter(json_extract(r.steps, '$[*]'), lambda e: not coalesce(
                    json_type(e) = 'OBJECT' and json_type(e, '$.step_id') = 'VARCHAR'
                    and trim(e ->> '$.step_id') <> '' and json_type(e, '$.done') = 'BOOLEAN', false))) = 0
            else false end
        ) then 'malformed_row' end,
        -- the foreign key: a task issued on or before the file's date
        case when t.task_id is null then 'unknown_task' end,
        -- an officer missing from the snapshot counts as another station's
        case when t.task_id is not null and o.station_id is distinct from t.station_id then 'other_station' end,
        case when try_cast(r.completed_at as timestamptz) > p.file_end then 'completed_after_file_date' end
    ]) as _reasons
from raw_rows as r
cross join file_params as p
left join ops.tasks as t on t.task_id = r.task_id and t.run_date <= p.file_date
left join file_officers as o on o.officer_id = r.officer_id
