-- Accepted rows of the handoffs feed (every copy: re-sent event_ids are resolved downstream). The note
-- (free text from the department) is not selected: it may name residents.
select
    file_date,
    _file as source_file,
    _line as source_line,
    event_id,
    handoff_id,
    department,
    event,
    event_at
from {{ source('ops', 'handoff_events') }}
