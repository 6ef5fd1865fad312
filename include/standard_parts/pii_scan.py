"""Scan what leaves the operational store for personal data: DuckDB files, HTML, notebooks, logs.

Finds 18-character id numbers with a valid check character, 11-digit mobile numbers, and any
name/id number/phone of the persons on file (read from the operational store), including values on
file in shapes the patterns miss (the wrong-length id number or malformed phone of a quarantined
row). ``scan_paths`` walks folders (log folders, captured output). Used by the tests and by
operators (`standard-parts pii-scan`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .idnumber import is_valid_id_number
from .privacy import mask_finding

# Not the decimals of a number: a logged share like 0.004757373929590866 is no id number.
_START = r"(?<![0-9])(?<![0-9]\.)"
ID_PATTERN = re.compile(_START + r"[0-9]{17}[0-9X](?![0-9X])")
PHONE_PATTERN = re.compile(_START + r"1[3-9][0-9]{9}(?![0-9])")
# Any run of digits (an id number may end in X): compared with the values on file, so a bad id
# number or phone of a quarantined row is found too, whatever its length or check character.
DIGIT_RUN = re.compile(_START + r"[0-9]{5,}[0-9Xx]?(?![0-9Xx])")


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str
    excerpt: str  # masked: a finding must not itself leak the value


def known_persons(ops_path: Path, limit_names: int = 200_000) -> tuple[set[str], set[str], set[str]]:
    """(id numbers, phones, names of 2+ characters) from the operational store's persons."""
    con = duckdb.connect(str(ops_path), read_only=True)
    try:
        ids = {r[0] for r in con.execute("select id_number from ops.persons").fetchall()}
        phones = {r[0] for r in con.execute("select phone from ops.persons").fetchall()}
        names = {r[0] for r in con.execute(
            "select distinct name from ops.persons where length(name) >= 2 limit ?", [limit_names]).fetchall()}
        # Officers' display names are work identities and station / community names are places: the
        # report shows them (SPEC 7). A resident's name equal to one, or inside one (刘红 in 刘红霞,
        # 高林 in 高林北社区), cannot be told apart by the text alone, so it is not a finding.
        names -= _org_label_parts(con)
    finally:
        con.close()
    return ids, phones, names


def _org_label_parts(con) -> set[str]:
    """Every substring (2+ characters) of the org feed's officer, station and community names."""
    labels: set[str] = set()
    for table, column in (("officers", "officer_name"), ("officers_history", "officer_name"),
                          ("stations", "station_name"), ("communities", "community_name")):
        try:
            labels |= {r[0] for r in con.execute(f"select distinct {column} from ops.{table} "
                                                 f"where {column} is not null").fetchall()}
        except duckdb.CatalogException:
            continue  # a store without the org feed yet
    return {label[i:j] for label in labels for i in range(len(label)) for j in range(i + 2, len(label) + 1)}


def scan_text(text: str, where: str, names: Iterable[str] = (), ids: set[str] | None = None,
              phones: set[str] | None = None) -> list[Finding]:
    findings = []
    found: set[tuple[int, int]] = set()
    for m in ID_PATTERN.finditer(text):
        if is_valid_id_number(m.group()) or (ids and m.group() in ids):
            findings.append(Finding(where, "id_number", mask_finding(m.group())))
            found.add(m.span())
    for m in PHONE_PATTERN.finditer(text):
        if phones is None or m.group() in phones:
            findings.append(Finding(where, "phone", mask_finding(m.group())))
            found.add(m.span())
    if ids or phones:
        for m in DIGIT_RUN.finditer(text):
            if m.span() in found:
                continue
            if ids and m.group() in ids:
                findings.append(Finding(where, "id_number", mask_finding(m.group())))
            elif phones and m.group() in phones:
                findings.append(Finding(where, "phone", mask_finding(m.group())))
    for name in _names_in(text, names):
        findings.append(Finding(where, "name", mask_finding(name)))
    return findings


# Han characters: a Chinese name is a run of them. Looking names up by the substrings of each run
# costs one pass over the text; testing ``name in text`` for each of 10^5 names took minutes per MB.
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _names_in(text: str, names: Iterable[str]) -> list[str]:
    names = names if isinstance(names, (set, frozenset)) else set(names)
    if not names:
        return []
    han = {n for n in names if _HAN_RUN.fullmatch(n)}
    hits = {n for n in names - han if n in text}  # the few names in other scripts: plain search
    lengths = sorted({len(n) for n in han})
    for m in _HAN_RUN.finditer(text):
        run = m.group()
        for size in lengths:
            if size > len(run):
                break
            hits.update(run[i:i + size] for i in range(len(run) - size + 1) if run[i:i + size] in han)
    return sorted(hits)


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
                    findings.append(Finding(where, "name", mask_finding(value)))
                findings.extend(scan_text(value, where, (), ids, phones))
                if len(findings) > 50:
                    return findings
    finally:
        con.close()
    return findings


def scan_files(paths: Iterable[Path], names: Iterable[str] = (), ids: set[str] | None = None,
               phones: set[str] | None = None) -> list[Finding]:
    names = set(names)
    findings = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        findings.extend(scan_text(text, str(path), names, ids, phones))
    return findings


def scan_paths(paths: Iterable[Path], names: Iterable[str] = (), ids: set[str] | None = None,
               phones: set[str] | None = None) -> list[Finding]:
    """Every file under ``paths`` (files, or folders walked recursively, e.g. a log folder), as text."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return scan_files(files, names, ids, phones)
