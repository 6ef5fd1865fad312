{# The as_of date var as a SQL date literal, or null when not given (then the latest task run date). #}
{% macro as_of_date_var() -%}
    {%- set value = var('as_of_date', '') -%}
    {%- if value is none or (value | string | trim) in ('', 'None', 'none', 'null') -%}
        cast(null as date)
    {%- else -%}
        cast('{{ value | string | trim }}' as date)
    {%- endif -%}
{%- endmacro %}

{# A threshold var as a double literal. #}
{% macro share_var(name) -%}
    cast({{ var(name) | float }} as double)
{%- endmacro %}

{#
  SPEC 6's officer work code. The rule is defined once, as the operational store's macro
  ops.officer_code (sql/ops_schema.sql), which the officers' packages call too; the thresholds are
  this build's vars. ops_store is the operational store's alias in profiles.yml (as in _sources.yml).
#}
{% macro officer_code(green, yellow, red) -%}
    ops_store.ops.officer_code({{ green }}, {{ yellow }}, {{ red }},
        {{ share_var('red_share_threshold') }}, {{ share_var('yellow_share_threshold') }})
{%- endmacro %}
