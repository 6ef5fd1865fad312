select
    r._line,
    r.station_id,
    r.station_name,
    r.district,
    r.branch_bureau,
    sp_reasons([
        case when sp_blank(r.station_id) or sp_blank(r.station_name) or sp_blank(r.district)
                  or sp_blank(r.branch_bureau) then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end
    ]) as _reasons
from raw_rows as r
-- a key on more than one row (all of its rows are duplicates; NULL keys count as one key)
left join (select station_id, true as repeated from raw_rows group by 1 having count(*) > 1) as dup
    on dup.station_id is not distinct from r.station_id
