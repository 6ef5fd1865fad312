select
    run_date,
    standard_part_id,
    candidates,
    objects,
    merged_away,
    suppressed_open,
    suppressed_cooldown,
    unassignable,
    issued,
    flagged
from {{ source('ops', 'generation_stats') }}
