-- POP-RESIDENCE-PERMIT (人口管理支队): an active floating resident who reached the residence period for a
-- 居住证 (half a year) during the last 7 days; the 365-day cooldown keeps it to one notice.
status = 'active'
and hukou_type = 'floating'
and moved_in_on between cast(run_date - interval ({{ params.days_resident }} + 6) day as date)
                    and cast(run_date - interval ({{ params.days_resident }}) day as date)
