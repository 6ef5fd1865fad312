-- HOUSE-VACANT-ANOMALY (人口管理支队): a house on file as vacant with active residents registered in it.
house_use = 'vacant'
and active_persons >= 1
