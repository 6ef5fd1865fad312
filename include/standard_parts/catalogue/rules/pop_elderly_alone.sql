-- POP-ELDERLY-ALONE (社区警务支队): exactly one active resident, and that resident is aged 80 or over.
active_persons = 1
and elderly_persons = 1
