"""The catalogue's schema (SPEC section 4): pydantic v2 models for standard parts and their issuing rules.

A standard part (标准件) fixes four aspects of one kind of work: the work object (``object_type``), the
work content (``steps`` with form fields), the enablement information (``enablement``: the facts the
officer sees) and the evaluation requirement (``evaluation``). An issuing rule is one department's
SQL predicate over the named view of the part's object type; several rules may request one part.

Everything here is pure validation of one part at a time; checks that need the rest of the catalogue
(departments, business items, predicate files, duplicate ids) live in ``loader.py``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

ObjectType = Literal["house", "person", "venue", "community"]
ViewName = Literal["rule_houses", "rule_persons", "rule_venues", "rule_communities"]
FieldType = Literal["text", "number", "bool", "date", "choice", "photo"]
DepartmentKind = Literal["police", "government"]

PartId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

VIEW_FOR_OBJECT: dict[str, str] = {
    "house": "rule_houses",
    "person": "rule_persons",
    "venue": "rule_venues",
    "community": "rule_communities",
}

# The named views the rules are evaluated against (built by the generation engine before the rules run).
# This is the contract between the catalogue's predicates and the engine: one ``run_date DATE`` each.
VIEW_COLUMNS: dict[str, dict[str, str]] = {
    "rule_houses": {
        "object_id": "VARCHAR", "house_id": "VARCHAR", "community_id": "VARCHAR", "station_id": "VARCHAR",
        "house_use": "VARCHAR", "floor_area_m2": "DOUBLE", "verified_on": "DATE",
        "active_persons": "INTEGER", "floating_persons": "INTEGER", "elderly_persons": "INTEGER",
        "minors": "INTEGER", "run_date": "DATE",
    },
    "rule_persons": {
        "object_id": "VARCHAR", "community_id": "VARCHAR", "station_id": "VARCHAR", "house_id": "VARCHAR",
        "gender": "VARCHAR", "birth_date": "DATE", "age_years": "INTEGER", "hukou_type": "VARCHAR",
        "moved_in_on": "DATE", "status": "VARCHAR", "house_active_persons": "INTEGER",
        "alerts_today": "INTEGER", "alerts_today_max_risk": "INTEGER", "alerts_30d": "INTEGER",
        "amount_at_risk_today": "DOUBLE", "run_date": "DATE",
    },
    "rule_venues": {
        "object_id": "VARCHAR", "venue_id": "VARCHAR", "venue_type": "VARCHAR", "community_id": "VARCHAR",
        "station_id": "VARCHAR", "license_expiry": "DATE", "last_inspected_on": "DATE",
        "open_violations": "INTEGER", "run_date": "DATE",
    },
    "rule_communities": {
        "object_id": "VARCHAR", "community_id": "VARCHAR", "station_id": "VARCHAR", "residents": "INTEGER",
        "floating_residents": "INTEGER", "houses": "INTEGER", "rental_houses": "INTEGER", "venues": "INTEGER",
        "alerts_7d": "INTEGER", "active_officers": "INTEGER", "run_date": "DATE",
    },
}


class EnablementSource(BaseModel):
    """Where an enablement fact comes from, for which object types, and which fields may be shown."""

    model_config = ConfigDict(frozen=True)

    objects: frozenset[str]
    fields: frozenset[str]
    masked: frozenset[str] = frozenset()  # personal identifiers: only ever shown masked
    description: str


# Data minimisation is enforced here, as an allowlist: an officer never sees a birth date (only the age),
# an id number only masked, and no personal data at all on venue or community tasks.
ENABLEMENT_SOURCES: dict[str, EnablementSource] = {
    "rule_houses": EnablementSource(
        objects=frozenset({"house"}),
        fields=frozenset(VIEW_COLUMNS["rule_houses"]) - {"object_id", "run_date"},
        description="the house's row of the rule view (counts of active residents, verified_on, ...)",
    ),
    "rule_persons": EnablementSource(
        objects=frozenset({"person"}),
        fields=frozenset(VIEW_COLUMNS["rule_persons"]) - {"object_id", "run_date", "birth_date"},
        description="the person's row of the rule view (age, alert counts; never the birth date)",
    ),
    "rule_venues": EnablementSource(
        objects=frozenset({"venue"}),
        fields=frozenset(VIEW_COLUMNS["rule_venues"]) - {"object_id", "run_date"},
        description="the venue's row of the rule view",
    ),
    "rule_communities": EnablementSource(
        objects=frozenset({"community"}),
        fields=frozenset(VIEW_COLUMNS["rule_communities"]) - {"object_id", "run_date"},
        description="the community's row of the rule view (resident, rental and alert counts)",
    ),
    "houses": EnablementSource(
        objects=frozenset({"house", "person"}),
        fields=frozenset({"house_id", "address", "house_use", "floor_area_m2", "verified_on", "owner_id_number"}),
        masked=frozenset({"owner_id_number"}),
        description="the house itself (house parts) or the person's house (person parts)",
    ),
    "house_residents": EnablementSource(
        objects=frozenset({"house"}),
        fields=frozenset({"name", "gender", "age_years", "hukou_type", "moved_in_on", "phone", "id_number"}),
        masked=frozenset({"id_number"}),
        description="the active residents on file for the house (one entry per person)",
    ),
    "persons": EnablementSource(
        objects=frozenset({"person"}),
        fields=frozenset({"name", "gender", "age_years", "phone", "hukou_type", "moved_in_on", "id_number"}),
        masked=frozenset({"id_number"}),
        description="the person the task is about",
    ),
    "alerts": EnablementSource(
        objects=frozenset({"person"}),
        fields=frozenset({"alert_type", "risk_level", "raised_at", "amount_at_risk_cny"}),
        description="the person's matched anti-fraud alerts of the run date (no phone or id number)",
    ),
    "venues": EnablementSource(
        objects=frozenset({"venue"}),
        fields=frozenset({"venue_name", "venue_type", "license_no", "license_expiry", "last_inspected_on",
                          "open_violations"}),
        description="the venue itself",
    ),
    "communities": EnablementSource(
        objects=frozenset({"house", "person", "venue", "community"}),
        fields=frozenset({"community_id", "community_name", "station_id"}),
        description="the object's community",
    ),
    "instruction": EnablementSource(
        objects=frozenset({"house", "person", "venue", "community"}),
        fields=frozenset({"instruction_id", "department", "reason", "issued_at"}),
        description="the department instruction(s) that requested the task, if any",
    ),
    "task": EnablementSource(
        objects=frozenset({"house", "person", "venue", "community"}),
        fields=frozenset({"requesting_departments", "requesting_rules", "previous_completed_at"}),
        description="the task itself: who requested it (merged requests) and the previous completion",
    ),
}

# "Collect once, use many times": fields a completion may write back into a rule view. Only
# collected facts, never a feed value that one of the SPEC's reference rules reads.
COLLECTABLE_FIELDS: dict[str, frozenset[str]] = {
    "rule_houses": frozenset({"verified_on"}),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- reference data ---------------------------------------------------------------------------------

class Category(_Model):
    id: Code
    name_zh: Text
    name_en: Text


class BusinessItem(_Model):
    id: Code
    name_zh: Text
    name_en: Text
    category: Code


class Department(_Model):
    """``police``: a 警种 that issues work (rules and instructions); ``government``: a hand-off target."""

    code: Code
    name_zh: Text
    name_en: Text
    kind: DepartmentKind


class CategoriesFile(_Model):
    categories: list[Category] = Field(min_length=1)
    business_items: list[BusinessItem] = Field(min_length=1)


class DepartmentsFile(_Model):
    departments: list[Department] = Field(min_length=1)


# --- the four aspects ---------------------------------------------------------------------------------

class FormField(_Model):
    id: Code
    label_zh: Text
    type: FieldType
    choices: list[Text] | None = None

    @model_validator(mode="after")
    def _choices_fit_type(self) -> FormField:
        if self.type == "choice":
            if not self.choices or len(self.choices) < 2:
                raise ValueError(f"form field {self.id}: type choice needs at least two choices")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError(f"form field {self.id}: duplicate choices")
        elif self.choices is not None:
            raise ValueError(f"form field {self.id}: choices are only allowed with type choice")
        return self


class Step(_Model):
    id: Code
    name_zh: Text
    required: StrictBool
    form_fields: list[FormField] = Field(default_factory=list)

    @field_validator("form_fields")
    @classmethod
    def _unique_field_ids(cls, value: list[FormField]) -> list[FormField]:
        _reject_duplicates([f.id for f in value], "form field id")
        return value


class EnablementFact(_Model):
    field: Code
    label_zh: Text
    source: Code
    masked: StrictBool = False

    @model_validator(mode="after")
    def _known_field(self) -> EnablementFact:
        spec = ENABLEMENT_SOURCES.get(self.source)
        if spec is None:
            raise ValueError(f"unknown source {self.source!r} (known: {', '.join(sorted(ENABLEMENT_SOURCES))})")
        if self.field not in spec.fields:
            raise ValueError(
                f"source {self.source} does not offer field {self.field!r} (allowed: {', '.join(sorted(spec.fields))})"
            )
        if self.field in spec.masked and not self.masked:
            raise ValueError(f"{self.source}.{self.field} is a personal identifier and must be masked: true")
        return self


class Evaluation(_Model):
    due_hours: int = Field(ge=1, le=24 * 90)
    min_evidence: int = Field(ge=0, le=20)
    cooldown_days: int = Field(ge=0, le=3650)


class CompletionUpdate(_Model):
    """A fact that a valid completion of this part writes back ("collect once, use many times")."""

    view: ViewName
    field: Code


# --- issuing rules ----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_COMMENT_LINE = re.compile(r"^\s*--.*$", re.MULTILINE)


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list):
        return "(" + ", ".join(_sql_literal(v) for v in value) + ")"
    raise ValueError(f"unsupported parameter value {value!r}")


def render_predicate(template: str, params: dict[str, Any]) -> str:
    """Strip whole-line ``--`` comments, substitute ``{{ params.name }}`` as SQL literals, check the shape.

    Numbers render as numbers, strings as quoted literals, lists as ``(a, b)`` (for ``in``). Every
    placeholder must have a parameter and every parameter must be used. The result is one boolean
    expression, used by the engine as ``select object_id from <view> where (<predicate>)``.
    """
    used: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise ValueError(f"predicate uses {{{{ params.{name} }}}} but the rule has no parameter {name!r}")
        used.add(name)
        return _sql_literal(params[name])

    text = _COMMENT_LINE.sub("", template)
    text = _PLACEHOLDER.sub(substitute, text)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())
    if not text:
        raise ValueError("predicate is empty")
    if "{{" in text or "}}" in text or "{%" in text:
        raise ValueError("predicate has template syntax other than {{ params.<name> }}")
    if ";" in text:
        raise ValueError("predicate must be one expression without ';'")
    if "--" in text:
        raise ValueError("predicate may only have whole-line '--' comments (the engine wraps it in parentheses)")
    if re.match(r"(?i)\s*(select|with)\b", text):
        raise ValueError("predicate must be a boolean expression (the body of a WHERE clause), not a query")
    unused = sorted(set(params) - used)
    if unused:
        raise ValueError(f"parameters not used by the predicate: {', '.join(unused)}")
    return text


class IssuingRule(_Model):
    """One department's automatic issuing rule: a predicate file under ``rules/`` over ``view``."""

    id: Code
    department: Code
    view: ViewName
    predicate: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.sql$")]
    description_zh: Text
    params: dict[str, Any] = Field(default_factory=dict)

    _part_id: str | None = PrivateAttr(default=None)
    _sql: str | None = PrivateAttr(default=None)

    @field_validator("params")
    @classmethod
    def _scalar_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, v in value.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"parameter name {name!r} must be lower_snake_case")
            ok_scalar = isinstance(v, int | float | str) and not isinstance(v, bool)
            ok_list = (isinstance(v, list) and v
                       and all(isinstance(x, int | float | str) and not isinstance(x, bool) for x in v))
            if not (ok_scalar or ok_list):
                raise ValueError(f"parameter {name}: must be a number, a string or a non-empty list of those")
        return value

    def bind(self, part_id: str, template: str) -> None:
        """Attach the owning part and the predicate file's text (the loader does this); renders once."""
        self._sql = render_predicate(template, self.params)
        self._part_id = part_id

    @property
    def part_id(self) -> str:
        if self._part_id is None:
            raise RuntimeError(f"rule {self.id} is not bound to a catalogue (use load_catalogue)")
        return self._part_id

    @property
    def object_type(self) -> str:
        return next(o for o, v in VIEW_FOR_OBJECT.items() if v == self.view)

    def sql(self) -> str:
        """The predicate, parameters rendered: ``select object_id from {view} where ({sql})``."""
        if self._sql is None:
            raise RuntimeError(f"rule {self.id} is not bound to a catalogue (use load_catalogue)")
        return self._sql

    def select_sql(self) -> str:
        """The whole candidate query of this rule."""
        return f"select object_id from {self.view} where (\n{self.sql()}\n)"


