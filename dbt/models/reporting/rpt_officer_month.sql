-- Officer rows a leader can read: officer_scorecard with the officer's display name (a work
-- identity), station and community names.
select
    sc.month,
    sc.officer_id,
    coalesce(o.officer_name, sc.officer_id) as officer_name,
    sc.station_id,
    coalesce(s.station_name, sc.station_id) as station_name,
    o.community_id,
    o.community_name,
    sc.tasks_coded,
    sc.green,
    sc.yellow,
    sc.red,
    sc.completion_rate,
    sc.officer_code
from {{ ref('officer_scorecard') }} as sc
left join {{ ref('dim_officers') }} as o on o.officer_id = sc.officer_id
left join {{ ref('dim_stations') }} as s on s.station_id = sc.station_id
