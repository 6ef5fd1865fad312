select
    r._line,
    r.house_id,
    r.address,
    r.community_id,
    r.house_use,
    try_cast(r.floor_area_m2 as double) as floor_area_m2,
    r.owner_id_number,
    try_cast(r.verified_on as date) as verified_on,
    sp_reasons([
        case when sp_blank(r.house_id) or sp_blank(r.address) or sp_blank(r.community_id) or sp_blank(r.house_use)
                  or sp_blank(r.floor_area_m2) or sp_blank(r.owner_id_number) then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end,
        case when not sp_id_number_ok(r.owner_id_number) then 'bad_id_number' end,
        case when r.house_use not in ('residential', 'rental', 'group_rental', 'commercial', 'vacant')
            then 'bad_enum' end,
        case when not sp_number_ok(r.floor_area_m2) or try_cast(r.floor_area_m2 as double) <= 0
            then 'bad_number' end,
        case when not sp_blank(r.verified_on) and not sp_date_ok(r.verified_on) then 'bad_date' end,
        sp_fk_reason(c.id, c.accepted, 'unknown_community')
    ]) as _reasons
from raw_rows as r
left join repeated_keys as dup on dup.id is not distinct from r.house_id
left join ingest.keys_communities as c on c.id = r.community_id
