"""Partner departments (SPEC section 12): who receives hand-offs, under which code, with which service levels.

The list is repository YAML (``partner_departments.yaml``), validated at load like the catalogue: a broken
file stops the pipeline with one error naming the file and every problem. ``STANDARD_PARTS_HANDOFF_DEPARTMENTS``
(a path) replaces the shipped file for a deployment whose departments differ.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

SHIPPED = Path(__file__).resolve().parent / "partner_departments.yaml"

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PartnerConfigError(ValueError):
    """The partner departments file is invalid (the message names the file and every problem)."""


class ServiceLevels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ack_hours: int = Field(gt=0, le=24 * 365)
    resolve_hours: int = Field(gt=0, le=24 * 365)

    @model_validator(mode="after")
    def _ack_before_resolve(self) -> ServiceLevels:
        if self.resolve_hours < self.ack_hours:
            raise ValueError(f"resolve_hours {self.resolve_hours} is shorter than ack_hours {self.ack_hours}")
        return self


class PartnerDepartment(ServiceLevels):
    name: Name  # exactly as officers write it in completions.handoff_department
    code: Code
    name_zh: Name | None = None
    routed: bool = True


class PartnersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: ServiceLevels = ServiceLevels(ack_hours=24, resolve_hours=168)
    departments: list[PartnerDepartment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> PartnersFile:
        for attr in ("name", "code"):
            seen: set[str] = set()
            for d in self.departments:
                value = getattr(d, attr)
                if value in seen:
                    raise ValueError(f"department {attr} {value!r} appears twice")
                seen.add(value)
        if any(d.code.startswith("unrouted-") for d in self.departments):
            raise ValueError("codes starting with 'unrouted-' are reserved for departments not configured")
        return self


class Partners:
    """The validated partner list; :meth:`get` answers for any department name, configured or not."""

    def __init__(self, spec: PartnersFile, source: Path):
        self.source = source
        self.defaults = spec.defaults
        self.departments = {d.name: d for d in spec.departments}

    def get(self, name: str) -> PartnerDepartment:
        found = self.departments.get(name)
        if found is not None:
            return found
        # Not configured: the defaults, flagged unrouted; the code is a hash so that no free text
        # written by an officer becomes a file name.
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
        return PartnerDepartment(name=name, code=f"unrouted-{digest}", ack_hours=self.defaults.ack_hours,
                                 resolve_hours=self.defaults.resolve_hours, routed=False)


def load_partners(path: Path | None = None) -> Partners:
    """Read and validate the partner departments file (``path``, else the shipped one)."""
    source = Path(path) if path else SHIPPED
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PartnerConfigError(f"{source}: cannot read partner departments: {exc}") from exc
    try:
        spec = PartnersFile.model_validate(raw or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors())
        raise PartnerConfigError(f"{source}: invalid partner departments: {problems}") from exc
    return Partners(spec, source)
