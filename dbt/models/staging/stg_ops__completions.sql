-- Accepted completion rows (every copy: re-sent completion_ids are resolved downstream).
select
    file_date,
    _file as source_file,
    _line as source_line,
    completion_id,
    task_id,
    officer_id,
    completed_at,
    outcome,
    steps,
    evidence_count,
    followup_needed,
    handoff_department
from {{ source('ops', 'completions') }}
