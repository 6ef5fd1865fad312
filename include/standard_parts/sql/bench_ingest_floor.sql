-- Benchmark floor for the population ingest: a plain DuckDB read of the same landing files into
-- typed tables, no row rules, no quarantine, no gate. Rows that do not convert are skipped (the
-- planted bad rows); the floor is the parse + typed store every ingest has to do.

-- name: houses
create or replace table floor_houses as
select * from read_csv($path, header = true, auto_detect = false, quote = '"', escape = '"', delim = ',',
                       ignore_errors = true, columns = {
    'house_id': 'VARCHAR', 'address': 'VARCHAR', 'community_id': 'VARCHAR', 'house_use': 'VARCHAR',
    'floor_area_m2': 'DOUBLE', 'owner_id_number': 'VARCHAR', 'verified_on': 'DATE'
});

-- name: persons
create or replace table floor_persons as
select * from read_csv($path, header = true, auto_detect = false, quote = '"', escape = '"', delim = ',',
                       ignore_errors = true, columns = {
    'id_number': 'VARCHAR', 'name': 'VARCHAR', 'gender': 'VARCHAR', 'birth_date': 'DATE',
    'phone': 'VARCHAR', 'hukou_type': 'VARCHAR', 'house_id': 'VARCHAR', 'moved_in_on': 'DATE',
    'status': 'VARCHAR', 'ethnicity': 'VARCHAR'
});
