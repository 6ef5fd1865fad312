-- Issuing (police) and hand-off (government) departments, for labels.
select
    department,
    name_zh,
    name_en,
    kind
from {{ ref('stg_catalogue__departments') }}
