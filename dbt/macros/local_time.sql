{#
  Business time (SPEC sections 3, 5 and 6). Local time is the business time zone, var('timezone'):
  analytics.run_dbt passes Settings.timezone, and profiles.yml makes it the session's TimeZone (its
  default there serves by-hand runs). These macros read that one session setting, so they and
  DuckDB's own casts of timestamptz (to date or timestamp) always agree on the zone. The Python
  and operational-store SQL twins are include/standard_parts/business_time.py and sql/business_time.sql.
#}

{# The business time zone's name (a SQL expression). #}
{% macro business_tz() -%}
    current_setting('TimeZone')
{%- endmacro %}

{# The local wall time of a timestamptz, as a naive timestamp. #}
{% macro local_ts(ts) -%}
    timezone({{ business_tz() }}, {{ ts }})
{%- endmacro %}

{# The local date of a timestamptz. #}
{% macro local_date(ts) -%}
    cast({{ local_ts(ts) }} as date)
{%- endmacro %}

{# as_of of a date (SPEC section 6): 23:59:59 local of that date, as timestamptz. #}
{% macro end_of_day(d) -%}
    timezone({{ business_tz() }}, cast({{ d }} as date) + time '23:59:59')
{%- endmacro %}

{#
  The first date whose as_of (23:59:59 local) is at or after ts: ts <= end_of_day(D) holds exactly
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
