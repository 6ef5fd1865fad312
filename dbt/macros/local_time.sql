{#
  Local time is +08:00 (SPEC section 3). These macros do the arithmetic on UTC wall time, so results do
  not depend on the session's TimeZone or on tz data.
#}

{# The local (+08:00) wall time of a timestamptz, as a naive timestamp. #}
{% macro local_ts(ts) -%}
    (timezone('UTC', {{ ts }}) + interval 8 hour)
{%- endmacro %}

{# The local date of a timestamptz. #}
{% macro local_date(ts) -%}
    cast({{ local_ts(ts) }} as date)
{%- endmacro %}

{# as_of of a date (SPEC section 6): 23:59:59 +08:00 of that date, as timestamptz. #}
{% macro end_of_day(d) -%}
    timezone('UTC', cast({{ d }} as timestamp) + interval '15:59:59')
{%- endmacro %}

{#
  The first date whose as_of (23:59:59 +08:00) is at or after ts: ts <= end_of_day(D) holds exactly
  for D >= this date. E.g. 10:00 -> that day; 23:59:59 -> that day; 23:59:59.5 -> the next day.
#}
{% macro first_as_of_date(ts) -%}
    (
        case
            when {{ local_ts(ts) }} - interval '23:59:59' = date_trunc('day', {{ local_ts(ts) }} - interval '23:59:59')
                then cast({{ local_ts(ts) }} - interval '23:59:59' as date)
            else cast({{ local_ts(ts) }} - interval '23:59:59' as date) + 1
        end
    )
{%- endmacro %}

{# The local month (first day) of a timestamptz. #}
{% macro local_month(ts) -%}
    cast(date_trunc('month', {{ local_ts(ts) }}) as date)
{%- endmacro %}
