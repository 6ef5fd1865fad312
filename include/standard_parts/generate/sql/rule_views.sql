-- The named views the catalogue's rule predicates read (contract: catalogue/schema.py VIEW_COLUMNS).
-- Input: temp table gen_params(run_date) with one row. Reference rules read only feed values.
--
-- Why views and not tables: at city scale (5.3M persons, 2M houses) materialising a wide row per
-- object costs more than every rule together. Only the aggregates are materialised (one pass over
-- the persons, a few thousand alert matches); the engine then scans each view once for all of its
-- rules (engine.candidates_sql), and publishing joins the views to its open tasks only.

-- Completed years, by integer arithmetic on yyyymmdd (much cheaper than age() on millions of rows).
create or replace temp macro sp_age_years(birth_date, on_date) as cast((
    (year(on_date) * 10000 + month(on_date) * 100 + day(on_date))
    - (year(birth_date) * 10000 + month(birth_date) * 100 + day(birth_date))
) // 10000 as integer);

-- Every house with its place and its active residents: the one aggregate over all persons, joined
-- to its house once. Persons, houses and communities all read it.
create or replace temp table gen_house_facts as
with counts as (
    select
        p.house_id,
        count(*) as active_persons,
        count(*) filter (where p.hukou_type = 'floating') as floating_persons,
        count(*) filter (where sp_age_years(p.birth_date, g.run_date) >= 80) as elderly_persons,
        count(*) filter (where sp_age_years(p.birth_date, g.run_date) < 18) as minors
    from ops.persons as p
    cross join gen_params as g
    where p.status = 'active'
    group by p.house_id
)
select
    h.house_id,
    h.community_id,
    c.station_id,
    h.house_use,
    h.floor_area_m2,
    h.verified_on,
    cast(coalesce(n.active_persons, 0) as integer) as active_persons,
    cast(coalesce(n.floating_persons, 0) as integer) as floating_persons,
    cast(coalesce(n.elderly_persons, 0) as integer) as elderly_persons,
    cast(coalesce(n.minors, 0) as integer) as minors
from ops.houses as h
join ops.communities as c on c.community_id = h.community_id
left join counts as n on n.house_id = h.house_id;

create or replace temp view gen_persons as
select
    p.id_number,
    p.phone,
    p.gender,
    p.birth_date,
    p.hukou_type,
    p.house_id,
    p.moved_in_on,
    p.status,
    h.community_id,
    h.station_id,
    h.active_persons as house_active_persons,
    sp_age_years(p.birth_date, g.run_date) as age_years,
    g.run_date
from ops.persons as p
join gen_house_facts as h on h.house_id = p.house_id
cross join gen_params as g;

-- Alerts of the last 30 days matched to active persons: by id number when the alert has one, else
-- by phone. Small (a few thousand rows a day at city scale): materialised.
create or replace temp table gen_alert_matches as
with alerts as (
    select
        a.alert_id,
        a.id_number,
        a.phone,
        a.risk_level,
        a.amount_at_risk_cny,
        local_date(a.raised_at) as raised_on,
        a.file_date
    from ops.alerts as a
    cross join gen_params as g
    where a.file_date between g.run_date - 29 and g.run_date
),
active as (
    -- one scan of the persons, keeping only those an alert can name
    select id_number, phone, house_id
    from ops.persons
    where status = 'active'
      and (id_number in (select id_number from alerts) or phone in (select phone from alerts where id_number is null))
)
select al.*, ap.id_number as person_id, ap.house_id
from alerts as al
join active as ap on ap.id_number = al.id_number
where al.id_number is not null
union all
select al.*, ap.id_number as person_id, ap.house_id
from alerts as al
join active as ap on ap.phone = al.phone
where al.id_number is null;

create or replace temp table gen_person_alerts as
select
    m.person_id,
    -- Only the run date's own file counts: an alert arriving a day late never triggers.
    cast(count(*) filter (where m.file_date = g.run_date and m.raised_on = g.run_date) as integer)
        as alerts_today,
    cast(max(m.risk_level) filter (where m.file_date = g.run_date and m.raised_on = g.run_date) as integer)
        as alerts_today_max_risk,
    cast(sum(m.amount_at_risk_cny) filter (where m.file_date = g.run_date and m.raised_on = g.run_date) as double)
        as amount_at_risk_today,
    cast(count(*) filter (where m.raised_on between g.run_date - 29 and g.run_date) as integer) as alerts_30d
from gen_alert_matches as m
cross join gen_params as g
group by m.person_id;

create or replace temp view rule_persons as
select
    p.id_number as object_id,
    p.community_id,
    p.station_id,
    p.house_id,
    p.gender,
    p.birth_date,
    p.age_years,
    p.hukou_type,
    p.moved_in_on,
    p.status,
    p.house_active_persons,
    coalesce(a.alerts_today, 0) as alerts_today,
    a.alerts_today_max_risk,
    coalesce(a.alerts_30d, 0) as alerts_30d,
    a.amount_at_risk_today,
    p.run_date
from gen_persons as p
left join gen_person_alerts as a on a.person_id = p.id_number;

-- "Collect once, use many times": a house verified through a valid completion of a part that
-- declares updates_on_completion {view: rule_houses, field: verified_on} counts as verified on
-- that completion's (local) date. No reference rule reads verified_on (SPEC 4).
create or replace temp table gen_houses_verified as
select t.object_id as house_id, max(local_date(v.completed_at)) as verified_on
from gen_valid_completions as v
join ops.tasks as t on t.task_id = v.task_id
join ops.catalogue_parts as c
    on c.standard_part_id = t.standard_part_id and c.collect_view = 'rule_houses' and c.collect_field = 'verified_on'
group by t.object_id;

create or replace temp view rule_houses as
select
    h.house_id as object_id,
    h.house_id,
    h.community_id,
    h.station_id,
    h.house_use,
    h.floor_area_m2,
    greatest(h.verified_on, hv.verified_on) as verified_on,
    h.active_persons,
    h.floating_persons,
    h.elderly_persons,
    h.minors,
    g.run_date
from gen_house_facts as h
left join gen_houses_verified as hv on hv.house_id = h.house_id
cross join gen_params as g;

create or replace temp view rule_venues as
select
    v.venue_id as object_id,
    v.venue_id,
    v.venue_type,
    v.community_id,
    c.station_id,
    v.license_expiry,
    v.last_inspected_on,
    v.open_violations,
    g.run_date
from ops.venues as v
join ops.communities as c on c.community_id = v.community_id
cross join gen_params as g;

-- A few thousand communities: materialised.
create or replace temp table rule_communities as
with houses as (
    select
        community_id,
        count(*) as houses,
        count(*) filter (where house_use in ('rental', 'group_rental')) as rental_houses,
        sum(active_persons) as residents,
        sum(floating_persons) as floating_residents
    from gen_house_facts
    group by community_id
),
venues as (
    select community_id, count(*) as venues from ops.venues group by community_id
),
alerts as (
    select h.community_id, count(*) as alerts_7d
    from gen_alert_matches as m
    join gen_house_facts as h on h.house_id = m.house_id
    cross join gen_params as g
    where m.raised_on between g.run_date - 6 and g.run_date
    group by h.community_id
),
officers as (
    select community_id, count(*) as active_officers
    from ops.officers
    where active and role = 'community'
    group by community_id
)
select
    c.community_id as object_id,
    c.community_id,
    c.station_id,
    cast(coalesce(h.residents, 0) as integer) as residents,
    cast(coalesce(h.floating_residents, 0) as integer) as floating_residents,
    cast(coalesce(h.houses, 0) as integer) as houses,
    cast(coalesce(h.rental_houses, 0) as integer) as rental_houses,
    cast(coalesce(v.venues, 0) as integer) as venues,
    cast(coalesce(a.alerts_7d, 0) as integer) as alerts_7d,
    cast(coalesce(o.active_officers, 0) as integer) as active_officers,
    g.run_date
from ops.communities as c
left join houses as h on h.community_id = c.community_id
left join venues as v on v.community_id = c.community_id
left join alerts as a on a.community_id = c.community_id
left join officers as o on o.community_id = c.community_id
cross join gen_params as g;
