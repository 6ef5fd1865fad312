-- FRAUD-URGENT-VISIT (反诈中心): a risk-3 alert today with a large amount at risk: face-to-face dissuasion.
status = 'active'
and alerts_today_max_risk >= 3
and amount_at_risk_today >= {{ params.min_amount_cny }}
