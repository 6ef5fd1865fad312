select
    department,
    name_zh,
    name_en,
    kind
from {{ source('catalogue', 'departments') }}
