-- Row accounting per landing file (no row content): rows_read = rows_accepted + rows_quarantined.
select
    f.feed,
    f.entity,
    f.file,
    f.file_date,
    f.encoding,
    f.rows_read,
    f.rows_accepted,
    f.rows_quarantined,
    f.run_date
from {{ ref('stg_ingest__files') }} as f
cross join {{ ref('int_as_of') }} as a
where f.file_date <= a.as_of_date
