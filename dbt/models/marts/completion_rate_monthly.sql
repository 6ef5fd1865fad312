-- SPEC 6.1: per month (the first day, local date) x station x standard part, the tasks that fall due
-- in the month (and not after the build's as_of), judged at that as_of.
{{ period_rates('month', 'month') }}
