-- One row per page (scope): its name, the page above it, and the sizes fair comparisons divide by -
-- stations, communities, active community officers and active residents (null when no population
-- snapshot is available).
with members as (
    select * from {{ ref('rpt_scope_stations') }}
),

station_sizes as (
    select
        s.station_id,
        (select count(*) from {{ ref('stg_ops__communities') }} as c where c.station_id = s.station_id)
            as communities,
        (select count(*) from {{ ref('dim_officers') }} as o
         where o.station_id = s.station_id and o.active and o.role = 'community') as officers,
        (select sum(r.residents) from {{ ref('stg_ops__residents') }} as r
         inner join {{ ref('stg_ops__communities') }} as c on c.community_id = r.community_id
         where c.station_id = s.station_id) as residents
    from {{ ref('dim_stations') }} as s
)

select
    m.scope,
    m.scope_id,
    any_value(m.scope_name) as scope_name,
    any_value(m.parent_scope) as parent_scope,
    any_value(m.parent_id) as parent_id,
    cast(count(*) as bigint) as stations,
    cast(sum(z.communities) as bigint) as communities,
    cast(sum(z.officers) as bigint) as officers,
    cast(sum(z.residents) as bigint) as residents
from members as m
inner join station_sizes as z on z.station_id = m.station_id
group by m.scope, m.scope_id
