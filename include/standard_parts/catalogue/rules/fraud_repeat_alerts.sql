-- FRAUD-REPEAT-REVISIT (反诈中心): an active person matched by several alerts in the last 30 days.
status = 'active'
and alerts_30d >= {{ params.min_alerts_30d }}
