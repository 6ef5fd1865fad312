-- HOUSE-RENTAL-REGISTER (人口管理支队): a let house with residents that was never verified (出租屋未登记).
house_use in ('rental', 'group_rental')
and active_persons >= 1
and verified_on is null
