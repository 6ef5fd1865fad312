-- FRAUD-COMM-PROPAGANDA (反诈中心): a community with a high alert rate over the last 7 days.
residents > 0
and alerts_7d >= {{ params.min_alerts_7d }}
and alerts_7d * 1000.0 / residents >= {{ params.min_alerts_per_1000_residents }}
