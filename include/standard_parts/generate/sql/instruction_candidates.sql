-- The run date's instructions as candidates, placed like the rule views place their objects
-- (object -> house -> community -> station; unknown objects stay unplaced and are quarantined as
-- no_community). Looked up for the instructed objects only, not by scanning the views.
insert into gen_candidates
with todays as (
    select i.standard_part_id, i.object_type, i.object_id, i.department, i.instruction_id
    from ops.instructions as i
    cross join gen_params as g
    where i.file_date = g.run_date
),
communities as (
    select p.id_number as object_id, 'person' as object_type, h.community_id
    from ops.persons as p
    join ops.houses as h on h.house_id = p.house_id
    where p.id_number in (select object_id from todays where object_type = 'person')
    union all
    select house_id, 'house', community_id
    from ops.houses
    where house_id in (select object_id from todays where object_type = 'house')
    union all
    select venue_id, 'venue', community_id
    from ops.venues
    where venue_id in (select object_id from todays where object_type = 'venue')
    union all
    select community_id, 'community', community_id
    from ops.communities
    where community_id in (select object_id from todays where object_type = 'community')
),
places as (
    select o.object_type, o.object_id, c.community_id, c.station_id
    from communities as o
    join ops.communities as c on c.community_id = o.community_id
)
select t.standard_part_id, t.object_type, t.object_id, t.department, null, t.instruction_id,
       p.community_id, p.station_id
from todays as t
left join places as p on p.object_type = t.object_type and p.object_id = t.object_id;
