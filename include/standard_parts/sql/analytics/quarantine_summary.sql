-- SPEC section 7: rejected rows per landing date folder, feed and reason (each file counted once).
create table marts.quarantine_summary as
select
    file_date as run_date,
    feed,
    reason,
    count(*) as rows
from ops_store.ingest.quarantine
group by all
order by run_date, feed, reason;
