select
    r._line,
    r.officer_id,
    r.officer_name,
    r.station_id,
    nullif(trim(r.community_id), '') as community_id,
    r.role,
    r.active = 'true' as active,
    sp_reasons([
        case when sp_blank(r.officer_id) or sp_blank(r.officer_name) or sp_blank(r.station_id)
                  or sp_blank(r.role) or sp_blank(r.active)
                  or (r.role = 'community' and sp_blank(r.community_id)) then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end,
        case when r.role not in ('community', 'patrol', 'leader') or r.active not in ('true', 'false')
            then 'bad_enum' end,
        sp_fk_reason(s.id, s.accepted, 'unknown_station'),
        case when not sp_blank(r.community_id) then sp_fk_reason(c.id, c.accepted, 'unknown_community') end
    ]) as _reasons
from raw_rows as r
left join repeated_keys as dup on dup.id is not distinct from r.officer_id
left join ingest.keys_stations as s on s.id = r.station_id
left join ingest.keys_communities as c on c.id = r.community_id
