"""The standard-part catalogue: coverage, the SPEC's reference parts, schema rejections, rule predicates."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from standard_parts.catalogue import (
    CATALOGUE_DIR,
    VIEW_COLUMNS,
    Catalogue,
    CatalogueError,
    IssuingRule,
    StandardPart,
    catalogue_json_schema,
    check_predicates,
    load_catalogue,
    render_predicate,
)

RUN = date(2026, 10, 15)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# --- coverage -----------------------------------------------------------------------------------------

def test_shipped_catalogue_covers_the_real_system(catalogue: Catalogue) -> None:
    assert len(catalogue.categories) == 7
    assert len(catalogue.business_items) >= 20
    assert len(catalogue.parts) >= 35
    assert len(catalogue.parts_with_rules) >= 15
    assert all(isinstance(p, StandardPart) for p in catalogue.parts)
    assert all(isinstance(r, IssuingRule) for r in catalogue.rules)


def test_every_category_and_business_item_has_parts(catalogue: Catalogue) -> None:
    used_items = {p.business_item for p in catalogue.parts}
    assert {b.id for b in catalogue.business_items} == used_items
    assert {c.id for c in catalogue.categories} == {p.category for p in catalogue.parts}
    assert sorted(f.stem for f in (CATALOGUE_DIR / "parts").glob("*.yaml")) == sorted(
        c.id for c in catalogue.categories
    )


def test_departments_issuing_and_handoff(catalogue: Catalogue) -> None:
    assert {d.code for d in catalogue.issuing_departments} == {
        "population", "anti_fraud", "public_order", "fire_safety", "criminal_investigation", "community_policing",
    }
    assert {d.code for d in catalogue.handoff_departments} == {
        "urban_management", "market_regulation", "fire_rescue", "subdistrict", "health",
    }
    assert catalogue.department("anti_fraud").name_zh == "反诈中心"


@pytest.mark.parametrize(
    ("part_id", "object_type"),
    [
        ("HOUSE-OVER10", "house"), ("FRAUD-DISSUADE", "person"), ("VENUE-INSPECT", "venue"),
        ("VENUE-LICENSE", "venue"), ("FLOATING-NEW", "person"), ("POP-KEY-PERSON-VISIT", "person"),
        ("FRAUD-VICTIM-REVISIT", "person"), ("DISPUTE-MEDIATE", "house"), ("FIRE-EBIKE-CHARGING", "house"),
        ("FIRE-SMALL-PREMISES", "venue"), ("VENUE-NIGHT-HOURS", "venue"), ("COMM-HOTSPOT-PATROL", "community"),
        ("COMM-SAFETY-PROPAGANDA", "community"),
    ],
)
def test_ids_the_demo_generator_uses(catalogue: Catalogue, part_id: str, object_type: str) -> None:
    assert catalogue.part(part_id).object_type == object_type


def test_every_part_has_its_four_aspects(catalogue: Catalogue) -> None:
    for part in catalogue.parts:
        assert part.object_type in ("house", "person", "venue", "community"), part.id
        assert part.steps and part.required_step_ids, part.id
        assert part.enablement, part.id
        assert part.evaluation.due_hours > 0, part.id
        assert part.name_zh and part.name_en and part.description_zh, part.id


def test_real_practice_values(catalogue: Catalogue) -> None:
    rental = catalogue.part("HOUSE-RENTAL-REGISTER").evaluation
    assert (rental.due_hours, rental.cooldown_days) == (24, 3)
    assert catalogue.part("DISPUTE-MEDIATE").evaluation.due_hours == 72
    assert catalogue.part("FRAUD-URGENT-VISIT").priority == 1
    space = catalogue.rule("house_group_rental_space")
    assert space.params == {"min_m2_per_person": 5}
    assert "floor_area_m2 < 5 * active_persons" in space.sql()


def test_personal_data_is_minimised(catalogue: Catalogue) -> None:
    for part in catalogue.parts:
        for fact in part.enablement:
            assert fact.field != "birth_date", part.id
            if fact.field in ("id_number", "owner_id_number"):
                assert fact.masked, part.id
            if part.object_type in ("venue", "community"):
                assert fact.field not in ("name", "phone", "id_number", "owner_id_number"), part.id


# --- the SPEC's reference parts (exact) ----------------------------------------------------------------

REFERENCE = {
    "HOUSE-OVER10": ("房屋超10人居住核查", "house", ["population", "fire_safety"], 168, 1, 90,
                     ["verify_house_use", "verify_house_condition", "verify_residents"],
                     ["核实房屋性质", "核实房屋情况", "核实房屋人员信息"]),
    "FRAUD-DISSUADE": ("反诈精准劝阻", "person", ["anti_fraud"], 24, 0, 3,
                       ["contact_person", "dissuade", "confirm_funds_safe"],
                       ["联系当事人", "劝阻宣讲", "确认资金安全"]),
    "VENUE-INSPECT": ("治安场所检查", "venue", ["public_order"], 168, 2, 7,
                      ["check_licence", "check_register", "check_hazards"],
                      ["检查证照", "检查登记制度", "检查安全隐患"]),
    "VENUE-LICENSE": ("证照到期核查", "venue", ["public_order"], 72, 1, 30,
                      ["verify_licence_status", "notify_renewal"],
                      ["核实证照状态", "告知续办要求"]),
    "FLOATING-NEW": ("新增流动人口核查", "person", ["population"], 168, 0, 365,
                     ["verify_identity", "verify_residence"],
                     ["核实身份", "核实居住信息"]),
}


@pytest.mark.parametrize("part_id", sorted(REFERENCE))
def test_reference_part_matches_spec(catalogue: Catalogue, part_id: str) -> None:
    name_zh, object_type, departments, due, evidence, cooldown, step_ids, step_names = REFERENCE[part_id]
    part = catalogue.part(part_id)
    assert part.name_zh == name_zh
    assert part.object_type == object_type
    assert [r.department for r in part.rules] == departments
    assert all(r.view == part.view for r in part.rules)
    assert (part.evaluation.due_hours, part.evaluation.min_evidence, part.evaluation.cooldown_days) == (
        due, evidence, cooldown,
    )
    assert [s.id for s in part.steps] == step_ids
    assert [s.name_zh for s in part.steps] == step_names
    assert all(s.required for s in part.steps)
    assert all(r.part_id == part_id for r in part.rules)


def test_two_departments_request_house_over10(catalogue: Catalogue) -> None:
    rules = [r for r in catalogue.rules if r.part_id == "HOUSE-OVER10"]
    assert [r.department for r in rules] == ["population", "fire_safety"]
    assert catalogue.part("HOUSE-OVER10").departments == ["population", "fire_safety"]


def test_collect_once_use_many_times_never_feeds_reference_inputs(catalogue: Catalogue) -> None:
    updated = {(p.updates_on_completion.view, p.updates_on_completion.field)
               for p in catalogue.parts if p.updates_on_completion}
    assert ("rule_houses", "verified_on") in updated
    reference_sql = " ".join(r.sql() for p in REFERENCE for r in catalogue.part(p).rules)
    for _view, field in updated:
        assert field not in reference_sql


def test_default_load_is_cached_and_explicit_path_is_not(catalogue: Catalogue) -> None:
    assert load_catalogue() is load_catalogue()
    fresh = load_catalogue(CATALOGUE_DIR)
    assert fresh is not load_catalogue()
    assert [p.id for p in fresh.parts] == [p.id for p in catalogue.parts]
    assert fresh.digest == catalogue.digest and len(catalogue.digest) == 64


def test_lookup_errors_are_clear(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match="NOPE-PART"):
        catalogue.part("NOPE-PART")
    assert not catalogue.has_part("NOPE-PART")


def test_json_schema_is_available() -> None:
    schema = catalogue_json_schema()
    assert set(schema) == {"categories.yaml", "departments.yaml", "parts/<category>.yaml"}
    assert schema["parts/<category>.yaml"]["type"] == "array"


# --- schema rejections -------------------------------------------------------------------------------

@pytest.fixture
def cat_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dst


def edit_parts(root: Path, category: str, change: Callable[[list[dict[str, Any]]], None]) -> None:
    path = root / "parts" / f"{category}.yaml"
    parts = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(parts)
    path.write_text(yaml.safe_dump(parts, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_part(root: Path, category: str, part_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    edit_parts(root, category, lambda parts: change(next(p for p in parts if p["id"] == part_id)))


def load_error(root: Path) -> str:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(root)
    return str(info.value)


def test_unchanged_copy_loads(cat_dir: Path) -> None:
    assert len(load_catalogue(cat_dir).parts) == len(load_catalogue().parts)


@pytest.mark.parametrize("aspect", ["evaluation", "steps", "enablement", "object_type"])
def test_missing_aspect_names_file_part_and_field(cat_dir: Path, aspect: str) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p.pop(aspect))
    assert f"parts/housing.yaml: part HOUSE-OVER10: {aspect}: field required" in load_error(cat_dir)


def test_missing_nested_field_names_its_path(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p["evaluation"].pop("due_hours"))
    assert "parts/housing.yaml: part HOUSE-OVER10: evaluation.due_hours: field required" in load_error(cat_dir)


def test_empty_steps_rejected(cat_dir: Path) -> None:
    edit_part(cat_dir, "public_order", "VENUE-LICENSE", lambda p: p.update(steps=[]))
    assert "parts/public_order.yaml: part VENUE-LICENSE: steps: list should have at least 1 item" in load_error(
        cat_dir
    )


def test_duplicate_part_id_rejected(cat_dir: Path) -> None:
    edit_parts(cat_dir, "housing", lambda parts: parts.append(dict(parts[-1])))
    msg = load_error(cat_dir)
    assert "parts/housing.yaml: part HOUSE-RENTAL-CANCEL: id: duplicate part id (first in parts/housing.yaml)" in msg


def test_rule_with_unknown_department_rejected(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p["rules"][1].update(department="traffic"))
    assert ("parts/housing.yaml: part HOUSE-OVER10: rules[1].department: unknown department 'traffic'"
            in load_error(cat_dir))


def test_rule_department_must_be_police(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p["rules"][0].update(department="subdistrict"))
    assert "rules[0].department: 'subdistrict' is not a police issuing department" in load_error(cat_dir)


def test_rule_with_missing_predicate_file_rejected(cat_dir: Path) -> None:
    (cat_dir / "rules" / "venue_license_expiring.sql").unlink()
    assert ("parts/public_order.yaml: part VENUE-LICENSE: rules[0].predicate: "
            "file rules/venue_license_expiring.sql not found") in load_error(cat_dir)


def test_rule_with_empty_predicate_file_rejected(cat_dir: Path) -> None:
    (cat_dir / "rules" / "venue_license_expiring.sql").write_text("-- only a comment\n", encoding="utf-8")
    assert "rules/venue_license_expiring.sql: predicate is empty" in load_error(cat_dir)


def test_rule_view_must_fit_object_type(cat_dir: Path) -> None:
    edit_part(cat_dir, "public_order", "VENUE-LICENSE", lambda p: p["rules"][0].update(view="rule_houses"))
    assert ("part VENUE-LICENSE: rules[0].view: rule_houses does not fit object_type venue (expected rule_venues)"
            in load_error(cat_dir))


def test_duplicate_rule_id_rejected(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p["rules"][1].update(id="house_over10_population"))
    assert "rules[1].id: duplicate rule id 'house_over10_population'" in load_error(cat_dir)


def test_unknown_keys_rejected(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p["evaluation"].update(grace_hours=2))
    assert "part HOUSE-OVER10: evaluation.grace_hours: extra inputs are not permitted" in load_error(cat_dir)


def test_duplicate_step_ids_rejected(cat_dir: Path) -> None:
    edit_part(cat_dir, "public_order", "VENUE-LICENSE", lambda p: p["steps"][1].update(id="verify_licence_status"))
    assert "part VENUE-LICENSE: steps: duplicate step id: verify_licence_status" in load_error(cat_dir)


def test_a_required_step_is_needed(cat_dir: Path) -> None:
    def optional(p: dict[str, Any]) -> None:
        for s in p["steps"]:
            s["required"] = False

    edit_part(cat_dir, "public_order", "VENUE-LICENSE", optional)
    assert "part VENUE-LICENSE: steps: at least one step must be required" in load_error(cat_dir)


def test_choice_field_needs_choices(cat_dir: Path) -> None:
    edit_part(cat_dir, "public_order", "VENUE-LICENSE", lambda p: p["steps"][0]["form_fields"][0].pop("choices"))
    assert ("part VENUE-LICENSE: steps[0].form_fields[0]: form field licence_status: type choice needs at least two "
            "choices") in load_error(cat_dir)


def test_collaboration_must_be_a_handoff_department(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p.update(collaboration=["fire_rescue", "tax"]))
    assert "part HOUSE-OVER10: collaboration[1]: unknown department 'tax'" in load_error(cat_dir)
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p.update(collaboration=["population"]))
    assert "collaboration[0]: 'population' is a police department, not a hand-off department" in load_error(cat_dir)


def test_unknown_business_item_and_wrong_category_rejected(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p.update(business_item="fraud_revisit"))
    edit_part(cat_dir, "housing", "HOUSE-VERIFY", lambda p: p.update(business_item="nope"))
    msg = load_error(cat_dir)
    assert ("part HOUSE-OVER10: business_item: 'fraud_revisit' belongs to category 'anti_fraud', not 'housing'"
            in msg)
    assert "part HOUSE-VERIFY: business_item: unknown business item 'nope'" in msg


def test_part_in_the_wrong_category_file_rejected(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-VERIFY", lambda p: p.update(category="population"))
    assert ("parts/housing.yaml: part HOUSE-VERIFY: category: 'population' does not match its file "
            "parts/housing.yaml") in load_error(cat_dir)


def test_id_numbers_only_masked_and_birth_date_never(cat_dir: Path) -> None:
    edit_part(cat_dir, "population", "FLOATING-NEW",
              lambda p: p["enablement"].append({"field": "birth_date", "label_zh": "出生日期", "source": "persons"}))
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p["enablement"][7].pop("masked"))
    msg = load_error(cat_dir)
    assert "part FLOATING-NEW: enablement[6]: source persons does not offer field 'birth_date'" in msg
    assert ("part HOUSE-OVER10: enablement[7]: house_residents.id_number is a personal identifier and must be "
            "masked: true") in msg


def test_enablement_source_must_fit_object_type(cat_dir: Path) -> None:
    edit_part(cat_dir, "community", "COMM-VOLUNTEER",
              lambda p: p["enablement"].append({"field": "phone", "label_zh": "电话", "source": "persons"}))
    assert "part COMM-VOLUNTEER: enablement[4].source: persons is not available for object_type community" in (
        load_error(cat_dir)
    )


def test_updates_on_completion_only_collectable_fields(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10",
              lambda p: p.update(updates_on_completion={"view": "rule_houses", "field": "active_persons"}))
    assert ("part HOUSE-OVER10: updates_on_completion.field: 'active_persons' is not a collectable field of "
            "rule_houses") in load_error(cat_dir)


def test_rule_params_validated(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-GROUP-RENTAL-SPACE", lambda p: p["rules"][0].update(params={}))
    edit_part(cat_dir, "anti_fraud", "FRAUD-REPEAT-REVISIT",
              lambda p: p["rules"][0]["params"].update(min_alerts_7d=5))
    edit_part(cat_dir, "anti_fraud", "FRAUD-URGENT-VISIT",
              lambda p: p["rules"][0]["params"].update(min_amount_cny=True))
    msg = load_error(cat_dir)
    assert ("part HOUSE-GROUP-RENTAL-SPACE: rules[0].predicate: rules/house_group_rental_space.sql: predicate uses "
            "{{ params.min_m2_per_person }} but the rule has no parameter 'min_m2_per_person'") in msg
    assert "part FRAUD-REPEAT-REVISIT: rules[0].predicate: rules/fraud_repeat_alerts.sql: parameters not used" in msg
    assert "part FRAUD-URGENT-VISIT: rules[0].params: parameter min_amount_cny: must be a number" in msg


def test_rule_params_render_into_sql(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-GROUP-RENTAL-SPACE",
              lambda p: p["rules"][0].update(params={"min_m2_per_person": 6.5}))
    assert "floor_area_m2 < 6.5 * active_persons" in load_catalogue(cat_dir).rule("house_group_rental_space").sql()


def test_every_problem_is_reported_at_once(cat_dir: Path) -> None:
    edit_part(cat_dir, "housing", "HOUSE-OVER10", lambda p: p.pop("evaluation"))
    edit_part(cat_dir, "community", "COMM-VOLUNTEER", lambda p: p.pop("steps"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue(cat_dir)
    assert info.value.errors == [
        "parts/housing.yaml: part HOUSE-OVER10: evaluation: field required",
        "parts/community.yaml: part COMM-VOLUNTEER: steps: field required",
    ]


def test_yaml_duplicate_keys_and_syntax_errors_rejected(cat_dir: Path) -> None:
    path = cat_dir / "parts" / "dispute.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  priority: 2\n", "  priority: 2\n  priority: 3\n", 1), encoding="utf-8")
    assert "parts/dispute.yaml: cannot parse YAML: " in load_error(cat_dir)
    assert "duplicate key 'priority'" in load_error(cat_dir)
    (cat_dir / "departments.yaml").write_text("departments: [\n", encoding="utf-8")
    assert "departments.yaml: cannot parse YAML" in load_error(cat_dir)


def test_unknown_parts_file_rejected(cat_dir: Path) -> None:
    shutil.copy(cat_dir / "parts" / "dispute.yaml", cat_dir / "parts" / "traffic.yaml")
    assert "parts/traffic.yaml: file name must be a category id" in load_error(cat_dir)


def test_render_predicate_shapes() -> None:
    assert render_predicate("-- doc\nvenue_type in {{ params.t }}\n", {"t": ["hotel", "o'k"]}) == (
        "venue_type in ('hotel', 'o''k')"
    )
    for bad, message in [
        ("a > 1;", "without ';'"),
        ("a > 1 -- trailing", "whole-line"),
        ("select 1", "not a query"),
        ("a > {% if x %}1{% endif %}", "template syntax"),
    ]:
        with pytest.raises(ValueError, match=message):
            render_predicate(bad, {})


# --- predicates in DuckDB ------------------------------------------------------------------------------

# The views as the brief fixes them (kept independent of VIEW_COLUMNS so that drift is caught).
VIEW_DDL = {
    "rule_houses": """object_id VARCHAR, house_id VARCHAR, community_id VARCHAR, station_id VARCHAR,
        house_use VARCHAR, floor_area_m2 DOUBLE, verified_on DATE, active_persons INTEGER,
        floating_persons INTEGER, elderly_persons INTEGER, minors INTEGER, run_date DATE""",
    "rule_persons": """object_id VARCHAR, community_id VARCHAR, station_id VARCHAR, house_id VARCHAR,
        gender VARCHAR, birth_date DATE, age_years INTEGER, hukou_type VARCHAR, moved_in_on DATE, status VARCHAR,
        house_active_persons INTEGER, alerts_today INTEGER, alerts_today_max_risk INTEGER, alerts_30d INTEGER,
        amount_at_risk_today DOUBLE, run_date DATE""",
    "rule_venues": """object_id VARCHAR, venue_id VARCHAR, venue_type VARCHAR, community_id VARCHAR,
        station_id VARCHAR, license_expiry DATE, last_inspected_on DATE, open_violations INTEGER, run_date DATE""",
    "rule_communities": """object_id VARCHAR, community_id VARCHAR, station_id VARCHAR, residents INTEGER,
        floating_residents INTEGER, houses INTEGER, rental_houses INTEGER, venues INTEGER, alerts_7d INTEGER,
        active_officers INTEGER, run_date DATE""",
}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for view, ddl in VIEW_DDL.items():
        c.execute(f"create table {view} ({ddl})")
    yield c
    c.close()


def test_view_contract_matches_brief(con: duckdb.DuckDBPyConnection) -> None:
    for view, columns in VIEW_COLUMNS.items():
        actual = con.execute(f"select column_name, column_type from (describe {view})").fetchall()
        assert dict(actual) == columns, view


@pytest.mark.parametrize("rule_id", [r.id for r in load_catalogue().rules])
def test_every_predicate_runs_on_empty_views(con: duckdb.DuckDBPyConnection, catalogue: Catalogue,
                                             rule_id: str) -> None:
    rule = catalogue.rule(rule_id)
    assert con.execute(f"select object_id from {rule.view} where ({rule.sql()})").fetchall() == []
    assert con.execute(rule.select_sql()).fetchall() == []


def test_check_predicates_helper(catalogue: Catalogue) -> None:
    assert check_predicates(catalogue) == []


def insert(con: duckdb.DuckDBPyConnection, view: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        row = {**row, "run_date": RUN}
        cols = ", ".join(row)
        con.execute(f"insert into {view} ({cols}) values ({', '.join('?' for _ in row)})", list(row.values()))


def issued(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, rule_id: str) -> set[str]:
    rule = catalogue.rule(rule_id)
    return {r[0] for r in con.execute(f"select object_id from {rule.view} where ({rule.sql()})").fetchall()}


def test_house_over10_population_boundary(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    insert(con, "rule_houses", [
        {"object_id": "h10", "house_use": "residential", "floor_area_m2": 200.0, "active_persons": 10},
        {"object_id": "h11", "house_use": "residential", "floor_area_m2": 200.0, "active_persons": 11},
        {"object_id": "h0", "house_use": "vacant", "floor_area_m2": 50.0, "active_persons": 0},
    ])
    assert issued(con, catalogue, "house_over10_population") == {"h11"}


def test_house_over10_fire_area_boundary(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    insert(con, "rule_houses", [
        {"object_id": "rent_exact", "house_use": "rental", "floor_area_m2": 12.0, "active_persons": 3},
        {"object_id": "rent_under", "house_use": "rental", "floor_area_m2": 3.99 * 3, "active_persons": 3},
        {"object_id": "group_under", "house_use": "group_rental", "floor_area_m2": 3.99, "active_persons": 1},
        {"object_id": "group_exact", "house_use": "group_rental", "floor_area_m2": 4.0, "active_persons": 1},
        {"object_id": "res_under", "house_use": "residential", "floor_area_m2": 1.0, "active_persons": 3},
        {"object_id": "rent_empty", "house_use": "rental", "floor_area_m2": 0.0, "active_persons": 0},
    ])
    assert issued(con, catalogue, "house_over10_fire_area") == {"rent_under", "group_under"}


def test_group_rental_space_parameter_boundary(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    insert(con, "rule_houses", [
        {"object_id": "exact", "house_use": "group_rental", "floor_area_m2": 15.0, "active_persons": 3},
        {"object_id": "under", "house_use": "group_rental", "floor_area_m2": 14.97, "active_persons": 3},
        {"object_id": "rental", "house_use": "rental", "floor_area_m2": 1.0, "active_persons": 3},
    ])
    assert issued(con, catalogue, "house_group_rental_space") == {"under"}


@pytest.mark.parametrize(
    ("venue_type", "days"),
    [("entertainment", 15), ("hotel", 30), ("internet_cafe", 30), ("pawnshop", 90), ("scrap_recycling", 90),
     ("used_phone", 90), ("print_shop", 90)],
)
def test_venue_inspect_boundary(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, venue_type: str,
                                days: int) -> None:
    insert(con, "rule_venues", [
        {"object_id": "at_n", "venue_type": venue_type, "last_inspected_on": RUN - timedelta(days=days)},
        {"object_id": "after_n", "venue_type": venue_type, "last_inspected_on": RUN - timedelta(days=days + 1)},
        {"object_id": "never", "venue_type": venue_type, "last_inspected_on": None},
        {"object_id": "today", "venue_type": venue_type, "last_inspected_on": RUN},
    ])
    assert issued(con, catalogue, "venue_inspect_due") == {"after_n", "never"}


def test_venue_license_boundary(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    insert(con, "rule_venues", [
        {"object_id": "plus29", "venue_type": "hotel", "license_expiry": RUN + timedelta(days=29)},
        {"object_id": "plus30", "venue_type": "hotel", "license_expiry": RUN + timedelta(days=30)},
        {"object_id": "expired", "venue_type": "hotel", "license_expiry": RUN - timedelta(days=1)},
    ])
    assert issued(con, catalogue, "venue_license_expiring") == {"plus29", "expired"}


def test_floating_new_boundary(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    base = {"status": "active", "hukou_type": "floating"}
    insert(con, "rule_persons", [
        {**base, "object_id": "six", "moved_in_on": RUN - timedelta(days=6)},
        {**base, "object_id": "seven", "moved_in_on": RUN - timedelta(days=7)},
        {**base, "object_id": "today", "moved_in_on": RUN},
        {**base, "object_id": "tomorrow", "moved_in_on": RUN + timedelta(days=1)},
        {**base, "object_id": "local", "hukou_type": "local", "moved_in_on": RUN},
        {**base, "object_id": "gone", "status": "moved_out", "moved_in_on": RUN},
    ])
    assert issued(con, catalogue, "floating_new_arrival") == {"six", "today"}


def test_fraud_dissuade_boundary(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    insert(con, "rule_persons", [
        {"object_id": "risk1", "status": "active", "alerts_today": 1, "alerts_today_max_risk": 1},
        {"object_id": "risk2", "status": "active", "alerts_today": 1, "alerts_today_max_risk": 2},
        {"object_id": "risk3", "status": "active", "alerts_today": 2, "alerts_today_max_risk": 3},
        {"object_id": "none", "status": "active", "alerts_today": 0, "alerts_today_max_risk": None},
        {"object_id": "dead", "status": "deceased", "alerts_today": 1, "alerts_today_max_risk": 3},
    ])
    assert issued(con, catalogue, "fraud_dissuade_alert") == {"risk2", "risk3"}
    assert issued(con, catalogue, "fraud_low_risk_remind") == {"risk1"}


def test_residence_permit_window(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    base = {"status": "active", "hukou_type": "floating"}
    insert(con, "rule_persons", [
        {**base, "object_id": f"d{d}", "moved_in_on": RUN - timedelta(days=d)} for d in (179, 180, 186, 187)
    ])
    assert issued(con, catalogue, "pop_residence_permit_due") == {"d180", "d186"}
