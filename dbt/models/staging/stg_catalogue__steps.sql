select
    standard_part_id,
    step_no,
    step_id,
    name_zh,
    required as is_required
from {{ source('catalogue', 'steps') }}
