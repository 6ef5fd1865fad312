"""The standard parts the demo's department instructions may name, read from the catalogue YAML.

Only ``id``, ``object_type``, ``name_zh`` and the departments (``owner_department``, the rules'
``department``) are read, so this stays independent of the catalogue
schema's other details. A file may hold one part (a mapping with ``id``), a list of parts, or a
mapping with a ``parts`` list. Without catalogue files (a checkout where the catalogue is not
written yet) the reference parts below are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CATALOGUE_PARTS_DIR = Path(__file__).resolve().parent.parent / "catalogue" / "parts"
OBJECT_TYPES = ("house", "person", "venue", "community")


@dataclass(frozen=True)
class Part:
    id: str
    object_type: str
    name_zh: str = ""
    departments: tuple[str, ...] = ()  # the owner department, then those of the part's rules


FALLBACK_PARTS: tuple[Part, ...] = (
    Part("HOUSE-OVER10", "house", "房屋超10人居住核查"),
    Part("FRAUD-DISSUADE", "person", "反诈精准劝阻"),
    Part("VENUE-INSPECT", "venue", "治安场所检查"),
    Part("VENUE-LICENSE", "venue", "证照到期核查"),
    Part("FLOATING-NEW", "person", "新增流动人口核查"),
    Part("POP-KEY-PERSON-VISIT", "person", "重点人员走访"),
    Part("FRAUD-VICTIM-REVISIT", "person", "电诈受害人回访"),
    Part("DISPUTE-MEDIATE", "house", "矛盾纠纷调处"),
    Part("FIRE-EBIKE-CHARGING", "house", "电动自行车违规充电排查"),
    Part("FIRE-SMALL-PREMISES", "venue", "三小场所消防检查"),
    Part("VENUE-NIGHT-HOURS", "venue", "夜间营业场所检查"),
    Part("COMM-HOTSPOT-PATROL", "community", "社区热点巡防"),
    Part("COMM-SAFETY-PROPAGANDA", "community", "社区安全宣传"),
)


def _items(doc) -> list:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if "id" in doc:
            return [doc]
        if isinstance(doc.get("parts"), list):
            return doc["parts"]
    return []


def _departments(item: dict) -> tuple[str, ...]:
    found = [item.get("owner_department")]
    rules = item.get("rules")
    if isinstance(rules, list):
        found += [r.get("department") for r in rules if isinstance(r, dict)]
    return tuple(dict.fromkeys(d for d in found if isinstance(d, str) and d))


def load_parts(directory: Path | None = None) -> tuple[Part, ...]:
    """Every part of the catalogue (sorted by id), or FALLBACK_PARTS when there is none."""
    directory = CATALOGUE_PARTS_DIR if directory is None else directory
    found: dict[str, Part] = {}
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
        for item in _items(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if not isinstance(item, dict):
                continue
            part_id, object_type = item.get("id"), item.get("object_type")
            if isinstance(part_id, str) and object_type in OBJECT_TYPES:
                found[part_id] = Part(part_id, object_type, str(item.get("name_zh") or ""), _departments(item))
    if not found:
        return FALLBACK_PARTS
    return tuple(found[k] for k in sorted(found))
