-- HOUSE-GROUP-RENTAL-SPACE (人口管理支队): a group rental below the minimum floor area per resident.
house_use = 'group_rental'
and active_persons >= 1
and floor_area_m2 < {{ params.min_m2_per_person }} * active_persons
