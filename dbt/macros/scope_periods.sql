{#
  A period mart (completion_rate_weekly / _monthly) summed over each page's stations, with the
  previous calendar period's figures beside it (zero when nothing fell due then) and whether the
  period is complete at the build's as_of (its last day is on or before the as_of date).
#}
{% macro scope_periods(mart, key, step) -%}
with summed as (
    select
        p.{{ key }},
        m.scope,
        m.scope_id,
        cast(sum(p.tasks_due) as bigint) as tasks_due,
        cast(sum(p.tasks_completed) as bigint) as tasks_completed,
        cast(sum(p.tasks_on_time) as bigint) as tasks_on_time
    from {{ ref(mart) }} as p
    inner join {{ ref('rpt_scope_stations') }} as m on m.station_id = p.station_id
    group by p.{{ key }}, m.scope, m.scope_id
)

select
    s.{{ key }},
    cast(s.{{ key }} + interval {{ step }} - interval 1 day as date) as period_end,
    s.scope,
    s.scope_id,
    s.tasks_due,
    s.tasks_completed,
    s.tasks_on_time,
    {{ rate('s.tasks_completed', 's.tasks_due') }} as completion_rate,
    {{ rate('s.tasks_on_time', 's.tasks_due') }} as on_time_rate,
    cast(s.{{ key }} + interval {{ step }} - interval 1 day as date) <= a.as_of_date as is_complete,
    coalesce(b.tasks_due, 0) as prev_tasks_due,
    coalesce(b.tasks_completed, 0) as prev_tasks_completed,
    coalesce(b.tasks_on_time, 0) as prev_tasks_on_time,
    {{ rate('b.tasks_completed', 'b.tasks_due') }} as prev_completion_rate,
    {{ rate('b.tasks_on_time', 'b.tasks_due') }} as prev_on_time_rate
from summed as s
cross join {{ ref('int_as_of') }} as a
left join summed as b
    on b.scope = s.scope and b.scope_id = s.scope_id
    and b.{{ key }} = cast(s.{{ key }} - interval {{ step }} as date)
{%- endmacro %}
