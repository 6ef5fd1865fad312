-- Escalated tasks (督办): one row per task, on the first run date it qualified.
select
    task_id,
    escalated_on,
    station_id,
    leader_officer_id,
    flagged,
    hours_overdue
from {{ source('ops', 'escalations') }}