# --- the standard part ------------------------------------------------------------------------------

class StandardPart(_Model):
    id: PartId
    name_zh: Text
    name_en: Text
    category: Code
    business_item: Code
    object_type: ObjectType
    owner_department: Code
    priority: int = Field(ge=1, le=5)
    description_zh: Text | None = None
    steps: list[Step] = Field(min_length=1)
    enablement: list[EnablementFact] = Field(min_length=1)
    evaluation: Evaluation
    collaboration: list[Code] = Field(default_factory=list)
    rules: list[IssuingRule] = Field(default_factory=list)
    updates_on_completion: CompletionUpdate | None = None

    @field_validator("steps")
    @classmethod
    def _steps_ok(cls, value: list[Step]) -> list[Step]:
        _reject_duplicates([s.id for s in value], "step id")
        if not any(s.required for s in value):
            raise ValueError("at least one step must be required")
        return value

    @field_validator("enablement")
    @classmethod
    def _unique_facts(cls, value: list[EnablementFact]) -> list[EnablementFact]:
        _reject_duplicates([f"{f.source}.{f.field}" for f in value], "enablement fact")
        return value

    @field_validator("collaboration")
    @classmethod
    def _unique_collaboration(cls, value: list[str]) -> list[str]:
        _reject_duplicates(value, "collaboration department")
        return value

    @model_validator(mode="after")
    def _fits_object_type(self) -> StandardPart:
        view = VIEW_FOR_OBJECT[self.object_type]
        for i, fact in enumerate(self.enablement):
            if self.object_type not in ENABLEMENT_SOURCES[fact.source].objects:
                raise ValueError(
                    f"enablement[{i}].source: {fact.source} is not available for object_type {self.object_type}"
                )
        for i, rule in enumerate(self.rules):
            if rule.view != view:
                raise ValueError(f"rules[{i}].view: {rule.view} does not fit object_type {self.object_type} "
                                 f"(expected {view})")
        update = self.updates_on_completion
        if update is not None:
            if update.view != view:
                raise ValueError(f"updates_on_completion.view: {update.view} does not fit object_type "
                                 f"{self.object_type} (expected {view})")
            if update.field not in COLLECTABLE_FIELDS.get(update.view, frozenset()):
                raise ValueError(f"updates_on_completion.field: {update.field!r} is not a collectable field of "
                                 f"{update.view}")
        return self

    @property
    def view(self) -> str:
        """The rule view of this part's object type."""
        return VIEW_FOR_OBJECT[self.object_type]

    @property
    def required_step_ids(self) -> list[str]:
        return [s.id for s in self.steps if s.required]

    @property
    def departments(self) -> list[str]:
        """Departments with an automatic rule for this part, in rule order, without repeats."""
        return list(dict.fromkeys(r.department for r in self.rules))


def _reject_duplicates(values: list[str], what: str) -> None:
    seen: set[str] = set()
    dupes = sorted({v for v in values if v in seen or seen.add(v)})
    if dupes:
        raise ValueError(f"duplicate {what}: {', '.join(dupes)}")
