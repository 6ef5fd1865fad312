-- VENUE-INSPECT (治安支队): never inspected, or last inspected before run_date - N days;
-- N = 15 for entertainment, 30 for hotel and internet_cafe, 90 for every other venue type.
last_inspected_on is null
or last_inspected_on < cast(
    run_date - interval (
        case venue_type
            when 'entertainment' then 15
            when 'hotel' then 30
            when 'internet_cafe' then 30
            else 90
        end
    ) day as date
)
