select
    standard_part_id,
    name_zh,
    name_en,
    category,
    category_name_zh,
    business_item,
    business_item_name_zh,
    object_type,
    due_hours,
    min_evidence,
    cooldown_days,
    priority
from {{ source('catalogue', 'parts') }}
