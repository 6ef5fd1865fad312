-- POP-FLOATING-HOTSPOT (人口管理支队): a community where floating residents are a large share of residents.
residents >= {{ params.min_residents }}
and floating_residents >= {{ params.min_floating_share }} * residents
