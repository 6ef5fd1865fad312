-- Merge every request for the same (standard part, object) into one candidate task (归并同类项),
-- and resolve the object's community and station. Input: gen_candidates, rule views, gen_params.
create or replace temp table gen_merged as
with merged as (
    select
        standard_part_id,
        object_type,
        object_id,
        list_sort(list_distinct(list(department))) as departments,
        coalesce(list_sort(list_distinct(list(rule_id) filter (where rule_id is not null))), []) as rules,
        coalesce(list_sort(list_distinct(list(instruction_id) filter (where instruction_id is not null))), [])
            as instruction_ids,
        count(*) as requests
    from gen_candidates
    group by all
),
places as (
    select 'house' as object_type, object_id, community_id, station_id from rule_houses
    union all
    select 'person', object_id, community_id, station_id from rule_persons
    union all
    select 'venue', object_id, community_id, station_id from rule_venues
    union all
    select 'community', object_id, community_id, station_id from rule_communities
)
select m.*, p.community_id, p.station_id
from merged as m
left join places as p on p.object_type = m.object_type and p.object_id = m.object_id;
