-- HOUSE-OVER10 (人口管理支队): more than 10 active persons live in the house.
active_persons > 10
