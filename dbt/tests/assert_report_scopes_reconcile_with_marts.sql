-- The report's city and district pages add up to their stations (SPEC 11: a page's figures are the
-- marts summed over the page's stations): at every as_of date, the city row of rpt_scope_daily equals
-- completion_rate_daily and work_code_summary summed over every station. Returns mismatching dates.
with city as (
    select as_of_date, tasks_due, tasks_completed, tasks_on_time, red, pending
    from {{ ref('rpt_scope_daily') }}
    where scope = 'city'
),

rates as (
    select as_of_date, sum(tasks_due) as tasks_due, sum(tasks_completed) as tasks_completed,
           sum(tasks_on_time) as tasks_on_time
    from {{ ref('completion_rate_daily') }}
    group by as_of_date
),

codes as (
    select as_of_date, sum(red) as red, sum(pending) as pending
    from {{ ref('work_code_summary') }}
    group by as_of_date
)

select coalesce(c.as_of_date, r.as_of_date) as as_of_date
from city as c
full join rates as r on r.as_of_date = c.as_of_date
full join codes as k on k.as_of_date = coalesce(c.as_of_date, r.as_of_date)
where c.tasks_due is distinct from r.tasks_due
    or c.tasks_completed is distinct from r.tasks_completed
    or c.tasks_on_time is distinct from r.tasks_on_time
    or c.red is distinct from k.red
    or c.pending is distinct from k.pending
