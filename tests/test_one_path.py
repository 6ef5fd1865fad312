"""One place per concept (issue #12): the catalogue tables have one writer, the officer work code one
definition, and every feed one loader and one gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from standard_parts.catalogue import CATALOGUE_DIR, load_catalogue
from standard_parts.catalogue.tables import materialise
from standard_parts.store import connect_ops


@pytest.fixture
def ops_con(settings):
    con = connect_ops(settings)
    yield con
    con.close()


def test_materialise_writes_the_validated_catalogue(ops_con):
    catalogue = load_catalogue()
    materialise(ops_con)
    parts = ops_con.execute("select standard_part_id, object_type, due_hours, category_name_zh, collect_view "
                            "from ops.catalogue_parts order by 1").fetchall()
    assert [p[0] for p in parts] == sorted(p.id for p in catalogue.parts)
    by_id = {p.id: p for p in catalogue.parts}
    for part_id, object_type, due_hours, category_name, collect_view in parts:
        part = by_id[part_id]
        assert (object_type, due_hours) == (part.object_type, part.evaluation.due_hours)
        assert category_name == catalogue.category(part.category).name_zh
        assert collect_view == (part.updates_on_completion.view if part.updates_on_completion else None)
    steps = ops_con.execute("select count(*), count(*) filter (where required) from ops.catalogue_steps").fetchone()
    assert steps == (sum(len(p.steps) for p in catalogue.parts),
                     sum(s.required for p in catalogue.parts for s in p.steps))
    assert ops_con.execute("select count(*) from ops.catalogue_departments").fetchone()[0] == \
        len(catalogue.departments)
    assert ops_con.execute("select digest from ops.catalogue_version").fetchall() == [(catalogue.digest,)]


def test_materialise_skips_an_unchanged_catalogue_and_rewrites_a_changed_one(ops_con, tmp_path):
    materialise(ops_con)
    ops_con.execute("update ops.catalogue_parts set due_hours = -1")  # a marker: kept only if skipped
    materialise(ops_con)
    assert ops_con.execute("select max(due_hours) from ops.catalogue_parts").fetchone()[0] == -1

    changed = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, changed)
    part_file = sorted((changed / "parts").glob("*.yaml"))[0]
    part_file.write_text(part_file.read_text(encoding="utf-8") + "\n# a comment changes the digest\n",
                         encoding="utf-8")
    other = load_catalogue(changed)
    assert other.digest != load_catalogue().digest
    materialise(ops_con, other)
    assert ops_con.execute("select min(due_hours) from ops.catalogue_parts").fetchone()[0] > 0
    assert ops_con.execute("select digest from ops.catalogue_version").fetchall() == [(other.digest,)]


@pytest.mark.parametrize(("green", "yellow", "red", "expected"), [
    (0, 0, 0, None),
    (19, 0, 1, "red"),       # red share exactly 5 %
    (20, 0, 1, "green"),     # 1 of 21: red and yellow + red both 4.76 %
    (90, 9, 1, "yellow"),    # yellow + red exactly 10 %
    (91, 8, 1, "green"),     # 9 %
    (100, 0, 0, "green"),
])
def test_officer_code_is_one_macro_with_the_spec_boundaries(ops_con, green, yellow, red, expected):
    got = ops_con.execute("select ops.officer_code(?, ?, ?, 0.05, 0.10)", [green, yellow, red]).fetchone()[0]
    assert got == expected


def test_officer_code_follows_the_thresholds_given(ops_con):
    assert ops_con.execute("select ops.officer_code(95, 0, 5, 0.06, 0.10)").fetchone()[0] == "green"
    assert ops_con.execute("select ops.officer_code(95, 0, 5, 0.05, 0.10)").fetchone()[0] == "red"
    assert ops_con.execute("select ops.officer_code(97, 3, 0, 0.05, 0.03)").fetchone()[0] == "yellow"


def test_no_module_keeps_its_own_copy_of_a_shared_concept():
    """The places that used to hold second copies stay gone."""
    from importlib.resources import files

    root = files("standard_parts")
    assert not (root / "completions" / "ingest.py").is_file()
    assert not (root / "completions" / "gate.py").is_file()
    package = Path(str(root))
    python = {p.relative_to(package).as_posix(): p.read_text(encoding="utf-8") for p in package.rglob("*.py")}
    # the catalogue reaches DuckDB only through catalogue/tables.py
    writers = [name for name, text in python.items()
               if "create or replace table ops.catalogue_" in text or "temp table gen_part_" in text]
    assert writers == ["catalogue/tables.py"]
    # the work-code rule is SQL in ops_schema.sql, not Python
    assert not any("def officer_code(" in text for text in python.values())
    sql = (root / "sql" / "ops_schema.sql").read_text(encoding="utf-8")
    assert "create or replace macro ops.officer_code" in sql


def test_the_scorecard_mart_calls_the_ops_macro():
    dbt = Path(__file__).resolve().parents[1] / "dbt"
    model = (dbt / "models" / "marts" / "officer_scorecard.sql").read_text(encoding="utf-8")
    assert "officer_code(" in model and "red_share_threshold" not in model
    macro = (dbt / "macros" / "as_of.sql").read_text(encoding="utf-8")
    assert "ops_store.ops.officer_code(" in macro


def test_a_macro_of_an_attached_read_only_store_is_callable(settings):
    """dbt reads the rule from the operational store attached read-only, as profiles.yml does."""
    con = connect_ops(settings)
    con.close()
    reader = duckdb.connect()
    reader.execute("attach ? as ops_store (read_only)", [str(settings.ops_path)])
    assert reader.execute("select ops_store.ops.officer_code(9, 0, 1, 0.05, 0.10)").fetchone()[0] == "red"
    reader.close()
