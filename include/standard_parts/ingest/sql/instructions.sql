-- The object must resolve in the run's snapshots; the part must exist and fit the object type.
select
    r._line,
    r.instruction_id,
    r.department,
    r.standard_part_id,
    r.object_type,
    r.object_id,
    r.reason,
    try_cast(r.issued_at as timestamptz) as issued_at,
    sp_reasons([
        case when sp_blank(r.instruction_id) or sp_blank(r.department) or sp_blank(r.standard_part_id)
                  or sp_blank(r.object_type) or sp_blank(r.object_id) or sp_blank(r.reason)
                  or sp_blank(r.issued_at) then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end,
        case when r.object_type not in ('house', 'person', 'venue', 'community') then 'bad_enum' end,
        case when not sp_timestamp_ok(r.issued_at) then 'bad_timestamp' end,
        case when p.standard_part_id is null then 'unknown_standard_part' end,
        case when p.object_type <> r.object_type then 'object_type_mismatch' end,
        case r.object_type
            when 'house' then sp_fk_reason(h.id, h.accepted, 'unknown_object')
            when 'person' then sp_fk_reason(pe.id, pe.accepted, 'unknown_object')
            when 'venue' then sp_fk_reason(v.id, v.accepted, 'unknown_object')
            when 'community' then sp_fk_reason(c.id, c.accepted, 'unknown_object')
        end
    ]) as _reasons
from raw_rows as r
left join repeated_keys as dup on dup.id is not distinct from r.instruction_id
left join ops.catalogue_parts as p on p.standard_part_id = r.standard_part_id
left join ingest.keys_houses as h on r.object_type = 'house' and h.id = r.object_id
left join ingest.keys_persons as pe on r.object_type = 'person' and pe.id = r.object_id
left join ingest.keys_venues as v on r.object_type = 'venue' and v.id = r.object_id
left join ingest.keys_communities as c on r.object_type = 'community' and c.id = r.object_id
