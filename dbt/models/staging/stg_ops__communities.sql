select
    snapshot_date,
    community_id,
    community_name,
    station_id
from {{ source('ops', 'communities') }}
