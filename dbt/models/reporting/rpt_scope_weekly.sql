-- Per week x page (scope): completion_rate_weekly summed over the page's stations, with the week
-- before it and whether the week is complete (the report's "last complete week").
{{ scope_periods('completion_rate_weekly', 'week_start', "'7 days'") }}
