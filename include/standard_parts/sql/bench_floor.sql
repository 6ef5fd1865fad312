-- Benchmark floor for generation: one plain scan-and-join of what every rule reads, no rule logic.
with persons as (
    select p.id_number, p.phone, p.house_id, p.hukou_type, p.status, p.moved_in_on, h.community_id, c.station_id
    from ops.persons as p
    join ops.houses as h on h.house_id = p.house_id
    join ops.communities as c on c.community_id = h.community_id
),
per_house as (
    select house_id, count(*) as n from persons where status = 'active' group by house_id
),
houses as (
    select h.house_id, coalesce(n.n, 0) as n
    from ops.houses as h left join per_house as n on n.house_id = h.house_id
),
alerts as (
    select a.alert_id, coalesce(pi.id_number, pp.id_number) as person
    from ops.alerts as a
    left join persons as pi on pi.id_number = a.id_number
    left join persons as pp on a.id_number is null and pp.phone = a.phone
    where a.file_date = $run_date
),
venues as (
    select v.venue_id, c.station_id from ops.venues as v join ops.communities as c on c.community_id = v.community_id
)
-- occupied houses: reading n keeps the per-house aggregate (a bare count(*) let DuckDB drop it)
select count(*) filter (where n > 0) from houses
union all select count(*) from alerts
union all select count(*) from venues
union all select count(*) from persons where moved_in_on >= $run_date - 6;
