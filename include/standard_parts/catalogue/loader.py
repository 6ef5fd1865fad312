"""Load and validate the catalogue folder (SPEC section 4).

Layout::

    categories.yaml           categories and business items
    departments.yaml          police issuing departments and government hand-off departments
    parts/<category>.yaml     a YAML list of standard parts, one file per category
    rules/<rule_id>.sql       one predicate (WHERE-clause body) per automatic issuing rule

Every problem is reported, not only the first, as ``<file>: part <id>: <field>: <message>`` in one
``CatalogueError``, so a broken catalogue stops the pipeline with a message that says what to fix.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from .schema import (
    BusinessItem,
    CategoriesFile,
    Category,
    Department,
    DepartmentsFile,
    IssuingRule,
    StandardPart,
)

CATALOGUE_DIR = Path(__file__).resolve().parent


class CatalogueError(ValueError):
    """The catalogue is invalid; ``errors`` lists every problem as ``file: part id: field: message``."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("invalid standard-part catalogue:\n" + "\n".join(f"  {e}" for e in errors))


class Catalogue(BaseModel):
    """The validated catalogue. Parts keep file order (categories in ``categories.yaml`` order)."""

    model_config = ConfigDict(frozen=True)

    categories: list[Category]
    business_items: list[BusinessItem]
    departments: list[Department]
    parts: list[StandardPart]

    _parts: dict[str, StandardPart] = PrivateAttr(default_factory=dict)
    _digest: str = PrivateAttr(default="")

    def model_post_init(self, __context: Any) -> None:
        self._parts = {p.id: p for p in self.parts}

    def part(self, part_id: str) -> StandardPart:
        try:
            return self._parts[part_id]
        except KeyError:
            raise KeyError(f"unknown standard part {part_id!r}") from None

    def has_part(self, part_id: str) -> bool:
        return part_id in self._parts

    @property
    def rules(self) -> list[IssuingRule]:
        """Every automatic issuing rule, flattened (``rule.part_id`` names its part)."""
        return [r for p in self.parts for r in p.rules]

    def rule(self, rule_id: str) -> IssuingRule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"unknown issuing rule {rule_id!r}")

    @property
    def parts_with_rules(self) -> list[StandardPart]:
        return [p for p in self.parts if p.rules]

    def department(self, code: str) -> Department:
        for d in self.departments:
            if d.code == code:
                return d
        raise KeyError(f"unknown department {code!r}")

    @property
    def issuing_departments(self) -> list[Department]:
        """Police departments (警种) that may issue work by rule or instruction."""
        return [d for d in self.departments if d.kind == "police"]

    @property
    def handoff_departments(self) -> list[Department]:
        """Government departments an officer may hand a task off to (一键流转)."""
        return [d for d in self.departments if d.kind == "government"]

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(f"unknown category {category_id!r}")

    def business_item(self, item_id: str) -> BusinessItem:
        for b in self.business_items:
            if b.id == item_id:
                return b
        raise KeyError(f"unknown business item {item_id!r}")

    @property
    def digest(self) -> str:
        """sha256 over the catalogue's files: which catalogue version a run used."""
        return self._digest


# --- YAML -------------------------------------------------------------------------------------------

class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser: ~10x faster
    """Safe YAML that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, rel: str, errors: list[str]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader subclass
    except FileNotFoundError:
        errors.append(f"{rel}: file not found")
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.append(f"{rel}: cannot parse YAML: {exc}".replace("\n", " "))
    return None


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _messages(exc: ValidationError, prefix: str) -> list[str]:
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        msg = str(err["msg"]).removeprefix("Value error, ")
        msg = msg[:1].lower() + msg[1:]
        where = _loc(tuple(err["loc"]))
        line = f"{prefix}: {where}: {msg}" if where else f"{prefix}: {msg}"
        if line not in lines:
            lines.append(line)
    return lines


# --- loading ----------------------------------------------------------------------------------------

def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate a catalogue folder; ``None`` loads the package's own (cached)."""
    if path is None:
        return _default_catalogue()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_catalogue() -> Catalogue:
    return _load(CATALOGUE_DIR)


