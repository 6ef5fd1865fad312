select
    r._line,
    r.venue_id,
    r.venue_name,
    r.venue_type,
    r.community_id,
    r.license_no,
    try_cast(r.license_expiry as date) as license_expiry,
    try_cast(r.last_inspected_on as date) as last_inspected_on,
    try_cast(r.open_violations as integer) as open_violations,
    sp_reasons([
        case when sp_blank(r.venue_id) or sp_blank(r.venue_name) or sp_blank(r.venue_type)
                  or sp_blank(r.community_id) or sp_blank(r.license_no) or sp_blank(r.license_expiry)
                  or sp_blank(r.open_violations) then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end,
        case when r.venue_type not in ('hotel', 'internet_cafe', 'entertainment', 'pawnshop', 'scrap_recycling',
                                       'used_phone', 'print_shop') then 'bad_enum' end,
        case when not sp_date_ok(r.license_expiry)
                  or (not sp_blank(r.last_inspected_on) and not sp_date_ok(r.last_inspected_on)) then 'bad_date' end,
        case when not sp_int_ok(r.open_violations) or try_cast(r.open_violations as integer) < 0
            then 'bad_number' end,
        sp_fk_reason(c.id, c.accepted, 'unknown_community')
    ]) as _reasons
from raw_rows as r
left join repeated_keys as dup on dup.id is not distinct from r.venue_id
left join ingest.keys_communities as c on c.id = r.community_id
