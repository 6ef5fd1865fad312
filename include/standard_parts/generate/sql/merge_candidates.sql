-- Merge every request for the same (standard part, object) into one candidate task (归并同类项).
-- Every candidate of an object carries the same place (community, station), resolved when it was
-- collected; an object no view or lookup could place keeps NULLs and is quarantined later.
-- Input: gen_candidates.
create or replace temp table gen_merged as
select
    standard_part_id,
    object_type,
    object_id,
    list_sort(list_distinct(list(department))) as departments,
    coalesce(list_sort(list_distinct(list(rule_id) filter (where rule_id is not null))), []) as rules,
    coalesce(list_sort(list_distinct(list(instruction_id) filter (where instruction_id is not null))), [])
        as instruction_ids,
    count(*) as requests,
    min(community_id) as community_id,
    min(station_id) as station_id
from gen_candidates
group by standard_part_id, object_type, object_id;
