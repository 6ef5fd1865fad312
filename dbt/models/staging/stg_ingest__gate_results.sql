-- Gate outcomes; summaries mask personal data (standard_parts.gates).
select
    run_date,
    gate,
    success,
    evaluated,
    failed,
    summary,
    checked_at
from {{ source('ingest', 'gate_results') }}
