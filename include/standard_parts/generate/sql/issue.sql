-- Candidates that become tasks: not suppressed and placed in a community. Ids are deterministic:
-- a hash of (part, object key, run date), where a person's key is its keyed pseudonym (so the id
-- reveals nothing about the id number).
create or replace temp table gen_to_issue as
select
    'T' || strftime(g.run_date, '%Y%m%d') || '-'
        || substr(sha256(m.standard_part_id || '|' || k.object_key || '|' || cast(g.run_date as varchar)), 1, 16)
        as task_id,
    g.run_date,
    m.standard_part_id,
    pt.category,
    pt.business_item,
    m.object_type,
    m.object_id,
    k.object_key,
    m.community_id,
    m.station_id,
    g.issued_at,
    g.issued_at + to_hours(pt.due_hours) as due_at,
    pt.due_hours,
    pt.min_evidence,
    pt.cooldown_days,
    pt.priority,
    m.departments,
    m.rules,
    m.instruction_ids,
    cast(m.requests as integer) as requests
from gen_merged as m
join gen_suppression as s on s.standard_part_id = m.standard_part_id and s.object_id = m.object_id
join ops.catalogue_parts as pt on pt.standard_part_id = m.standard_part_id
cross join gen_params as g
cross join lateral (
    select case when m.object_type = 'person' then sp_pseudonym(m.object_id) else m.object_id end as object_key
) as k
where s.suppressed is null
  and m.community_id is not null;
