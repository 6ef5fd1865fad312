"""Supervision (督办) and hand-off publishing through the real night (SPEC 12, issue #17): escalation at
exactly +72 h, the leader of the officers snapshot in effect (lowest active id; none: null and flagged),
the leaders' supervision lists on each later run date until completion, a leader with no tasks of their
own getting a package, the departments' hand-off documents (no personal data; addresses for houses and
venues), and byte-identical re-runs that send nothing twice."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from builders import Landing, id_number, phone
from opsdata import completion, local, write_completions
from standard_parts.config import Settings
from standard_parts.pipeline import run_date_stages

D = [date(2026, 10, 1) + timedelta(days=n) for n in range(7)]  # D[0] .. D[6]
FRAUD = "FRAUD-DISSUADE"  # due_hours 24: issued D 08:00, due D+1 08:00, escalated at D+4 08:00 (+72 h)


def instruction(iid: str, part: str, object_type: str, object_id: str, department: str, day: date) -> dict:
    return dict(instruction_id=iid, department=department, standard_part_id=part, object_type=object_type,
                object_id=object_id, reason="测试", issued_at=local(day, 7).isoformat())


def write_events(landing: Path, day: date, rows: list[dict]) -> None:
    folder = landing / "handoffs" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handoff_events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def ops(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def task_of(settings, object_id: str, part: str) -> tuple[str, str]:
    ((task_id, officer_id),) = ops(settings, "select task_id, officer_id from ops.tasks where object_id = ? "
                                             "and standard_part_id = ?", [object_id, part])
    return task_id, officer_id


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """Seven nights of a small city (ST1: leaders O3 and O4, plus an inactive O0, none with tasks of
    their own; ST3: no leader).

    A = FRAUD-DISSUADE of person 10 (ST1), issued D0, completed on D6 (file D6);
    B = FRAUD-DISSUADE of person 11 (ST1), issued D1, never completed;
    C = FRAUD-DISSUADE of person 20 (ST3, no leader), issued D0;
    from D5 the officers snapshot makes O3 inactive, so B (escalated D5) goes to O4 while A stays O3's;
    H = HOUSE-OVER10 of H1 and V = VENUE-INSPECT of V1, issued D0, completed on D1 handing off to
    market_regulation and to 城管局 (not configured).
    """
    root = tmp_path_factory.mktemp("supervision")
    outbox = root / "out"
    settings = Settings(landing=root / "landing", warehouse=root / "wh", publish=f"folder:{outbox}")
    land = Landing.small_city(settings.landing)
    land.rows["stations"].append(dict(station_id="ST3", station_name="湖里派出所", district="湖里区",
                                      branch_bureau="湖里分局"))
    land.rows["communities"].append(dict(community_id="C3", community_name="殿前社区", station_id="ST3"))
    land.rows["officers"] += [
        dict(officer_id="O4", officer_name="赵所长", station_id="ST1", community_id="", role="leader", active="true"),
        dict(officer_id="O0", officer_name="钱所长", station_id="ST1", community_id="", role="leader", active="false"),
        dict(officer_id="O5", officer_name="孙警官", station_id="ST3", community_id="C3", role="community",
             active="true"),
        # C2's own officer, so that no task falls back to the station's leaders
        dict(officer_id="O6", officer_name="周警官", station_id="ST1", community_id="C2", role="community",
             active="true"),
    ]
    land.rows["houses"].append(dict(house_id="H4", address="湖里区殿前路4号", community_id="C3",
                                    house_use="residential", floor_area_m2="80", owner_id_number=id_number(4),
                                    verified_on="2026-01-01"))
    land.rows["persons"].append(dict(id_number=id_number(20), name="周某", gender="F", birth_date="1985-05-05",
                                     phone=phone(20), hukou_type="local", house_id="H4", moved_in_on="2020-01-01",
                                     status="active"))
    person = {n: id_number(10 + n) for n in range(2)}
    instructions = {
        D[0]: [instruction("I-A", FRAUD, "person", person[0], "anti_fraud", D[0]),
               instruction("I-C", FRAUD, "person", id_number(20), "anti_fraud", D[0]),
               instruction("I-H", "HOUSE-OVER10", "house", "H1", "population", D[0]),
               instruction("I-V", "VENUE-INSPECT", "venue", "V1", "public_order", D[0])],
        D[1]: [instruction("I-B", FRAUD, "person", person[1], "anti_fraud", D[1])],
    }
    ids: dict[str, tuple[str, str]] = {}
    for n, day in enumerate(D):
        if n == 5:  # O3 leaves active duty: D5's snapshot has O4 as the station's only active leader
            for o in land.rows["officers"]:
                if o["officer_id"] == "O3":
                    o["active"] = "false"
        land.rows["instructions"] = instructions.get(day, [])
        land.write(day)
        rows = []
        if n == 1:
            h, v = ids["H"], ids["V"]
            rows = [completion("CH", h[0], local(day, 9), officer=h[1], handoff="market_regulation"),
                    completion("CV", v[0], local(day, 9, 30), officer=v[1], part="VENUE-INSPECT", handoff="城管局")]
        if n == 6:
            a = ids["A"]
            rows = [completion("CA", a[0], local(day, 10), officer=a[1], part=FRAUD, handoff="urban_management")]
        write_completions(settings.landing, day, rows)
        write_events(settings.landing, day, [])
        run_date_stages(settings, day, build_marts=False)
        if n == 0:
            ids.update(A=task_of(settings, person[0], FRAUD), C=task_of(settings, id_number(20), FRAUD),
                       H=task_of(settings, "H1", "HOUSE-OVER10"), V=task_of(settings, "V1", "VENUE-INSPECT"))
        if n == 1:
            ids["B"] = task_of(settings, person[1], FRAUD)
    return settings, outbox, ids


def package(outbox: Path, day: date, officer: str) -> dict | None:
    path = outbox / day.isoformat() / f"{officer}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def test_escalation_once_at_exactly_72_hours_to_the_leader_in_effect(week):
    settings, _, ids = week
    rows = ops(settings, "select task_id, escalated_on, leader_officer_id, flagged, hours_overdue "
                         "from ops.escalations order by escalated_on, task_id")
    expected = sorted([
        (ids["A"][0], D[4], "O3", False, 72),  # due D1 08:00 + 72 h = D4's issued_at: escalated on D4, not D3
        (ids["C"][0], D[4], None, True, 72),   # ST3 has no leader: null and flagged
        (ids["B"][0], D[5], "O4", False, 72),  # D5's snapshot: O3 inactive, O0 inactive -> O4
    ], key=lambda r: (r[1], r[0]))
    assert rows == expected


def supervision(outbox: Path, day: date, officer: str) -> list[tuple] | None:
    p = package(outbox, day, officer)
    if p is None:
        return None
    return [(s["task_id"], s["officer_id"], s["standard_part_id"], s["due_at"], s["hours_overdue"])
            for s in p["supervision_list"]]


def test_supervision_lists_follow_each_date_until_completion(week):
    _, outbox, ids = week
    (a, oa), (b, ob) = ids["A"], ids["B"]
    due_a, due_b = "2026-10-02T08:00:00+08:00", "2026-10-03T08:00:00+08:00"
    # leaders have no tasks of their own: no package before they supervise anything
    assert [supervision(outbox, D[n], "O3") for n in range(4)] == [None] * 4
    assert supervision(outbox, D[4], "O3") == [(a, oa, FRAUD, due_a, 72)]
    assert supervision(outbox, D[5], "O3") == [(a, oa, FRAUD, due_a, 96)]  # stays O3's though O3 is inactive
    assert supervision(outbox, D[6], "O3") is None  # A completed (landed D6): nothing left to supervise
    assert supervision(outbox, D[4], "O4") is None
    assert supervision(outbox, D[5], "O4") == [(b, ob, FRAUD, due_b, 72)]
    assert supervision(outbox, D[6], "O4") == [(b, ob, FRAUD, due_b, 96)]
    leader = package(outbox, D[4], "O3")
    assert leader["business_list"] == [] and leader["package_id"] == "PKG-20261005-O3"
    # the community officers' own packages carry an empty supervision list
    assert package(outbox, D[4], oa)["supervision_list"] == []


def test_handoff_documents_per_department_without_personal_data(week):
    settings, outbox, ids = week
    folder = outbox / "handoffs" / D[1].isoformat()
    files = sorted(p.name for p in folder.glob("*.json"))
    unrouted = [f for f in files if f.startswith("unrouted-")]
    assert files == sorted(["market_regulation.json", "manifest.json", *unrouted]) and len(unrouted) == 1
    market = json.loads((folder / "market_regulation.json").read_text(encoding="utf-8"))
    h = ids["H"][0]
    assert market == {
        "document_id": "HO-20261002-market_regulation", "run_date": "2026-10-02",
        "department": "market_regulation", "department_code": "market_regulation", "routed": True,
        "ack_hours": 24, "resolve_hours": 168,
        "handoffs": [{"handoff_id": "CH", "task_id": h, "standard_part_id": "HOUSE-OVER10", "station_id": "ST1",
                      "community_id": "C1", "object_type": "house", "address": "思明区百家村路1号",
                      "opened_at": "2026-10-02T09:00:00+08:00", "ack_due_at": "2026-10-03T09:00:00+08:00",
                      "resolve_due_at": "2026-10-09T09:00:00+08:00"}],
    }
    venue = json.loads((folder / unrouted[0]).read_text(encoding="utf-8"))
    assert (venue["department"], venue["routed"], venue["handoffs"][0]["address"]) == ("城管局", False,
                                                                                       "鹭江宾馆（百家村社区）")
    person = json.loads((outbox / "handoffs" / D[6].isoformat() / "urban_management.json").read_text("utf-8"))
    assert [(x["handoff_id"], x["object_type"], x["address"]) for x in person["handoffs"]] == [("CA", "person", None)]
    # nothing of a resident: no id number, phone or name in any hand-off document
    text = "".join(p.read_text(encoding="utf-8") for p in (outbox / "handoffs").rglob("*.json"))
    for serial in (10, 11, 20):
        assert id_number(serial) not in text and phone(serial) not in text
    assert "周某" not in text and "张0" not in text
    # ledgered under the target's hand-off place, one row per document, all delivered once
    rows = ops(settings, "select target, package_id, status, attempts from publish.deliveries "
                         "where package_id like 'HO-%' order by package_id")
    assert [(r[1], r[2], r[3]) for r in rows] == sorted(
        [("HO-20261002-market_regulation", "delivered", 1), (f"HO-20261002-{unrouted[0][:-5]}", "delivered", 1),
         ("HO-20261007-urban_management", "delivered", 1)])
    assert {r[0] for r in rows} == {f"folder:{(outbox / 'handoffs').resolve()}"}


def test_a_rerun_is_byte_identical_and_sends_nothing_again(week):
    settings, outbox, _ = week
    before = {p: p.read_bytes() for p in outbox.rglob("*.json")}
    ledger = ops(settings, "select target, package_id, sha256, attempts, delivered_at from publish.deliveries")
    run_date_stages(settings, D[6], build_marts=False)
    assert {p: p.read_bytes() for p in outbox.rglob("*.json")} == before
    assert sorted(ops(settings, "select target, package_id, sha256, attempts, delivered_at "
                                "from publish.deliveries")) == sorted(ledger)
