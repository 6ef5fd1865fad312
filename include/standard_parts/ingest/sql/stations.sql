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
left join repeated_keys as dup on dup.id is not distinct from r.station_id
