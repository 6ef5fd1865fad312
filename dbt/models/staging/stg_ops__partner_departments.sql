-- Partner departments as configured (handoffs/partner_departments.yaml), plus every department named
-- by a hand-off but not configured (the defaults, routed = false).
select
    department,
    code as department_code,
    name_zh as department_name_zh,
    ack_hours,
    resolve_hours,
    routed
from {{ source('ops', 'partner_departments') }}
