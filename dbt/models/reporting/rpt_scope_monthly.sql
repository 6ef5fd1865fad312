-- Per month x page (scope): completion_rate_monthly summed over the page's stations, with the month
-- before it and whether the month is complete (the report's "last complete month").
{{ scope_periods('completion_rate_monthly', 'month', "'1 month'") }}
