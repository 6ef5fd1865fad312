-- Stations for labels: the current snapshot, plus any station that only older tasks name.
with current_snapshot as (
    select station_id, station_name, district, branch_bureau
    from {{ ref('stg_ops__stations') }}
),

task_only as (
    select distinct t.station_id
    from {{ ref('int_tasks_in_scope') }} as t
    anti join current_snapshot as s on s.station_id = t.station_id
)

select station_id, station_name, district, branch_bureau, true as in_current_snapshot
from current_snapshot
union all
select station_id, null, null, null, false
from task_only
