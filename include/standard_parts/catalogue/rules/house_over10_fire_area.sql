-- HOUSE-OVER10 (消防): a rental or group rental with residents and under 4 m² of floor area per active person.
house_use in ('rental', 'group_rental')
and active_persons >= 1
and floor_area_m2 < 4 * active_persons
