-- Active residents per community in the current population snapshot: a count only, for per-10,000
-- comparisons in the report. No person's column leaves this model. The population tables appear
-- with the first population ingest; before that (or in a store without them) the model is empty.
{% set persons = adapter.get_relation(database='ops_store', schema='ops', identifier='persons') %}
{% set houses = adapter.get_relation(database='ops_store', schema='ops', identifier='houses') %}
{% if persons is not none and houses is not none %}
select
    h.community_id,
    cast(count(*) as bigint) as residents
from {{ persons }} as p
inner join {{ houses }} as h on h.house_id = p.house_id
where p.status = 'active'
group by h.community_id
{% else %}
select cast(null as varchar) as community_id, cast(null as bigint) as residents
where false
{% endif %}
