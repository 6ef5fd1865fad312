-- VENUE-NIGHT-HOURS (治安支队): entertainment venues, re-issued after each cooldown period.
venue_type = 'entertainment'
