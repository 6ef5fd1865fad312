"""The standard-part catalogue (SPEC section 4): YAML data, validated at load.

    from standard_parts.catalogue import load_catalogue
    catalogue = load_catalogue()               # the package's own catalogue, cached
    part = catalogue.part("HOUSE-OVER10")
    for rule in catalogue.rules:               # every issuing rule, flattened
        sql = f"select object_id from {rule.view} where ({rule.sql()})"
"""

from .loader import (
    CATALOGUE_DIR,
    Catalogue,
    CatalogueError,
    catalogue_json_schema,
    check_predicates,
    load_catalogue,
)
from .schema import (
    COLLECTABLE_FIELDS,
    ENABLEMENT_SOURCES,
    VIEW_COLUMNS,
    VIEW_FOR_OBJECT,
    BusinessItem,
    Category,
    CompletionUpdate,
    Department,
    EnablementFact,
    Evaluation,
    FormField,
    IssuingRule,
    StandardPart,
    Step,
    render_predicate,
)

__all__ = [
    "CATALOGUE_DIR",
    "COLLECTABLE_FIELDS",
    "ENABLEMENT_SOURCES",
    "VIEW_COLUMNS",
    "VIEW_FOR_OBJECT",
    "BusinessItem",
    "Catalogue",
    "CatalogueError",
    "Category",
    "CompletionUpdate",
    "Department",
    "EnablementFact",
    "Evaluation",
    "FormField",
    "IssuingRule",
    "StandardPart",
    "Step",
    "catalogue_json_schema",
    "check_predicates",
    "load_catalogue",
    "render_predicate",
]
