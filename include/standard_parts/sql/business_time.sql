-- Business time in SQL (SPEC sections 3, 5 and 6), defined on every connection by
-- business_time.configure, which first sets the session's TimeZone to Settings.timezone. The macros
-- read that one setting, so they, strftime and the casts of timestamptz to date or timestamp agree
-- on the zone. "Local" is wall time in that zone; a naive timestamp here is a local wall time.
-- Temporary macros: they exist on configured connections only (read-only ones too), so a view
-- using them fails loudly elsewhere instead of judging in the machine's zone.

-- The business time zone's name.
create or replace temp macro business_tz() as current_setting('TimeZone');

-- The local wall time of an instant (timestamptz -> naive timestamp).
create or replace temp macro local_ts(ts) as timezone(business_tz(), ts);

-- The local date an instant falls on.
create or replace temp macro local_date(ts) as cast(local_ts(ts) as date);

-- The instant of a local wall time (naive timestamp -> timestamptz).
create or replace temp macro local_instant(wall) as timezone(business_tz(), wall);

-- SPEC 6: the as_of instant of a date, 23:59:59 local of that date (business_time.as_of_at).
create or replace temp macro as_of_at(d) as local_instant(cast(d as date) + time '23:59:59');

-- SPEC 5: the issued_at of a run date, 08:00 local of that date (business_time.issued_at).
create or replace temp macro issued_at_of(d) as local_instant(cast(d as date) + time '08:00:00');

-- The zone's offset from UTC at an instant, in whole seconds.
create or replace temp macro local_offset_seconds(ts) as (epoch_us(local_ts(ts)) - epoch_us(ts)) // 1000000;

-- ISO 8601 to the second with the zone's offset at that instant, YYYY-MM-DDTHH:MM:SS±HH:MM (the text
-- of business_time.local_iso); null for null.
create or replace temp macro local_iso(ts) as
    strftime(local_ts(ts), '%Y-%m-%dT%H:%M:%S')
    || case when local_offset_seconds(ts) < 0 then '-' else '+' end
    || lpad(cast(abs(local_offset_seconds(ts)) // 3600 as varchar), 2, '0')
    || ':' || lpad(cast(abs(local_offset_seconds(ts)) % 3600 // 60 as varchar), 2, '0');
