-- Rejected rows without their content (raw and detail may hold personal data).
select
    feed,
    entity,
    file,
    file_date,
    line,
    reason
from {{ source('ingest', 'quarantine') }}
