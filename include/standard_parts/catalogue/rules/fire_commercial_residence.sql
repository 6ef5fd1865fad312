-- FIRE-COMMERCIAL-RESIDENCE (消防): people live in commercial premises (三合一场所).
house_use = 'commercial'
and active_persons >= 1
