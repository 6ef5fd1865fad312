-- POP-MINORS-GROUP-RENTAL (人口管理支队): minors live in a group rental.
house_use = 'group_rental'
and minors >= 1
