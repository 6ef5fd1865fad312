select
    feed,
    entity,
    file,
    file_date,
    encoding,
    rows_read,
    rows_accepted,
    rows_quarantined,
    run_date,
    loaded_at
from {{ source('ingest', 'files') }}
