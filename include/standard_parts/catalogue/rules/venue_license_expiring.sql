-- VENUE-LICENSE (治安支队): the licence expires within 30 days (or has already expired).
license_expiry < cast(run_date + interval 30 day as date)
