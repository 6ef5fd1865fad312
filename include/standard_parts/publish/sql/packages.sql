-- Officer packages (三单一码) for a run date, judged at the run date's as_of (23:59:59 local).
-- Inputs: gen_params (run_date, issued_at), gen_valid_completions, rule views, ops tables.

-- name: open_tasks
create or replace temp table pkg_open_tasks as
with as_of as (
    select run_date, as_of_at(run_date) as as_of_at
    from gen_params
)
select
    t.*,
    t.run_date = a.run_date as is_new,
    -- live state at the run date's end: overdue past due_at, reminder once 75 % of the time is used
    case
        when t.due_at <= a.as_of_at then 'overdue'
        when epoch(t.issued_at) + 0.75 * (epoch(t.due_at) - epoch(t.issued_at))
             <= epoch(a.as_of_at) then 'reminder'
        else 'on_track'
    end as state
from ops.tasks as t
cross join as_of as a
where t.run_date <= a.run_date
  and t.task_id not in (select task_id from gen_valid_completions);

-- name: officers
-- Officers with open tasks, every active community officer, and every leader supervising an open task
-- (SPEC 12: a leader with supervised tasks gets a package even with no tasks of their own).
select distinct officer_id from (
    select officer_id from pkg_open_tasks
    union all
    select officer_id from ops.officers where active and role = 'community'
    union all
    select e.leader_officer_id
    from ops.escalations as e
    inner join pkg_open_tasks as o on o.task_id = e.task_id
    cross join gen_params as g
    where e.escalated_on <= g.run_date and e.leader_officer_id is not null
)
order by officer_id;

-- name: business
-- One chunk of officers at a time ($first_officer .. $last_officer), so memory stays bounded.
select task_id, officer_id, standard_part_id, object_type, object_key, priority, is_new, state,
       local_iso(issued_at) as issued_at,
       local_iso(due_at) as due_at,
       min_evidence, departments, rules, instruction_ids, object_id, object_type
from pkg_open_tasks
where officer_id between $first_officer and $last_officer
order by officer_id, priority, due_at, task_id;

-- name: work_code
-- The officer's month-to-date code (SPEC 6) over tasks due this month that have a code at as_of.
with as_of as (
    select
        run_date,
        date_trunc('month', run_date) as month_start,
        as_of_at(run_date) as as_of_at
    from gen_params
),
latest as (
    select v.*
    from gen_valid_completions as v
    cross join as_of as a
    where v.completed_at <= a.as_of_at
    qualify row_number() over (partition by v.task_id order by v.completed_at desc, v.file_date desc, v._line desc) = 1
),
coded as (
    select
        t.officer_id,
        case
            when l.task_id is not null and l.completed_at <= t.due_at and l.evidence_count >= t.min_evidence
                 and not l.followup_needed then 'green'
            when l.task_id is not null then 'yellow'
            when t.due_at <= a.as_of_at then 'red'
        end as code
    from ops.tasks as t
    cross join as_of as a
    left join latest as l on l.task_id = t.task_id
    where date_trunc('month', local_ts(t.due_at)) = a.month_start
      and t.run_date <= a.run_date
)
select
    officer_id,
    count(code) as tasks_coded,
    count(*) filter (where code = 'green') as green,
    count(*) filter (where code = 'yellow') as yellow,
    count(*) filter (where code = 'red') as red,
    ops.officer_code(green, yellow, red, $red_share_threshold, $yellow_share_threshold) as officer_code
from coded
group by officer_id;

-- name: supervision
-- The supervision lists (督办, SPEC 12) of a run date's packages: tasks escalated on or before it to a leader and still
-- open (pkg_open_tasks); ops.escalations is written by the supervise stage, with hours overdue at the run's issued_at.
select
    e.leader_officer_id,
    o.task_id,
    o.officer_id,
    o.standard_part_id,
    local_iso(o.due_at) as due_at,
    (epoch(g.issued_at) - epoch(o.due_at)) / 3600.0 as hours_overdue
from ops.escalations as e
inner join pkg_open_tasks as o on o.task_id = e.task_id
cross join gen_params as g
where e.escalated_on <= g.run_date
  and e.leader_officer_id is not null
order by e.leader_officer_id, o.due_at, o.task_id;
