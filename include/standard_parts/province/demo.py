"""A demo province: a few synthetic cities (different seeds and sizes) and their province config.

Each city's landing is the demo city generator's; with ``completions=True`` the officer simulator
answers each day's packages once, in a scratch warehouse that is then thrown away, so the landing
holds realistic completions files and any later run (province or single-city) of the same dates
sees identical inputs.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

# Fujian's nine prefecture-level cities, with 2023 resident populations (万人, rounded): the sizing
# arithmetic in the README uses these figures.
FUJIAN: tuple[tuple[str, str, int], ...] = (
    ("fuzhou", "福州市", 845), ("xiamen", "厦门市", 532), ("quanzhou", "泉州市", 888),
    ("zhangzhou", "漳州市", 505), ("putian", "莆田市", 321), ("sanming", "三明市", 246),
    ("nanping", "南平市", 264), ("longyan", "龙岩市", 271), ("ningde", "宁德市", 315),
)


@dataclass(frozen=True)
class DemoCity:
    id: str
    name: str
    residents: int
    seed: int


def demo_cities(count: int, residents: int, seed: int = 42) -> list[DemoCity]:
    """``count`` Fujian cities (cycling names past nine), each of ``residents`` residents, seeded apart."""
    out = []
    for i in range(count):
        city_id, name, _ = FUJIAN[i % len(FUJIAN)]
        if i >= len(FUJIAN):
            city_id, name = f"{city_id}_{i // len(FUJIAN)}", f"{name}{i // len(FUJIAN)}"
        out.append(DemoCity(city_id, name, residents, seed + 101 * i))
    return out


def write_config(folder: Path, cities: list[DemoCity], publish: bool = True) -> Path:
    """``<folder>/province.yaml`` with relative paths (the folder can be copied or mounted whole)."""
    doc = {
        "province": {"id": "fujian", "name": "福建省"},
        "rollup": "./province",
        "cities": [
            {"id": c.id, "name": c.name, "landing": f"./{c.id}/landing", "warehouse": f"./{c.id}/warehouse",
             **({"publish": f"folder:./{c.id}/publish"} if publish else {})}
            for c in cities
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "province.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def generate_landing(landing: Path, city: DemoCity, start: date, days: int, completions: bool = True,
                     scratch: Path | None = None) -> None:
    """The city's landing files for ``days`` days from ``start``."""
    from ..demo.city import generate_city

    generate_city(landing, city.residents, start, days, seed=city.seed, progress=False)
    if not completions:
        return
    from ..config import Settings
    from ..demo.officers import officers_hook
    from ..pipeline import run_range

    scratch = scratch or landing.parent / ".demo-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        outbox = scratch / "outbox"
        settings = Settings(landing=landing, warehouse=scratch / "warehouse", publish=f"folder:{outbox}")
        run_range(settings, start, start + timedelta(days=days - 1),
                  after_publish=officers_hook(landing, outbox, city.seed), marts_every_date=False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def generate_province(folder: Path, cities: list[DemoCity], start: date, days: int,
                      completions: bool = True, publish: bool = True) -> Path:
    """Every city's landing plus the config; returns the config's path."""
    for city in cities:
        generate_landing(folder / city.id / "landing", city, start, days, completions)
    return write_config(folder, cities, publish)
