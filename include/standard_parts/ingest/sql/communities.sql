select
    r._line,
    r.community_id,
    r.community_name,
    r.station_id,
    sp_reasons([
        case when sp_blank(r.community_id) or sp_blank(r.community_name) or sp_blank(r.station_id)
            then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end,
        sp_fk_reason(s.id, s.accepted, 'unknown_station')
    ]) as _reasons
from raw_rows as r
left join repeated_keys as dup on dup.id is not distinct from r.community_id
left join ingest.keys_stations as s on s.id = r.station_id
