-- Operational store schema. Idempotent: run on every connect.
-- ops: accepted rows (personal data lives here and only here); ingest: file registry,
-- foreign-key lookups and quarantine (with the raw row, for operators).
create schema if not exists ops;
create schema if not exists ingest;

-- SPEC 6, the officer's work code of a month: red if the red share >= the red threshold, else yellow
-- if the (yellow + red) share >= the yellow threshold, else green; NULL when no task is coded. The one
-- definition: the packages (publish/sql/packages.sql) and the officer_scorecard mart (through dbt's
-- officer_code macro, on the attached store) both call it.
create or replace macro ops.officer_code(green, yellow, red, red_share_threshold, yellow_share_threshold) as
    case
        when green + yellow + red = 0 then null
        when cast(red as double) / (green + yellow + red) >= red_share_threshold then 'red'
        when cast(yellow + red as double) / (green + yellow + red) >= yellow_share_threshold then 'yellow'
        else 'green'
    end;

create table if not exists ingest.files (
    feed varchar not null,
    entity varchar not null,
    file varchar not null,            -- path relative to the landing folder
    file_date date not null,          -- the date folder the file came from
    encoding varchar not null,
    rows_read bigint not null,
    rows_accepted bigint not null,
    rows_quarantined bigint not null,
    fingerprint varchar not null,     -- size + mtime of the landing file
    lineage varchar not null,         -- fingerprint of this file and every parent it was checked against
    run_date date not null,           -- the run that last (re)validated it
    loaded_at timestamptz not null,
    primary key (entity, file)
);

create table if not exists ingest.current_snapshot (
    entity varchar primary key,
    file varchar not null,
    file_date date not null,
    lineage varchar not null
);

create table if not exists ingest.quarantine (
    feed varchar not null,
    entity varchar not null,
    file varchar not null,
    file_date date not null,
    line bigint not null,
    reason varchar not null,
    detail varchar,
    raw varchar                       -- the rejected row as JSON (may hold personal data: ops only)
);

create table if not exists ingest.gate_results (
    run_date date not null,
    gate varchar not null,
    success boolean not null,
    evaluated integer not null,
    failed integer not null,
    summary varchar,
    checked_at timestamptz not null,
    primary key (run_date, gate)
);

-- One row per run date (SPEC sections 3.1 and 8): its outcome as `standard-parts status` shows it.
-- A failed date's other writes are rolled back; this row and its gate_results rows are what remain.
create table if not exists ingest.run_dates (
    run_date date primary key,
    state varchar not null,           -- running | succeeded | failed
    failed_gate varchar,
    message varchar,
    snapshots varchar,                -- JSON {feed: snapshot date used}
    accept_drop varchar[],            -- FEED/FILE drops the operator accepted for this run
    stages varchar,                   -- JSON {stage: succeeded | failed}
    files varchar,                    -- JSON [{feed, entity, file, rows_read, rows_accepted, rows_quarantined}]
    tasks_issued bigint,
    packages_delivered bigint,
    started_at timestamptz not null,
    finished_at timestamptz
);

-- Generation (SPEC section 5). One row per issued task; never deleted except by a re-run of its
-- own run date, which regenerates the same ids.
create table if not exists ops.tasks (
    task_id varchar primary key,          -- deterministic: hash of (standard_part_id, object_id, run_date)
    run_date date not null,
    standard_part_id varchar not null,
    category varchar not null,
    business_item varchar not null,
    object_type varchar not null,         -- house | person | venue | community
    object_id varchar not null,           -- internal id (a person's id number: ops only)
    object_key varchar not null,          -- what leaves the ops store: the keyed pseudonym for persons
    community_id varchar not null,
    station_id varchar not null,
    officer_id varchar not null,
    flagged boolean not null,             -- no active community officer: assigned to another station officer
    issued_at timestamptz not null,       -- run date 08:00 local
    due_at timestamptz not null,          -- issued_at + due_hours
    due_hours integer not null,
    min_evidence integer not null,
    cooldown_days integer not null,
    priority integer not null,
    departments varchar[] not null,       -- every requesting department (merged)
    rules varchar[] not null,             -- every automatic rule that requested it
    instruction_ids varchar[] not null,   -- every instruction that requested it
    requests integer not null             -- candidates merged into this task
);

create table if not exists ops.generation_stats (
    run_date date not null,
    standard_part_id varchar not null,
    candidates integer not null,          -- requests from rules and instructions
    objects integer not null,             -- distinct (part, object) among them
    merged_away integer not null,         -- candidates - objects
    suppressed_open integer not null,
    suppressed_cooldown integer not null,
    unassignable integer not null,        -- object resolved to no community: quarantined
    issued integer not null,
    flagged integer not null,
    primary key (run_date, standard_part_id)
);

-- Incremental feeds: accepted rows of every file, replaced per file date on a re-run.
create table if not exists ops.alerts (
    file_date date not null,
    _file varchar not null,
    _line bigint not null,
    alert_id varchar,
    raised_at timestamptz,
    id_number varchar,
    phone varchar,
    alert_type varchar,
    risk_level integer,
    amount_at_risk_cny double
);

create table if not exists ops.instructions (
    file_date date not null,
    _file varchar not null,
    _line bigint not null,
    instruction_id varchar,
    department varchar,
    standard_part_id varchar,
    object_type varchar,
    object_id varchar,
    reason varchar,
    issued_at timestamptz
);

-- Objects of rule/instruction candidates that resolve to no community or no officer (SPEC 5).
create table if not exists ops.generation_quarantine (
    run_date date not null,
    standard_part_id varchar not null,
    object_type varchar not null,
    object_id varchar not null,
    reason varchar not null
);

-- Completions feed: accepted rows (after the row rules of SPEC 3/6). steps is the JSON list as sent.
create table if not exists ops.completions (
    file_date date not null,
    _file varchar not null,
    _line bigint not null,
    completion_id varchar,
    task_id varchar,
    officer_id varchar,
    completed_at timestamptz,
    outcome varchar,
    steps varchar,
    evidence_count integer,
    followup_needed boolean,
    handoff_department varchar
);

-- Hand-off events feed (SPEC 12): accepted rows; every copy of a re-sent event_id (readers keep the first).
create table if not exists ops.handoff_events (
    file_date date not null,
    _file varchar not null,
    _line bigint not null,
    event_id varchar,
    handoff_id varchar,
    department varchar,
    event varchar,
    event_at timestamptz,             -- the feed's `at` (a reserved word in SQL)
    note varchar
);

-- Partner departments as configured (handoffs/partner_departments.yaml), rewritten by the hand-off stages.
create table if not exists ops.partner_departments (
    department varchar primary key,       -- as officers write it in completions
    code varchar not null,
    name_zh varchar,
    ack_hours integer not null,
    resolve_hours integer not null,
    routed boolean not null
);

-- Supervision (SPEC 12): one row per escalated task, written on the first run date it qualified.
create table if not exists ops.escalations (
    task_id varchar primary key,
    escalated_on date not null,
    station_id varchar not null,
    leader_officer_id varchar,            -- null: the station had no active leader that day
    flagged boolean not null,
    hours_overdue integer not null        -- at escalated_on's issued_at
);
