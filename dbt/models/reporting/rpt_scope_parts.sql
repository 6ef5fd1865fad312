-- Per as_of date x page (scope) x standard part: completion_rate_daily summed over the page's
-- stations, with the part's Chinese name and category for the charts.
with summed as (
    select
        d.as_of_date,
        m.scope,
        m.scope_id,
        d.standard_part_id,
        cast(sum(d.tasks_issued) as bigint) as tasks_issued,
        cast(sum(d.tasks_due) as bigint) as tasks_due,
        cast(sum(d.tasks_completed) as bigint) as tasks_completed,
        cast(sum(d.tasks_on_time) as bigint) as tasks_on_time
    from {{ ref('completion_rate_daily') }} as d
    inner join {{ ref('rpt_scope_stations') }} as m on m.station_id = d.station_id
    group by d.as_of_date, m.scope, m.scope_id, d.standard_part_id
)

select
    s.*,
    coalesce(p.name_zh, s.standard_part_id) as part_name,
    coalesce(p.category, '未分类') as category,
    coalesce(p.category_name_zh, p.category, '未分类') as category_name,
    {{ rate('s.tasks_completed', 's.tasks_due') }} as completion_rate,
    {{ rate('s.tasks_on_time', 's.tasks_due') }} as on_time_rate
from summed as s
left join {{ ref('dim_standard_parts') }} as p on p.standard_part_id = s.standard_part_id
