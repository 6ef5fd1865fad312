-- The run's candidates: one row per (request, object). Rules fill it from one scan of their view
-- each (engine.candidates_sql), the run date's instructions from instruction_candidates.sql.
-- community_id / station_id travel with each candidate, so merging never looks objects up again.
create or replace temp table gen_rules (
    k integer,
    view varchar,
    standard_part_id varchar,
    object_type varchar,
    department varchar,
    rule_id varchar
);

create or replace temp table gen_candidates (
    standard_part_id varchar,
    object_type varchar,
    object_id varchar,
    department varchar,
    rule_id varchar,
    instruction_id varchar,
    community_id varchar,
    station_id varchar
);
