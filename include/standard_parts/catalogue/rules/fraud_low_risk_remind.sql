-- FRAUD-PHONE-REMIND (反诈中心): only low-risk (level 1) alerts today: a reminder call is enough.
status = 'active'
and alerts_today_max_risk = 1
