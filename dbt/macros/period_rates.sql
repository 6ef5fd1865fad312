{#
  SPEC 6.1: non-cumulative figures by the period a task falls due in. One row per period x station x
  standard part with at least one task whose due_at (local date) lies in the period and is not after
  the build's as_of; the figures are judged at that as_of (fct_tasks' status and on_time).
  period: 'week' (key week_start, the Monday) or 'month' (key month, the first day).
#}
{% macro period_rates(period, key) -%}
with as_of as (
    select as_of_at from {{ ref('int_as_of') }}
),

due as (
    select
        cast(date_trunc('{{ period }}', {{ local_date('t.due_at') }}) as date) as {{ key }},
        t.station_id,
        t.standard_part_id,
        t.category,
        t.status = 'completed' as is_completed,
        coalesce(t.on_time, false) as is_on_time
    from {{ ref('fct_tasks') }} as t
    cross join as_of as a
    where t.due_at <= a.as_of_at
)

select
    {{ key }},
    station_id,
    standard_part_id,
    any_value(category) as category,
    cast(count(*) as bigint) as tasks_due,
    cast(count(*) filter (where is_completed) as bigint) as tasks_completed,
    cast(count(*) filter (where is_on_time) as bigint) as tasks_on_time,
    count(*) filter (where is_completed) / count(*) as completion_rate,
    count(*) filter (where is_on_time) / count(*) as on_time_rate
from due
group by {{ key }}, station_id, standard_part_id
{%- endmacro %}
