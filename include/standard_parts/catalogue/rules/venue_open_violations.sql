-- VENUE-RECTIFY-RECHECK (治安支队): the venue has open violations awaiting rectification.
open_violations >= 1
