"""Scan what leaves the operational store for personal data: DuckDB files, HTML, notebooks, logs.

Finds 18-character id numbers with a valid check character, 11-digit mobile numbers, and any
name/id number/phone of the persons on file (read from the operational store). Used by the tests
and by operators (`standard-parts pii-scan`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .idnumber import is_valid_id_number

ID_PATTERN = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")
PHONE_PATTERN = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str
    excerpt: str  # masked: a finding must not itself leak the value


def _mask(value: str) -> str:
    return value[:3] + "*" * max(len(value) - 5, 0) + value[-2:]


def known_persons(ops_path: Path, limit_names: int = 200_000) -> tuple[set[str], set[str], set[str]]:
    """(id numbers, phones, names of 2+ characters) from the operational store's persons."""
    con = duckdb.connect(str(ops_path), read_only=True)
    try:
        ids = {r[0] for r in con.execute("select id_number from ops.persons").fetchall()}
        phones = {r[0] for r in con.execute("select phone from ops.persons").fetchall()}
        names = {r[0] for r in con.execute(
            "select distinct name from ops.persons where length(name) >= 2 limit ?", [limit_names]).fetchall()}
    finally:
        con.close()
    return ids, phones, names


def scan_text(text: str, where: str, names: Iterable[str] = (), ids: set[str] | None = None,
              phones: set[str] | None = None) -> list[Finding]:
    findings = []
    for m in ID_PATTERN.finditer(text):
        if is_valid_id_number(m.group()) or (ids and m.group() in ids):
            findings.append(Finding(where, "id_number", _mask(m.group())))
    for m in PHONE_PATTERN.finditer(text):
        if phones is None or m.group() in phones:
            findings.append(Finding(where, "phone", _mask(m.group())))
    for name in names:
        if name in text:
            findings.append(Finding(where, "name", _mask(name)))
    return findings


def scan_duckdb(path: Path, names: Iterable[str] = (), ids: set[str] | None = None,
                phones: set[str] | None = None) -> list[Finding]:
    """Every text-like column of every table of every schema."""
    names = list(names)
    name_set = set(names)
    con = duckdb.connect(str(path), read_only=True)
    findings: list[Finding] = []
    try:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and not internal"
        ).fetchall()
        for schema, table, column in columns:
            values = con.execute(
                f'select distinct cast("{column}" as varchar) from "{schema}"."{table}" '
                f'where "{column}" is not null'
            ).fetchall()
            where = f"{path.name}:{schema}.{table}.{column}"
            for (value,) in values:
                if value in name_set:
                    findings.append(Finding(where, "name", _mask(value)))
                findings.extend(scan_text(value, where, (), ids, phones))
                if len(findings) > 50:
                    return findings
    finally:
        con.close()
    return findings


def scan_files(paths: Iterable[Path], names: Iterable[str] = (), ids: set[str] | None = None,
               phones: set[str] | None = None) -> list[Finding]:
    names = list(names)
    findings = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        findings.extend(scan_text(text, str(path), names, ids, phones))
    return findings
