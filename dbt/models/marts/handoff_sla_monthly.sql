-- SPEC 12: month (first day, of opened_at in local time) x department, judged at the newest as_of; a row
-- for each pair with at least one hand-off opened on or before it.
select
    month,
    department,
    any_value(department_code) as department_code,
    any_value(department_name_zh) as department_name_zh,
    bool_and(routed) as routed,
    count(*) as handoffs,
    count(*) filter (where acknowledged) as acknowledged,
    count(*) filter (where acknowledged_on_time) as acknowledged_on_time,
    count(*) filter (where resolved) as resolved,
    count(*) filter (where resolved_on_time) as resolved_on_time,
    count(*) filter (where rejected) as rejected,
    count(*) filter (where open_overdue) as open_overdue,
    avg(hours_to_acknowledge) as avg_hours_to_acknowledge,
    avg(hours_to_resolve) as avg_hours_to_resolve,
    any_value(as_of_date) as as_of_date
from {{ ref('fct_handoffs') }}
group by month, department