def _load(root: Path) -> Catalogue:
    if not root.is_dir():
        raise CatalogueError([f"{root}: catalogue folder not found"])
    errors: list[str] = []

    categories = business_items = departments = None
    raw = _read_yaml(root / "categories.yaml", "categories.yaml", errors)
    if raw is not None:
        try:
            cf = CategoriesFile.model_validate(raw)
            categories, business_items = cf.categories, cf.business_items
        except ValidationError as exc:
            errors += _messages(exc, "categories.yaml")
    raw = _read_yaml(root / "departments.yaml", "departments.yaml", errors)
    if raw is not None:
        try:
            departments = DepartmentsFile.model_validate(raw).departments
        except ValidationError as exc:
            errors += _messages(exc, "departments.yaml")
    if categories is None or business_items is None or departments is None:
        raise CatalogueError(errors)

    category_ids = [c.id for c in categories]
    errors += _duplicates(category_ids, "categories.yaml", "category id")
    errors += _duplicates([b.id for b in business_items], "categories.yaml", "business item id")
    errors += _duplicates([d.code for d in departments], "departments.yaml", "department code")
    item_category = {b.id: b.category for b in business_items}
    for i, b in enumerate(business_items):
        if b.category not in category_ids:
            errors.append(f"categories.yaml: business_items[{i}] ({b.id}).category: unknown category {b.category!r}")
    dept_kind = {d.code: d.kind for d in departments}

    parts_dir = root / "parts"
    files = sorted(parts_dir.glob("*.yaml")) if parts_dir.is_dir() else []
    if not files:
        errors.append("parts/: no parts/<category>.yaml files")
    order = {c: i for i, c in enumerate(category_ids)}
    files.sort(key=lambda f: (order.get(f.stem, len(order)), f.name))

    parts: list[StandardPart] = []
    first_seen: dict[str, str] = {}
    rule_seen: dict[str, str] = {}
    for file in files:
        rel = f"parts/{file.name}"
        if file.stem not in order:
            errors.append(f"{rel}: file name must be a category id (one of {', '.join(category_ids)})")
        raw = _read_yaml(file, rel, errors)
        if raw is None:
            continue
        if not isinstance(raw, list):
            errors.append(f"{rel}: must be a YAML list of standard parts")
            continue
        for index, item in enumerate(raw):
            label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else f"#{index}"
            prefix = f"{rel}: part {label}"
            try:
                part = StandardPart.model_validate(item)
            except ValidationError as exc:
                errors += _messages(exc, prefix)
                continue
            part_errors = _cross_check(part, prefix, file.stem, item_category, dept_kind, root)
            if part.id in first_seen:
                part_errors.append(f"{prefix}: id: duplicate part id (first in {first_seen[part.id]})")
            else:
                first_seen[part.id] = rel
            for i, rule in enumerate(part.rules):
                if rule.id in rule_seen:
                    part_errors.append(f"{prefix}: rules[{i}].id: duplicate rule id {rule.id!r} "
                                       f"(first in {rule_seen[rule.id]})")
                else:
                    rule_seen[rule.id] = f"part {part.id}"
            errors += part_errors
            if not part_errors:
                parts.append(part)

    if errors:
        raise CatalogueError(errors)
    catalogue = Catalogue(categories=categories, business_items=business_items, departments=departments,
                          parts=parts)
    catalogue._digest = _digest(root)
    return catalogue


def _cross_check(part: StandardPart, prefix: str, file_category: str, item_category: dict[str, str],
                 dept_kind: dict[str, str], root: Path) -> list[str]:
    errors: list[str] = []
    if part.category != file_category:
        errors.append(f"{prefix}: category: {part.category!r} does not match its file parts/{file_category}.yaml")
    if part.business_item not in item_category:
        errors.append(f"{prefix}: business_item: unknown business item {part.business_item!r}")
    elif item_category[part.business_item] != part.category:
        errors.append(f"{prefix}: business_item: {part.business_item!r} belongs to category "
                      f"{item_category[part.business_item]!r}, not {part.category!r}")
    if dept_kind.get(part.owner_department) != "police":
        errors.append(f"{prefix}: owner_department: {part.owner_department!r} is not a police department")
    for i, code in enumerate(part.collaboration):
        if code not in dept_kind:
            errors.append(f"{prefix}: collaboration[{i}]: unknown department {code!r}")
        elif dept_kind[code] != "government":
            errors.append(f"{prefix}: collaboration[{i}]: {code!r} is a police department, not a hand-off "
                          "department")
    for i, rule in enumerate(part.rules):
        where = f"{prefix}: rules[{i}]"
        if rule.department not in dept_kind:
            errors.append(f"{where}.department: unknown department {rule.department!r}")
        elif dept_kind[rule.department] != "police":
            errors.append(f"{where}.department: {rule.department!r} is not a police issuing department")
        sql_path = root / "rules" / rule.predicate
        if not sql_path.is_file():
            errors.append(f"{where}.predicate: file rules/{rule.predicate} not found")
            continue
        try:
            rule.bind(part.id, sql_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            errors.append(f"{where}.predicate: rules/{rule.predicate}: {exc}")
    return errors


def _duplicates(values: list[str], rel: str, what: str) -> list[str]:
    seen: set[str] = set()
    return [f"{rel}: duplicate {what} {v!r}" for v in values if v in seen or seen.add(v)]


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted([*root.glob("*.yaml"), *root.glob("parts/*.yaml"), *root.glob("rules/*.sql")]):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def catalogue_json_schema() -> dict[str, Any]:
    """JSON Schemas of the three file kinds (for editors and reviewers of the YAML)."""
    from pydantic import TypeAdapter

    return {
        "categories.yaml": CategoriesFile.model_json_schema(),
        "departments.yaml": DepartmentsFile.model_json_schema(),
        "parts/<category>.yaml": TypeAdapter(list[StandardPart]).json_schema(),
    }


def check_predicates(catalogue: Catalogue) -> list[str]:
    """Run every rule against empty rule views in an in-memory DuckDB; return ``rule id: error`` lines.

    A cheap pre-flight for the engine (and the tests): catches syntax errors and unknown columns
    before a nightly run depends on them.
    """
    import duckdb

    from .schema import VIEW_COLUMNS

    con = duckdb.connect()
    try:
        for view, cols in VIEW_COLUMNS.items():
            con.execute(f"create table {view} ({', '.join(f'{c} {t}' for c, t in cols.items())})")
        problems = []
        for rule in catalogue.rules:
            try:
                con.execute(rule.select_sql()).fetchall()
            except duckdb.Error as exc:
                problems.append(f"{rule.id} (part {rule.part_id}): {exc}")
        return problems
    finally:
        con.close()
