-- Operational store schema. Idempotent: run on every connect.
-- ops: accepted rows (personal data lives here and only here); ingest: file registry,
-- foreign-key lookups and quarantine (with the raw row, for operators).
create schema if not exists ops;
create schema if not exists ingest;

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
