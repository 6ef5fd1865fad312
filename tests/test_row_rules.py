"""Every row rule of SPEC section 3: a breaking row is quarantined with its reason, the rest go on."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from builders import Landing, id_number
from standard_parts.pipeline import INGEST_ORDER, ingest

DAY = date(2026, 10, 1)


def run_ingest(settings, land: Landing):
    land.write(DAY)
    settings.max_quarantine_share = 1.0  # these files are mostly bad on purpose
    for feed in INGEST_ORDER:
        ingest(settings, feed, DAY)
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    try:
        return con.execute(
            "select entity, line, reason from ingest.quarantine order by entity, line"
        ).fetchall()
    finally:
        con.close()


def alert(**over):
    row = dict(alert_id="A1", raised_at="2026-10-01T10:00:00+08:00", id_number=None, phone="13800000001",
               alert_type="fraud_call", risk_level=2, amount_at_risk_cny=100.5)
    row.update(over)
    return row


def instruction(**over):
    row = dict(instruction_id="I1", department="population", standard_part_id="HOUSE-OVER10", object_type="house",
               object_id="H1", reason="群众举报", issued_at="2026-10-01T09:30:00+08:00")
    row.update(over)
    return row


CASES = [
    # (entity, row index to change, changes, expected reason)
    ("stations", 1, {"station_name": ""}, "missing_required"),
    ("communities", 0, {"station_id": "ST9"}, "unknown_station"),
    ("officers", 0, {"role": "chief"}, "bad_enum"),
    ("officers", 0, {"active": "yes"}, "bad_enum"),
    ("officers", 0, {"community_id": ""}, "missing_required"),
    ("officers", 0, {"community_id": "C9"}, "unknown_community"),
    ("officers", 0, {"station_id": "ST9"}, "unknown_station"),
    ("houses", 0, {"owner_id_number": id_number(1)[:17] + ("0" if id_number(1)[17] != "0" else "1")}, "bad_id_number"),
    ("houses", 0, {"house_use": "palace"}, "bad_enum"),
    ("houses", 0, {"floor_area_m2": "abc"}, "bad_number"),
    ("houses", 0, {"floor_area_m2": "-5"}, "bad_number"),
    ("houses", 0, {"verified_on": "2026-13-45"}, "bad_date"),
    ("houses", 0, {"community_id": "C9"}, "unknown_community"),
    ("persons", 0, {"phone": "23800000001"}, "bad_phone"),
    ("persons", 0, {"phone": "1380000000"}, "bad_phone"),
    ("persons", 0, {"id_number": "35020319900101"}, "bad_id_number"),
    ("persons", 0, {"gender": "X"}, "bad_enum"),
    ("persons", 0, {"status": "gone"}, "bad_enum"),
    ("persons", 0, {"birth_date": "yesterday"}, "bad_date"),
    ("persons", 0, {"moved_in_on": "2026-02-30"}, "bad_date"),
    ("persons", 0, {"house_id": "H9"}, "unknown_house"),
    ("persons", 0, {"name": ""}, "missing_required"),
    ("venues", 0, {"venue_type": "casino"}, "bad_enum"),
    ("venues", 0, {"license_expiry": "31/12/2027"}, "bad_date"),
    ("venues", 0, {"open_violations": "-1"}, "bad_number"),
    ("venues", 0, {"community_id": "C9"}, "unknown_community"),
]


@pytest.mark.parametrize(("entity", "index", "changes", "reason"), CASES,
                         ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_snapshot_row_rule(settings, entity, index, changes, reason):
    land = Landing.small_city(settings.landing)
    land.rows[entity][index].update(changes)
    rejected = run_ingest(settings, land)
    line = index + 2  # header is line 1
    assert (entity, line, reason) in rejected
    # Only the broken row and rows that point at it are rejected.
    assert all(e == entity and ln == line or r == "parent_quarantined" for e, ln, r in rejected)


ALERT_CASES = [
    ({"risk_level": 5}, "bad_enum"),
    ({"alert_type": "fraud_letter"}, "bad_enum"),
    ({"raised_at": "2026-10-01 10:00:00"}, "bad_timestamp"),
    ({"raised_at": "yesterday"}, "bad_timestamp"),
    ({"id_number": "110105194912310021"}, "bad_id_number"),
    ({"phone": "23800000001"}, "bad_phone"),
    ({"amount_at_risk_cny": -1}, "bad_number"),
    ({"alert_id": None}, "missing_required"),
]


@pytest.mark.parametrize(("changes", "reason"), ALERT_CASES, ids=[c[1] + str(i) for i, c in enumerate(ALERT_CASES)])
def test_alert_row_rule(settings, changes, reason):
    land = Landing.small_city(settings.landing)
    land.rows["alerts"] = [alert(alert_id="A0"), alert(**changes)]
    assert run_ingest(settings, land) == [("alerts", 2, reason)]


def test_alert_nulls_allowed_where_the_spec_allows(settings):
    land = Landing.small_city(settings.landing)
    land.rows["alerts"] = [alert(id_number=None, amount_at_risk_cny=None), alert(alert_id="A2", id_number=id_number(10))]
    assert run_ingest(settings, land) == []


INSTRUCTION_CASES = [
    ({"standard_part_id": "NO-SUCH-PART"}, "unknown_standard_part"),
    ({"object_type": "venue", "object_id": "V1"}, "object_type_mismatch"),
    ({"object_id": "H9"}, "unknown_object"),
    ({"object_type": "castle"}, "bad_enum"),
    ({"issued_at": "2026-10-01"}, "bad_timestamp"),
]


@pytest.mark.parametrize(("changes", "reason"), INSTRUCTION_CASES,
                         ids=[c[1] for c in INSTRUCTION_CASES])
def test_instruction_row_rule(settings, changes, reason):
    land = Landing.small_city(settings.landing)
    land.rows["instructions"] = [instruction(instruction_id="I0"), instruction(**changes)]
    assert run_ingest(settings, land) == [("instructions", 3, reason)]


def test_person_instruction_resolves_by_id_number(settings):
    land = Landing.small_city(settings.landing)
    person = land.rows["persons"][0]["id_number"]
    land.rows["instructions"] = [instruction(standard_part_id="FRAUD-DISSUADE", object_type="person",
                                             object_id=person)]
    assert run_ingest(settings, land) == []


def test_duplicated_ids_quarantine_every_copy_and_their_children(settings):
    land = Landing.small_city(settings.landing)
    land.rows["houses"].append(dict(land.rows["houses"][0], address="另一个地址"))  # H1 twice
    rejected = run_ingest(settings, land)
    assert ("houses", 2, "duplicate_id") in rejected and ("houses", 5, "duplicate_id") in rejected
    # Two persons live in H1: their parent was quarantined, so they are too.
    assert [r for r in rejected if r[0] == "persons"] == [("persons", n, "parent_quarantined") for n in (2, 3)]


def test_row_accounting_and_reasons_in_the_registry(settings):
    land = Landing.small_city(settings.landing)
    land.rows["persons"][1]["phone"] = "1"
    run_ingest(settings, land)
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    rows = con.execute("select entity, rows_read, rows_accepted, rows_quarantined from ingest.files").fetchall()
    assert all(read == acc + q for _, read, acc, q in rows)
    assert ("persons", 4, 3, 1) in rows
