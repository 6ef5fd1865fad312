-- VENUE-REALNAME-CHECK (治安支队): hotels and internet cafés, re-issued after each cooldown period.
venue_type in {{ params.venue_types }}
