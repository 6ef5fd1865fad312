-- Officers per snapshot date, without names.
select
    snapshot_date,
    officer_id,
    station_id,
    community_id,
    role,
    active
from {{ source('ops', 'officers_history') }}
