"""The province config file (YAML, SPEC section 10), validated by pydantic.

Relative paths resolve against the config file's folder, so a province folder can be moved or
mounted elsewhere as a whole. Each city's ``Settings`` is built from it: the same object
``standard-parts run`` builds from its flags, so a city's warehouse is exactly a single-city run's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config import Settings

CITY_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PROVINCE_CONFIG_ENV = "STANDARD_PARTS_PROVINCE_CONFIG"
KEY_ENV = "STANDARD_PARTS_PSEUDONYM_KEY"


class ProvinceConfigError(ValueError):
    """A province config that cannot be used: names the file, the place and the reason."""


class Province(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=CITY_ID.pattern)]
    name: str


class City(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=CITY_ID.pattern, description="also the Celery queue's name")]
    name: str
    landing: Path
    warehouse: Path
    publish: str | None = None

    @field_validator("publish")
    @classmethod
    def _transport(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("folder:", "http://", "https://")):
            raise ValueError(f"publish must be folder:DIR or http(s)://URL, got {value!r}")
        return value

    @property
    def queue(self) -> str:
        return self.id

    @property
    def pool(self) -> str:
        return f"duckdb_writer_{self.id}"

    def settings(self, **extra) -> Settings:
        """This city's Settings: its own folders and key; everything else from the environment
        (``extra``: per-run values such as a DAG run's accepted drops)."""
        overrides: dict = {**extra, "landing": self.landing, "warehouse": self.warehouse, "publish": self.publish}
        key = os.environ.get(f"{KEY_ENV}__{self.id.upper()}")
        if key:
            overrides["pseudonym_key"] = key
        return Settings(**overrides)


class ProvinceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    province: Province
    rollup: Path
    cities: Annotated[list[City], Field(min_length=1)]
    source: Path | None = Field(default=None, exclude=True, description="the file it was read from")

    @model_validator(mode="after")
    def _unique_ids(self) -> ProvinceConfig:
        seen: set[str] = set()
        for city in self.cities:
            if city.id in seen:
                raise ValueError(f"city id {city.id!r} appears twice")
            seen.add(city.id)
        return self

    def city(self, city_id: str) -> City:
        for city in self.cities:
            if city.id == city_id:
                return city
        raise KeyError(f"no city {city_id!r} in {self.source}")

    @property
    def db_path(self) -> Path:
        return self.rollup / "province.duckdb"


def _resolve(base: Path, value: Path) -> Path:
    return value if value.is_absolute() else (base / value).resolve()


def _resolve_publish(base: Path, value: str | None) -> str | None:
    if value and value.startswith("folder:"):
        return f"folder:{_resolve(base, Path(value.removeprefix('folder:')))}"
    return value


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line of a validation error: the n-th city's entry, or a top-level key."""
    lines = text.splitlines()
    if len(loc) >= 2 and loc[0] == "cities" and isinstance(loc[1], int):
        starts = [i for i, line in enumerate(lines, 1) if re.match(r"^\s*-\s", line)]
        return starts[loc[1]] if loc[1] < len(starts) else None
    if loc and isinstance(loc[0], str):
        for i, line in enumerate(lines, 1):
            if line.startswith(f"{loc[0]}:"):
                return i
    return None


def load_config(path: Path | str) -> ProvinceConfig:
    """Read and validate a province config; relative paths resolve against its folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProvinceConfigError(f"{path}: cannot read the province config ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ProvinceConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise ProvinceConfigError(f"{path}: expected a mapping with province, rollup and cities")
    try:
        config = ProvinceConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            loc = tuple(err["loc"])
            line = _line_of(text, loc)
            field = ".".join(str(p) for p in loc) or "(file)"
            problems.append(f"{path}:{line}: {field}: {err['msg']}" if line else f"{path}: {field}: {err['msg']}")
        raise ProvinceConfigError("; ".join(problems)) from None
    base = path.resolve().parent
    config.source = path.resolve()
    config.rollup = _resolve(base, config.rollup)
    for city in config.cities:
        city.landing = _resolve(base, city.landing)
        city.warehouse = _resolve(base, city.warehouse)
        city.publish = _resolve_publish(base, city.publish)
    return config


def config_from_env() -> ProvinceConfig | None:
    """The province config named by STANDARD_PARTS_PROVINCE_CONFIG, or None (single-city mode)."""
    value = os.environ.get(PROVINCE_CONFIG_ENV)
    return load_config(value) if value else None
