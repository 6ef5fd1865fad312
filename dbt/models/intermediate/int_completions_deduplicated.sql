-- One row per completion_id: its first accepted copy (earliest file date, then lowest line) among the
-- files landed on or before the as_of date. Re-sent copies, identical or not, are ignored (SPEC 6).
select c.*
from {{ ref('stg_ops__completions') }} as c
cross join {{ ref('int_as_of') }} as a
where c.file_date <= a.as_of_date
qualify row_number() over (partition by c.completion_id order by c.file_date, c.source_line) = 1
