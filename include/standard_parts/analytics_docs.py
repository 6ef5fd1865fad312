"""Table and column descriptions in ``analytics.duckdb`` (``COMMENT ON``), taken from the dbt YAML docs.

Analysts browsing the file (``duckdb_tables()`` / ``duckdb_columns()``, DBeaver) see the same words
as the dbt docs site: the YAML under ``dbt/models`` is the one source. Applied to the new analyst
file right after the marts are copied into it (``analytics.copy_marts``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

log = logging.getLogger(__name__)


def model_docs(dbt_dir: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """model name -> (description, {column: description}) from every YAML file under ``models/``."""
    docs: dict[str, tuple[str, dict[str, str]]] = {}
    for path in sorted((Path(dbt_dir) / "models").rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in content.get("models") or []:
            columns = {c["name"]: " ".join(str(c.get("description") or "").split())
                       for c in model.get("columns") or []}
            docs[model["name"]] = (" ".join(str(model.get("description") or "").split()), columns)
    return docs


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con, dbt_dir: Path, schema: str = "marts") -> list[str]:
    """COMMENT ON every table of ``schema`` and its columns; returns what the YAML does not describe
    (``table`` or ``table.column``), which is logged and left without a comment."""
    docs = model_docs(dbt_dir)
    missing: list[str] = []
    tables = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = ? "
        "order by table_name", [schema]).fetchall()]
    for table in tables:
        description, columns = docs.get(table, ("", {}))
        if description:
            con.execute(f'comment on table {schema}."{table}" is {_literal(description)}')
        else:
            missing.append(table)
        for (column,) in con.execute(
                "select column_name from duckdb_columns() where database_name = current_database() "
                "and schema_name = ? and table_name = ? order by column_index", [schema, table]).fetchall():
            text = columns.get(column, "")
            if text:
                con.execute(f'comment on column {schema}."{table}"."{column}" is {_literal(text)}')
            else:
                missing.append(f"{table}.{column}")
    if missing:
        log.warning("analytics file: no dbt description for %s", ", ".join(missing))
    return missing
