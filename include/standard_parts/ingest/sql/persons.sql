select
    r._line,
    r.id_number,
    r.name,
    r.gender,
    try_cast(r.birth_date as date) as birth_date,
    r.phone,
    r.hukou_type,
    r.house_id,
    try_cast(r.moved_in_on as date) as moved_in_on,
    r.status,
    sp_reasons([
        case when sp_blank(r.id_number) or sp_blank(r.name) or sp_blank(r.gender) or sp_blank(r.birth_date)
                  or sp_blank(r.phone) or sp_blank(r.hukou_type) or sp_blank(r.house_id)
                  or sp_blank(r.moved_in_on) or sp_blank(r.status) then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end,
        case when not sp_id_number_ok(r.id_number) then 'bad_id_number' end,
        case when not sp_phone_ok(r.phone) then 'bad_phone' end,
        case when r.gender not in ('M', 'F') or r.hukou_type not in ('local', 'floating')
                  or r.status not in ('active', 'moved_out', 'deceased') then 'bad_enum' end,
        case when not sp_date_ok(r.birth_date) or not sp_date_ok(r.moved_in_on) then 'bad_date' end,
        sp_fk_reason(h.id, h.accepted, 'unknown_house')
    ]) as _reasons
from raw_rows as r
left join repeated_keys as dup on dup.id is not distinct from r.id_number
left join ingest.keys_houses as h on h.id = r.house_id
