-- Enablement facts per open task, one query per source (catalogue/schema.py ENABLEMENT_SOURCES).
-- Each returns task_id plus the source's fields; list sources return several rows per task, in
-- the order given by _seq (packages.py keeps them in DuckDB and reads them officer by officer).

-- name: rule_houses
select t.task_id, v.* exclude (object_id, run_date)
from pkg_open_tasks as t join rule_houses as v on t.object_type = 'house' and v.object_id = t.object_id;

-- name: rule_persons
select t.task_id, v.* exclude (object_id, run_date, birth_date)
from pkg_open_tasks as t join rule_persons as v on t.object_type = 'person' and v.object_id = t.object_id;

-- name: rule_venues
select t.task_id, v.* exclude (object_id, run_date)
from pkg_open_tasks as t join rule_venues as v on t.object_type = 'venue' and v.object_id = t.object_id;

-- name: rule_communities
select t.task_id, v.* exclude (object_id, run_date)
from pkg_open_tasks as t join rule_communities as v on t.object_type = 'community' and v.object_id = t.object_id;

-- name: houses
select t.task_id, h.house_id, h.address, h.house_use, h.floor_area_m2, h.verified_on, h.owner_id_number
from pkg_open_tasks as t
left join ops.persons as p on t.object_type = 'person' and p.id_number = t.object_id
join ops.houses as h on h.house_id = case when t.object_type = 'house' then t.object_id else p.house_id end
where t.object_type in ('house', 'person');

-- name: house_residents
select t.task_id, p.name, p.gender, p.age_years, p.hukou_type, p.moved_in_on, p.phone, p.id_number,
       row_number() over (partition by t.task_id order by p.moved_in_on, p.id_number) as _seq
from pkg_open_tasks as t
join (
    select gp.*, pp.name
    from gen_persons as gp join ops.persons as pp on pp.id_number = gp.id_number
    where gp.status = 'active'
) as p on t.object_type = 'house' and p.house_id = t.object_id;

-- name: persons
select t.task_id, pp.name, gp.gender, gp.age_years, gp.phone, gp.hukou_type, gp.moved_in_on, gp.id_number
from pkg_open_tasks as t
join gen_persons as gp on t.object_type = 'person' and gp.id_number = t.object_id
join ops.persons as pp on pp.id_number = gp.id_number;

-- name: alerts
select t.task_id, a.alert_type, a.risk_level,
       local_iso(a.raised_at) as raised_at,
       a.amount_at_risk_cny,
       row_number() over (partition by t.task_id order by a.raised_at, m.alert_id) as _seq
from pkg_open_tasks as t
join gen_alert_matches as m on t.object_type = 'person' and m.person_id = t.object_id
join ops.alerts as a on a.alert_id = m.alert_id and a.file_date = m.file_date
where m.raised_on = t.run_date and m.file_date = t.run_date;

-- name: venues
select t.task_id, v.venue_name, v.venue_type, v.license_no, v.license_expiry, v.last_inspected_on,
       v.open_violations
from pkg_open_tasks as t join ops.venues as v on t.object_type = 'venue' and v.venue_id = t.object_id;

-- name: communities
select t.task_id, c.community_id, c.community_name, c.station_id
from pkg_open_tasks as t join ops.communities as c on c.community_id = t.community_id;

-- name: instruction
select t.task_id, i.instruction_id, i.department, i.reason,
       local_iso(i.issued_at) as issued_at,
       row_number() over (partition by t.task_id order by i.instruction_id) as _seq
from pkg_open_tasks as t
join ops.instructions as i on list_contains(t.instruction_ids, i.instruction_id) and i.file_date = t.run_date;

-- name: task
select
    t.task_id,
    t.departments as requesting_departments,
    t.rules as requesting_rules,
    (
        select local_iso(max(v.completed_at))
        from ops.tasks as prev
        join gen_valid_completions as v on v.task_id = prev.task_id
        where prev.standard_part_id = t.standard_part_id and prev.object_id = t.object_id
          and prev.run_date < t.run_date
    ) as previous_completed_at
from pkg_open_tasks as t;
