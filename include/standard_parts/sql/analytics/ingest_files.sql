-- Row accounting per landing file (no row content): rows read = accepted + quarantined.
create table marts.ingest_files as
select feed, entity, file, file_date, encoding, rows_read, rows_accepted, rows_quarantined, run_date
from ops_store.ingest.files
order by file_date, feed, entity;
