-- SPEC 6.1: per week (week_start = the Monday, local date) x station x standard part, the tasks that
-- fall due in the week (and not after the build's as_of), judged at that as_of.
{{ period_rates('week', 'week_start') }}
