-- The build's as_of: the as_of_date var (the run date), else the latest task run date.
-- as_of_at is the end of that date, 23:59:59 local (SPEC section 6).
with latest as (
    select max(run_date) as latest_run_date
    from {{ ref('stg_ops__tasks') }}
),

chosen as (
    select coalesce({{ as_of_date_var() }}, latest_run_date) as as_of_date
    from latest
)

select
    as_of_date,
    {{ end_of_day('as_of_date') }} as as_of_at
from chosen
