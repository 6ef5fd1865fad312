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
