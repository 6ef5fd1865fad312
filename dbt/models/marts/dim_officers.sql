-- Officers of the current snapshot for labels: display name (a work identity), station, community.
select
    o.officer_id,
    o.officer_name,
    o.station_id,
    o.community_id,
    c.community_name,
    o.role,
    o.active
from {{ ref('stg_ops__officers') }} as o
left join {{ ref('stg_ops__communities') }} as c on c.community_id = o.community_id
