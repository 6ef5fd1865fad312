-- Tasks without personal data: object_id is the object key (house/venue/community id, or the
-- person's keyed pseudonym); the internal object_id never leaves the operational store.
select
    task_id,
    run_date,
    standard_part_id,
    category,
    business_item,
    object_type,
    object_key as object_id,
    community_id,
    station_id,
    officer_id,
    flagged,
    issued_at,
    due_at,
    due_hours,
    min_evidence,
    cooldown_days,
    priority,
    departments,
    rules,
    instruction_ids,
    requests
from {{ source('ops', 'tasks') }}
