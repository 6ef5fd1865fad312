-- FIRE-GROUP-RENTAL (消防): every occupied group rental gets a fire-safety check each cooldown period.
house_use = 'group_rental'
and active_persons >= 1
