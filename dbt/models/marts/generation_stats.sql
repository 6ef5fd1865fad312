-- How candidates became tasks, per run date x standard part: merged requests (归并同类项),
-- suppression of open or recently done work, unassignable objects, and what was issued.
select
    g.run_date,
    g.standard_part_id,
    p.category,
    g.candidates,
    g.objects,
    g.merged_away,
    g.suppressed_open,
    g.suppressed_cooldown,
    g.unassignable,
    g.issued,
    g.flagged
from {{ ref('stg_ops__generation_stats') }} as g
cross join {{ ref('int_as_of') }} as a
left join {{ ref('stg_catalogue__parts') }} as p on p.standard_part_id = g.standard_part_id
where g.run_date <= a.as_of_date
