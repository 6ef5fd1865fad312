select
    snapshot_date,
    station_id,
    station_name,
    district,
    branch_bureau
from {{ source('ops', 'stations') }}
