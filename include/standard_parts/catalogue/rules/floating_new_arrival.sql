-- FLOATING-NEW (人口管理支队): an active floating resident who moved in during the last 7 days (run_date - 6 .. run_date).
status = 'active'
and hukou_type = 'floating'
and moved_in_on between cast(run_date - interval 6 day as date) and run_date
