-- Hand-off events reported back by partner departments (SPEC sections 3 and 12). Inputs: raw_rows (the
-- normalised file, all text), file_params (file_date, file_end = 23:59:59 local) and ops.completions (the hand-offs: the first
-- accepted copy of each completion_id that names a handoff_department).
-- An event_id seen again is not a reason: every copy that passes the rules is accepted and the readers
-- keep its first accepted copy (earliest file date, then lowest line), as for completions.
with handoffs as (
    select c.completion_id as handoff_id, c.handoff_department as department, c.completed_at as opened_at
    from ops.completions as c
    cross join file_params as p
    where c.file_date <= p.file_date
    qualify row_number() over (partition by c.completion_id order by c.file_date, c._line) = 1
)

select
    r._line,
    nullif(trim(r.event_id), '') as event_id,
    nullif(trim(r.handoff_id), '') as handoff_id,
    nullif(trim(r.department), '') as department,
    r.event,
    try_cast(r."at" as timestamptz) as event_at,  -- "at" is a reserved word
    nullif(r.note, '') as note,
    sp_reasons([
        case when sp_blank(r.event_id) or sp_blank(r.handoff_id) or sp_blank(r.department)
                  or sp_blank(r.event) or sp_blank(r."at") then 'missing_required' end,
        case when not sp_blank(r."at") and not sp_timestamp_ok(r."at") then 'bad_timestamp' end,
        case when not sp_blank(r.event) and r.event not in ('acknowledged', 'resolved', 'rejected')
            then 'bad_enum' end,
        -- the foreign key: a hand-off opened by a completion file dated on or before this file's date
        case when not sp_blank(r.handoff_id) and (h.handoff_id is null or h.department is null)
            then 'unknown_handoff' end,
        case when h.department is not null and not sp_blank(r.department)
                  and trim(r.department) <> h.department then 'other_department' end,
        case when try_cast(r."at" as timestamptz) > p.file_end then 'after_file_date' end,
        case when h.department is not null and try_cast(r."at" as timestamptz) < h.opened_at then 'before_opened' end
    ]) as _reasons
from raw_rows as r
cross join file_params as p
left join handoffs as h on h.handoff_id = trim(r.handoff_id)
