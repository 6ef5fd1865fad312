-- Every as_of date from the first task's run date to the build's as_of date.
select cast(d.generate_series as date) as as_of_date
from {{ ref('int_as_of') }} as a
cross join (select min(run_date) as first_run_date from {{ ref('int_tasks_in_scope') }}) as f
cross join generate_series(cast(f.first_run_date as timestamp), cast(a.as_of_date as timestamp), interval 1 day) as d
where f.first_run_date is not null
