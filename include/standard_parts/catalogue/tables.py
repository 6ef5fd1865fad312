"""The validated catalogue as tables of the operational store: the one place it is written to DuckDB.

Every stage that reads catalogue facts in SQL (ingest's instruction rules, completions, generation,
the benchmark's history) calls :func:`materialise` first and reads ``ops.catalogue_*``; dbt reads the
same tables through the attached operational store (source ``catalogue``), and the report reads the
marts built from them. Each stage that needs them calls it rather than trusting a copy written by
an earlier stage: the tables carry the catalogue's digest (``ops.catalogue_version``), so an
unchanged catalogue is not rewritten and a changed one is, before anything reads it.

Tables (rewritten as a unit, in one transaction of their own):

- ``ops.catalogue_parts``: one row per part, with its category and business item names and the
  fact a valid completion writes back ("collect once, use many times"; NULL when none);
- ``ops.catalogue_steps``: one row per step, ``step_no`` from 1 in catalogue order;
- ``ops.catalogue_departments``: issuing and hand-off departments.
"""

from __future__ import annotations

import duckdb

from ..store import table_exists, transaction
from .loader import Catalogue, load_catalogue

_DDL = """
create or replace table ops.catalogue_parts (
    standard_part_id varchar primary key, name_zh varchar, name_en varchar,
    category varchar, category_name_zh varchar, business_item varchar, business_item_name_zh varchar,
    object_type varchar, due_hours integer, min_evidence integer, cooldown_days integer, priority integer,
    collect_view varchar, collect_field varchar
);
create or replace table ops.catalogue_steps (
    standard_part_id varchar, step_no integer, step_id varchar, name_zh varchar, required boolean,
    primary key (standard_part_id, step_id)
);
create or replace table ops.catalogue_departments (
    department varchar primary key, name_zh varchar, name_en varchar, kind varchar
);
create or replace table ops.catalogue_version (digest varchar not null);
"""


def materialise(con: duckdb.DuckDBPyConnection, catalogue: Catalogue | None = None) -> None:
    """Write the validated catalogue (the package's own unless given) into ``ops.catalogue_*``."""
    catalogue = catalogue or load_catalogue()
    if catalogue.digest and table_exists(con, "ops", "catalogue_version") and con.execute(
            "select any_value(digest) from ops.catalogue_version").fetchone()[0] == catalogue.digest:
        return
    categories = {c.id: c.name_zh for c in catalogue.categories}
    items = {b.id: b.name_zh for b in catalogue.business_items}
    parts = [
        [p.id, p.name_zh, p.name_en, p.category, categories.get(p.category), p.business_item,
         items.get(p.business_item), p.object_type, p.evaluation.due_hours, p.evaluation.min_evidence,
         p.evaluation.cooldown_days, p.priority,
         p.updates_on_completion.view if p.updates_on_completion else None,
         p.updates_on_completion.field if p.updates_on_completion else None]
        for p in catalogue.parts
    ]
    steps = [[p.id, i + 1, s.id, s.name_zh, s.required] for p in catalogue.parts for i, s in enumerate(p.steps)]
    departments = [[d.code, d.name_zh, d.name_en, d.kind] for d in catalogue.departments]
    with transaction(con):
        con.execute("create schema if not exists ops")
        con.execute(_DDL)
        con.executemany(f"insert into ops.catalogue_parts values ({', '.join('?' * 14)})", parts)
        con.executemany("insert into ops.catalogue_steps values (?, ?, ?, ?, ?)", steps)
        con.executemany("insert into ops.catalogue_departments values (?, ?, ?, ?)", departments)
        con.execute("insert into ops.catalogue_version values (?)", [catalogue.digest])
