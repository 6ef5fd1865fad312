-- The report's pages (SPEC 11) and the stations each one covers: the city (every station), each
-- district of the org feed (its stations), each station (itself). Every rpt_scope_* model sums its
-- station figures through this table, so a page's numbers are the marts summed over its stations.
with stations as (
    select
        station_id,
        coalesce(station_name, station_id) as station_name,
        district
    from {{ ref('dim_stations') }}
)

select
    'city' as scope,
    '{{ var("city_id") }}' as scope_id,
    '{{ var("city_name") }}' as scope_name,
    cast(null as varchar) as parent_scope,
    cast(null as varchar) as parent_id,
    station_id
from stations
union all
select 'district', district, district, 'city', '{{ var("city_id") }}', station_id
from stations
where district is not null
union all
select
    'station',
    station_id,
    station_name,
    case when district is null then 'city' else 'district' end,
    coalesce(district, '{{ var("city_id") }}'),
    station_id
from stations
