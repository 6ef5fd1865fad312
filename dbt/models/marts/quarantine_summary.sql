-- SPEC section 7: rejected rows per date folder of their landing file, feed and reason (a snapshot
-- read by several runs counts once). The rows themselves stay in the operational store.
select
    q.file_date as run_date,
    q.feed,
    q.reason,
    count(*) as rows
from {{ ref('stg_ingest__quarantine_rows') }} as q
cross join {{ ref('int_as_of') }} as a
where q.file_date <= a.as_of_date
group by q.file_date, q.feed, q.reason
