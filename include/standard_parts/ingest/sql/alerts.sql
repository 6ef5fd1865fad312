-- Alerts need no foreign key: matching to a resident is a rule (FRAUD-DISSUADE), not a row rule.
select
    r._line,
    r.alert_id,
    try_cast(r.raised_at as timestamptz) as raised_at,
    nullif(trim(r.id_number), '') as id_number,
    r.phone,
    r.alert_type,
    try_cast(r.risk_level as integer) as risk_level,
    try_cast(r.amount_at_risk_cny as double) as amount_at_risk_cny,
    sp_reasons([
        case when sp_blank(r.alert_id) or sp_blank(r.raised_at) or sp_blank(r.phone) or sp_blank(r.alert_type)
                  or sp_blank(r.risk_level) then 'missing_required' end,
        case when dup.repeated then 'duplicate_id' end,
        case when not sp_blank(r.id_number) and not sp_id_number_ok(r.id_number) then 'bad_id_number' end,
        case when not sp_phone_ok(r.phone) then 'bad_phone' end,
        case when r.alert_type not in ('fraud_call', 'fraud_sms', 'fraud_app', 'suspicious_transfer',
                                       'phishing_site')
                  or r.risk_level not in ('1', '2', '3') then 'bad_enum' end,
        case when not sp_timestamp_ok(r.raised_at) then 'bad_timestamp' end,
        case when not sp_blank(r.amount_at_risk_cny)
                  and (not sp_number_ok(r.amount_at_risk_cny) or try_cast(r.amount_at_risk_cny as double) < 0)
            then 'bad_number' end
    ]) as _reasons
from raw_rows as r
left join repeated_keys as dup on dup.id is not distinct from r.alert_id
