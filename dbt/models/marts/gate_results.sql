-- Outcome of every quality gate per run date. The marts gate of run date D is recorded after D's
-- build, so it shows from the marts as of a later date on: a re-run of D (after a crash late in the
-- night) must build the same marts as D's first build.
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
where g.run_date < a.as_of_date
   or (g.run_date = a.as_of_date and g.gate not like 'marts.%')
