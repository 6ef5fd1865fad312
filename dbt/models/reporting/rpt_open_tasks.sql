-- The act-on lists (overdue; falling due soon): every span of as_of dates [valid_from, valid_to)
-- in which a task is open (int_task_status_intervals), with what a leader needs to act - station,
-- community and officer names, the part's name, and in words why the task is not done. A report of
-- date D lists the rows with valid_from <= D < valid_to (valid_to null: open at the build's as_of).
-- The reason is the one at the build's as_of (the newest date). No object id, nothing about persons.
with as_of as (
    select as_of_at from {{ ref('int_as_of') }}
),

latest_report as (
    -- The latest completion report of the task by the as_of, valid or not.
    select d.task_id, d.completion_id, d.outcome, d.steps
    from {{ ref('int_completions_deduplicated') }} as d
    cross join as_of as a
    where d.completed_at <= a.as_of_at
    qualify row_number() over (
        partition by d.task_id order by d.completed_at desc, d.file_date desc, d.source_line desc
    ) = 1
),

steps_done as (
    select r.task_id, s.step_id
    from latest_report as r,
        unnest(from_json(r.steps, '[{"step_id": "VARCHAR", "done": "BOOLEAN"}]')) as u(s)
    where s.done
),

steps_missing as (
    select r.task_id, string_agg(st.name_zh, '、' order by st.step_no) as names
    from latest_report as r
    inner join {{ ref('int_tasks_in_scope') }} as t on t.task_id = r.task_id
    inner join {{ ref('stg_catalogue__steps') }} as st
        on st.standard_part_id = t.standard_part_id and st.is_required
    anti join steps_done as sd on sd.task_id = r.task_id and sd.step_id = st.step_id
    group by r.task_id
)

select
    i.task_id,
    i.valid_from,
    i.valid_to,
    i.is_due,
    t.station_id,
    coalesce(s.station_name, t.station_id) as station_name,
    t.community_id,
    coalesce(c.community_name, t.community_id) as community_name,
    t.officer_id,
    coalesce(o.officer_name, t.officer_id) as officer_name,
    t.standard_part_id,
    coalesce(p.name_zh, t.standard_part_id) as part_name,
    t.issued_at,
    t.due_at,
    case
        when r.task_id is null then '未反馈完成情况'
        when r.outcome = 'unable' then '民警反馈无法完成'
        when m.names is not null then '已反馈，但必填步骤未完成：' || m.names
        else '已反馈，未通过核验'
    end as reason_zh
from {{ ref('int_task_status_intervals') }} as i
inner join {{ ref('int_tasks_in_scope') }} as t on t.task_id = i.task_id
left join {{ ref('dim_stations') }} as s on s.station_id = t.station_id
left join {{ ref('stg_ops__communities') }} as c on c.community_id = t.community_id
left join {{ ref('dim_officers') }} as o on o.officer_id = t.officer_id
left join {{ ref('dim_standard_parts') }} as p on p.standard_part_id = t.standard_part_id
left join latest_report as r on r.task_id = t.task_id
left join steps_missing as m on m.task_id = t.task_id
where not i.is_completed
