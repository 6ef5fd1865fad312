-- Outcome of every quality gate per run date (summaries mask personal data).
create table marts.gate_results as
select run_date, gate, success, evaluated, failed, summary, checked_at
from ops_store.ingest.gate_results
order by run_date, gate;
