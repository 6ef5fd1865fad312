{#
  A rate from sums (SPEC 7): part / due, NULL where nothing is due. Rates are always recomputed from
  the sums of the rows they cover, never averaged.
#}
{% macro rate(part, due) -%}
    ({{ part }} / nullif({{ due }}, 0))
{%- endmacro %}
