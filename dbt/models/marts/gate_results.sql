-- Outcome of every quality gate per run date.
select
    g.run_date,
    g.gate,
    g.success,
    g.evaluated,
    g.failed,
    g.summary,
    g.checked_at
from {{ ref('stg_ingest__gate_results') }} as g
cross join {{ ref('int_as_of') }} as a
where g.run_date <= a.as_of_date
