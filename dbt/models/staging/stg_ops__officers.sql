-- The current officers snapshot with the officer's display name (a work identity, SPEC 7: reports may
-- show it); nothing about residents.
select
    officer_id,
    officer_name,
    station_id,
    community_id,
    role,
    active
from {{ source('ops', 'officers') }}
