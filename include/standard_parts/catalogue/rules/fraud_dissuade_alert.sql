-- FRAUD-DISSUADE (反诈中心): an active person with an alert of risk level >= 2 raised on the run date (local date).
-- alerts_today_max_risk is null when the person has no alert today, so the comparison is then not true.
status = 'active'
and alerts_today_max_risk >= 2
