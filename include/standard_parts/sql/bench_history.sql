-- Benchmark set-up: $days days of synthetic task history (and ~97.6 % valid completions) before
-- $run_date, spread over the city's houses, venues and communities. Needs generate.engine.prepare.

-- name: tasks
insert into ops.tasks by name
with parts as (
    select *, cast(row_number() over (order by standard_part_id) - 1 as bigint) as pn
    from ops.catalogue_parts
    where object_type <> 'person'
),
part_count as (select count(*) as np from parts),
objs as (
    select object_type, object_id, community_id, station_id,
           row_number() over (partition by object_type order by object_id) - 1 as k
    from (
        select 'house' as object_type, object_id, community_id, station_id from rule_houses
        union all select 'venue', object_id, community_id, station_id from rule_venues
        union all select 'community', object_id, community_id, station_id from rule_communities
    )
),
type_count as (select object_type, count(*) as n from objs group by object_type),
officers as (
    select community_id, officer_id, row_number() over (partition by community_id order by officer_id) - 1 as k
    from ops.officers where active and role = 'community'
),
officer_count as (select community_id, count(*) as n from officers group by community_id),
draws as (
    select
        r,
        cast($run_date as date) - cast($days as integer) + cast(r // $tasks_per_day as integer) as run_date,
        hash(r, 'part') as hp,
        hash(r, 'object') as ho,
        hash(r, 'officer') as hf
    from range(cast($days as bigint) * $tasks_per_day) as t(r)
),
picked as (
    select d.*, p.*, tc.n as type_n
    from draws as d
    cross join part_count as pc
    join parts as p on p.pn = d.hp % pc.np
    join type_count as tc on tc.object_type = p.object_type
),
placed as (
    select x.*, o.object_id, o.community_id, o.station_id
    from picked as x
    join objs as o on o.object_type = x.object_type and o.k = x.ho % x.type_n
),
assigned as (
    select y.*, f.officer_id
    from placed as y
    join officer_count as oc on oc.community_id = y.community_id
    join officers as f on f.community_id = y.community_id and f.k = y.hf % oc.n
)
select
    'H' || strftime(run_date, '%Y%m%d') || '-' || lpad(cast(r as varchar), 9, '0') as task_id,
    run_date, standard_part_id, category, business_item, object_type, object_id, object_id as object_key,
    community_id, station_id, officer_id, false as flagged,
    issued_at_of(run_date) as issued_at,
    issued_at_of(run_date) + to_hours(due_hours) as due_at,
    due_hours, min_evidence, cooldown_days, priority,
    ['bench'] as departments, ['bench_history'] as rules, [] as instruction_ids, 1 as requests
from assigned;

-- name: completions
insert into ops.completions by name
with history as (
    select t.*, hash(t.task_id, 'done') % 1000 as roll
    from ops.tasks as t
    where t.task_id like 'H%'
),
completed as (
    select
        h.*,
        h.issued_at + to_minutes(cast((hash(h.task_id, 'when') % (h.due_hours * 60)) * 0.9 as bigint)) as completed_at
    from history as h
    where h.roll < 976
),
steps as (
    select standard_part_id,
           to_json(list({'step_id': step_id, 'done': true} order by step_id))::varchar as steps
    from ops.catalogue_steps
    group by standard_part_id
)
select
    local_date(c.completed_at) as file_date,
    'completions/bench.jsonl' as _file,
    row_number() over (order by c.task_id) as _line,
    'C' || c.task_id as completion_id,
    c.task_id,
    c.officer_id,
    c.completed_at,
    'done' as outcome,
    s.steps,
    c.min_evidence + 1 as evidence_count,
    false as followup_needed,
    null as handoff_department
from completed as c
join steps as s on s.standard_part_id = c.standard_part_id
where local_date(c.completed_at) < cast($run_date as date);

-- name: backlog
-- Open tasks when the night of $run_date starts (no valid completion landed before it) and the
-- completion rate of the seeded history.
select
    count(*) filter (where v.task_id is null),
    avg(case when v.task_id is null then 0 else 1 end) filter (where t.task_id like 'H%')
from ops.tasks as t
left join (
    select distinct task_id from ops.valid_completions where file_date < cast($run_date as date)
) as v on v.task_id = t.task_id
where t.run_date < cast($run_date as date);

-- name: settle
-- The first night over a seeded history still issues every rule's standing hits at once (the
-- history cannot know them). Officers work that backlog off during $run_date like any day's issue:
-- ~97.6 % valid completions landing the same day, the rest stays open; so the measured night
-- after it sees a steady state (cooldowns running, a backlog of a few weeks' issue) and issues
-- what the city's events of one day call for.
insert into ops.completions by name
with issued as (
    select t.*, hash(t.task_id, 'done') % 1000 as roll
    from ops.tasks as t
    where t.run_date = cast($run_date as date)
),
steps as (
    select standard_part_id,
           to_json(list({'step_id': step_id, 'done': true} order by step_id))::varchar as steps
    from ops.catalogue_steps
    group by standard_part_id
)
select
    cast($run_date as date) as file_date,
    'completions/bench-settle.jsonl' as _file,
    row_number() over (order by i.task_id) as _line,
    'C' || i.task_id as completion_id,
    i.task_id,
    i.officer_id,
    -- within the day of issue (08:00-23:00 local), so it lands on $run_date
    i.issued_at + to_minutes(cast(hash(i.task_id, 'when') % (least(i.due_hours, 15) * 60) as bigint)) as completed_at,
    'done' as outcome,
    s.steps,
    i.min_evidence + 1 as evidence_count,
    false as followup_needed,
    null as handoff_department
from issued as i
join steps as s on s.standard_part_id = i.standard_part_id
where i.roll < 976;
