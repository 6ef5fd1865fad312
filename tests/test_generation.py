"""Task generation (SPEC 4 and 5): reference rules at their boundaries, merging, suppression,
determinism and assignment, through ingest + generate on hand-made feeds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from builders import Landing, id_number, phone
from standard_parts.pipeline import INGEST_ORDER, generate, ingest

D0 = date(2026, 10, 10)
TZ = ZoneInfo("Asia/Shanghai")


def run(settings, land: Landing, day: date = D0, write: bool = True) -> None:
    if write:
        land.write(day)
    for feed in INGEST_ORDER:
        ingest(settings, feed, day)
    generate(settings, day)


def tasks(settings, part: str | None = None, day: date | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    try:
        return con.execute(
            """select object_id, task_id, officer_id, flagged, departments, rules, instruction_ids, run_date
               from ops.tasks where (? is null or standard_part_id = ?) and (? is null or run_date = ?)
               order by object_id, run_date""",
            [part, part, day, day],
        ).fetchall()
    finally:
        con.close()


def objects(settings, part: str, day: date = D0) -> set[str]:
    return {t[0] for t in tasks(settings, part, day)}


def person(serial: int, house: str, **over) -> dict:
    row = dict(id_number=id_number(serial), name=f"测试{serial}", gender="M", birth_date="1990-01-01",
               phone=phone(serial), hukou_type="local", house_id=house, moved_in_on="2020-01-01", status="active")
    row.update(over)
    return row


def house(house_id: str, use: str, area: float, community: str = "C1") -> dict:
    return dict(house_id=house_id, address=f"测试路{house_id}号", community_id=community, house_use=use,
                floor_area_m2=str(area), owner_id_number=id_number(99), verified_on="2026-01-01")


def test_house_over10_population_boundary(settings):
    land = Landing.small_city(settings.landing)
    land.rows["houses"] += [house("HA", "residential", 500), house("HB", "residential", 500)]
    land.rows["persons"] += [person(100 + i, "HA") for i in range(10)]  # exactly 10: no
    land.rows["persons"] += [person(200 + i, "HB") for i in range(11)]  # 11: yes
    land.rows["persons"] += [person(300, "HA", status="moved_out"), person(301, "HA", status="deceased")]
    run(settings, land)
    assert objects(settings, "HOUSE-OVER10") == {"HB"}
    (_, _, _, _, departments, rules, _, _), = tasks(settings, "HOUSE-OVER10")
    assert departments == ["population"] and rules == ["house_over10_population"]


@pytest.mark.parametrize(
    ("use", "area", "persons", "issued"),
    [
        ("rental", 8.0, 2, False),  # exactly 4 m2 per person: not less than 4 x persons
        ("rental", 7.99, 2, True),
        ("group_rental", 11.99, 3, True),
        ("group_rental", 12.0, 3, False),
        ("residential", 1.0, 2, False),  # only rentals count for fire safety
        ("rental", 1.0, 0, False),  # needs at least one active person
    ],
)
def test_house_over10_fire_safety_boundary(settings, use, area, persons, issued):
    land = Landing.small_city(settings.landing)
    land.rows["houses"].append(house("HX", use, area))
    land.rows["persons"] += [person(400 + i, "HX") for i in range(persons)]
    run(settings, land)
    assert ("HX" in objects(settings, "HOUSE-OVER10")) is issued
    if issued:
        assert [t[4] for t in tasks(settings, "HOUSE-OVER10")] == [["fire_safety"]]


@pytest.mark.parametrize(("venue_type", "n"), [("entertainment", 15), ("hotel", 30), ("internet_cafe", 30),
                                               ("pawnshop", 90), ("scrap_recycling", 90), ("used_phone", 90),
                                               ("print_shop", 90)])
def test_venue_inspect_boundary_per_type(settings, venue_type, n):
    land = Landing.small_city(settings.landing)

    def venue(vid, inspected):
        return dict(venue_id=vid, venue_name=f"场所{vid}", venue_type=venue_type, community_id="C1",
                    license_no=f"L{vid}", license_expiry="2030-01-01", last_inspected_on=inspected,
                    open_violations="0")

    land.rows["venues"] = [venue("VN", (D0 - timedelta(days=n)).isoformat()),
                           venue("VN1", (D0 - timedelta(days=n + 1)).isoformat()),
                           venue("VE", "")]
    run(settings, land)
    assert objects(settings, "VENUE-INSPECT") == {"VN1", "VE"}


def test_venue_license_boundary(settings):
    land = Landing.small_city(settings.landing)
    for v, days in ((land.rows["venues"][0], 29), (land.rows["venues"][1], 30)):
        v["license_expiry"] = (D0 + timedelta(days=days)).isoformat()
    land.rows["venues"].append(dict(land.rows["venues"][0], venue_id="V3", license_no="L3",
                                    license_expiry=(D0 - timedelta(days=3)).isoformat()))
    run(settings, land)
    assert objects(settings, "VENUE-LICENSE") == {"V1", "V3"}


def test_floating_new_boundary(settings):
    land = Landing.small_city(settings.landing)
    day = lambda k: (D0 - timedelta(days=k)).isoformat()  # noqa: E731
    land.rows["persons"] += [
        person(500, "H3", hukou_type="floating", moved_in_on=day(6)),
        person(501, "H3", hukou_type="floating", moved_in_on=day(7)),
        person(502, "H3", hukou_type="floating", moved_in_on=day(0)),
        person(503, "H3", hukou_type="local", moved_in_on=day(1)),
        person(504, "H3", hukou_type="floating", moved_in_on=day(2), status="moved_out"),
        person(505, "H3", hukou_type="floating", moved_in_on=(D0 + timedelta(days=1)).isoformat()),
    ]
    run(settings, land)
    assert objects(settings, "FLOATING-NEW") == {id_number(500), id_number(502)}


def test_fraud_dissuade_matching(settings):
    land = Landing.small_city(settings.landing)
    land.rows["persons"] += [person(600 + i, "H3") for i in range(8)]
    land.rows["persons"].append(person(620, "H3", status="moved_out"))
    at = f"{D0.isoformat()}T10:00:00+08:00"

    def alert(i, **over):
        row = dict(alert_id=f"A{i}", raised_at=at, id_number=None, phone="13999999999", alert_type="fraud_call",
                   risk_level=2, amount_at_risk_cny=None)
        row.update(over)
        return row

    land.rows["alerts"] = [
        alert(1, id_number=id_number(600), risk_level=1),  # risk 1: no
        alert(2, id_number=id_number(601), risk_level=2),  # by id number: yes
        alert(3, id_number=id_number(602), risk_level=3),  # yes
        alert(4, phone=phone(603)),  # no id number: matched by phone: yes
        alert(5, id_number=id_number(700), phone=phone(604)),  # id given, not a resident: phone not used
        alert(6, phone="13999999999"),  # nobody on file
        alert(7, id_number=id_number(605), raised_at=f"{(D0 - timedelta(days=1)).isoformat()}T23:59:00+08:00"),
        alert(8, id_number=id_number(606), raised_at=f"{D0.isoformat()}T00:30:00+09:00"),  # 23:30 the day before
        alert(9, id_number=id_number(620)),  # moved out: not active
        alert(10, id_number=id_number(607), raised_at=f"{(D0 - timedelta(days=1)).isoformat()}T16:30:00Z"),
    ]
    run(settings, land)
    # alert 10: 16:30Z is 00:30 +08:00 on the run date: it counts.
    assert objects(settings, "FRAUD-DISSUADE") == {id_number(601), id_number(602), id_number(603),
                                                   id_number(607)}


def test_late_arriving_alert_never_triggers(settings):
    land = Landing.small_city(settings.landing)
    land.rows["persons"].append(person(650, "H3"))
    land.rows["alerts"] = [dict(alert_id="L1", raised_at=f"{(D0 - timedelta(days=1)).isoformat()}T12:00:00+08:00",
                                id_number=id_number(650), phone=phone(650), alert_type="fraud_sms", risk_level=3,
                                amount_at_risk_cny=5000)]
    run(settings, land)
    assert objects(settings, "FRAUD-DISSUADE") == set()


def test_person_tasks_carry_a_pseudonym_not_the_id_number(settings):
    land = Landing.small_city(settings.landing)
    land.rows["persons"].append(person(660, "H3", hukou_type="floating", moved_in_on=D0.isoformat()))
    run(settings, land)
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    (key, task_id), = con.execute(
        "select object_key, task_id from ops.tasks where standard_part_id = 'FLOATING-NEW'").fetchall()
    assert key.startswith("P") and id_number(660) not in key and id_number(660) not in task_id


def test_merging_across_departments_and_instructions(settings):
    land = Landing.small_city(settings.landing)
    land.rows["houses"].append(house("HM", "group_rental", 20))
    land.rows["persons"] += [person(700 + i, "HM") for i in range(11)]  # both HOUSE-OVER10 rules fire
    land.rows["instructions"] = [
        dict(instruction_id="IN1", department="anti_fraud", standard_part_id="HOUSE-OVER10", object_type="house",
             object_id="HM", reason="涉诈窝点线索", issued_at=f"{D0.isoformat()}T09:00:00+08:00"),
        dict(instruction_id="IN2", department="community_policing", standard_part_id="HOUSE-OVER10",
             object_type="house", object_id="HM", reason="群众举报", issued_at=f"{D0.isoformat()}T10:00:00+08:00"),
    ]
    run(settings, land)
    (obj, _, _, _, departments, rules, instructions, _), = tasks(settings, "HOUSE-OVER10")
    assert obj == "HM"
    assert departments == ["anti_fraud", "community_policing", "fire_safety", "population"]
    assert rules == ["house_over10_fire_area", "house_over10_population"]
    assert instructions == ["IN1", "IN2"]
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    stats = con.execute("select candidates, objects, merged_away, issued from ops.generation_stats "
                        "where standard_part_id = 'HOUSE-OVER10'").fetchall()
    assert stats == [(4, 1, 3, 1)]


def complete(settings, task_id: str, completed_at: datetime, file_date: date, outcome="done", all_steps=True):
    """Put an accepted completion straight into the ops store (the completions feed's contract)."""
    import json

    con = duckdb.connect(str(settings.ops_path))
    try:
        part = con.execute("select standard_part_id from ops.tasks where task_id = ?", [task_id]).fetchall()[0][0]
        from standard_parts.catalogue import load_catalogue

        steps = [{"step_id": s.id, "done": all_steps or i > 0} for i, s in
                 enumerate(load_catalogue().part(part).steps)]
        con.execute(
            "insert into ops.completions values (?, 'completions/x.jsonl', ?, ?, ?, 'O1', ?, ?, ?, 3, false, null)",
            [file_date, abs(hash((task_id, completed_at))) % 10_000, f"C-{task_id}-{completed_at:%d%H}", task_id,
             completed_at, outcome, json.dumps(steps)],
        )
    finally:
        con.close()


def test_suppression_while_open_and_during_cooldown(settings):
    """VENUE-INSPECT (cooldown 7 days) on a venue that is never inspected in the feed."""
    land = Landing.small_city(settings.landing)
    land.write(D0)
    run(settings, land, D0, write=False)
    first = {t[0]: t[1] for t in tasks(settings, "VENUE-INSPECT", D0)}
    assert set(first) == {"V2"}

    d1 = D0 + timedelta(days=1)
    run(settings, land, d1, write=False)
    assert objects(settings, "VENUE-INSPECT", d1) == set()  # still open

    # An invalid completion (a required step missing) and an 'unable' do not close it.
    complete(settings, first["V2"], datetime(2026, 10, 11, 9, tzinfo=TZ), d1, all_steps=False)
    complete(settings, first["V2"], datetime(2026, 10, 11, 9, 30, tzinfo=TZ), d1, outcome="unable")
    d2 = D0 + timedelta(days=2)
    run(settings, land, d2, write=False)
    assert objects(settings, "VENUE-INSPECT", d2) == set()

    # Valid completion at d2 10:00, landing on d2: closed; cooldown until d2 10:00 + 7 x 24 h.
    complete(settings, first["V2"], datetime(2026, 10, 12, 10, tzinfo=TZ), d2)
    for k in range(3, 10):  # d3 .. d9 at 08:00 are all before d9 10:00
        run(settings, land, D0 + timedelta(days=k), write=False)
        assert objects(settings, "VENUE-INSPECT", D0 + timedelta(days=k)) == set(), k
    d10 = D0 + timedelta(days=10)
    run(settings, land, d10, write=False)
    assert objects(settings, "VENUE-INSPECT", d10) == {"V2"}

    con = duckdb.connect(str(settings.ops_path), read_only=True)
    stats = {r[0]: r[1:] for r in con.execute(
        "select run_date, suppressed_open, suppressed_cooldown, issued from ops.generation_stats "
        "where standard_part_id = 'VENUE-INSPECT'").fetchall()}
    assert stats[d1] == (1, 0, 0)
    assert stats[d2] == (1, 0, 0)
    assert stats[D0 + timedelta(days=5)] == (0, 1, 0)
    assert stats[d10] == (0, 0, 1)


def test_rerun_yields_the_same_tasks(settings):
    land = Landing.small_city(settings.landing)
    land.rows["persons"] += [person(800 + i, "H2", hukou_type="floating", moved_in_on=D0.isoformat())
                             for i in range(11)]
    run(settings, land)
    before = tasks(settings)
    run(settings, land, write=False)
    run(settings, land, write=False)
    assert tasks(settings) == before and len(before) > 10
    assert len({t[1] for t in before}) == len(before)


def test_assignment_balances_load_and_flags_communities_without_officers(settings):
    land = Landing.small_city(settings.landing)
    land.rows["persons"] += [person(900 + i, "H1", hukou_type="floating", moved_in_on=D0.isoformat())
                             for i in range(10)]
    land.rows["persons"] += [person(950 + i, "H3", hukou_type="floating", moved_in_on=D0.isoformat())
                             for i in range(3)]
    run(settings, land)
    rows = tasks(settings, "FLOATING-NEW")
    # Every C1 task (other parts fire there too) is spread over O1 and O2: loads differ by at most one.
    c1 = [officer for _, _, officer, flagged, *_ in tasks(settings) if not flagged]
    assert set(c1) == {"O1", "O2"} and len(c1) >= 11
    assert abs(c1.count("O1") - c1.count("O2")) <= 1
    flagged = [(officer, flagged) for obj, _, officer, flagged, *_ in rows if obj in
               {id_number(950 + i) for i in range(3)}]
    # C2 has no community officer: tasks go to an active officer of its station, flagged.
    assert len(flagged) == 3 and all(f for _, f in flagged)
    assert {o for o, _ in flagged} <= {"O1", "O2", "O3"}


def test_station_without_active_officer_quarantines_the_object(settings):
    land = Landing.small_city(settings.landing)
    land.rows["communities"].append(dict(community_id="C3", community_name="空社区", station_id="ST2"))
    land.rows["venues"].append(dict(venue_id="V9", venue_name="无人管网吧", venue_type="internet_cafe",
                                    community_id="C3", license_no="L9", license_expiry="2030-01-01",
                                    last_inspected_on="", open_violations="0"))
    run(settings, land)
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    assert ("VENUE-INSPECT", "V9", "no_officer") in con.execute(
        "select standard_part_id, object_id, reason from ops.generation_quarantine").fetchall()
    assert "V9" not in objects(settings, "VENUE-INSPECT")
    unassignable = con.execute("select unassignable from ops.generation_stats "
                               "where standard_part_id = 'VENUE-INSPECT'").fetchall()
    assert unassignable == [(1,)]


def test_collect_once_use_many_times(settings):
    """A valid HOUSE-RENTAL-REGISTER completion sets the house's verified_on (the catalogue declares
    updates_on_completion), so the rental-registration rule stops firing once the cooldown ends;
    the reference rule HOUSE-OVER10 is unaffected by it."""
    land = Landing.small_city(settings.landing)
    land.rows["houses"][1]["verified_on"] = ""  # H2: rental, never verified
    land.rows["persons"] += [person(150 + i, "H2") for i in range(11)]  # HOUSE-OVER10 fires too
    land.write(D0)
    run(settings, land, D0, write=False)
    issued = {t[0]: t[1] for t in tasks(settings, "HOUSE-RENTAL-REGISTER", D0)}
    assert "H2" in issued
    complete(settings, issued["H2"], datetime(2026, 10, 10, 15, tzinfo=TZ), D0)
    later = D0 + timedelta(days=5)  # past the 3-day cooldown
    run(settings, land, later, write=False)
    assert "H2" not in objects(settings, "HOUSE-RENTAL-REGISTER", later)
    con = duckdb.connect(str(settings.ops_path), read_only=True)
    open_h2 = con.execute("select suppressed_open from ops.generation_stats where run_date = ? and "
                          "standard_part_id = 'HOUSE-OVER10'", [later]).fetchall()
    assert open_h2 == [(1,)]  # HOUSE-OVER10 on H2 is still open: its inputs are the feed's own values


def test_engine_views_keep_the_catalogue_contract(settings):
    """The rule views the engine builds have exactly the columns and types the catalogue's
    predicates are checked against (catalogue/schema.py VIEW_COLUMNS)."""
    from standard_parts.catalogue import VIEW_COLUMNS
    from standard_parts.generate.engine import prepare
    from standard_parts.store import ops_session

    run(settings, Landing.small_city(settings.landing))
    with ops_session(settings) as con:
        prepare(con, settings, D0)
        for view, columns in VIEW_COLUMNS.items():
            actual = con.execute(f"select column_name, column_type from (describe {view})").fetchall()
            assert dict(actual) == columns, view
            assert con.execute(f"select count(*) from {view}").fetchone()[0] > 0, view


def test_one_scan_per_view_matches_each_rule_on_its_own(settings):
    """candidates_sql evaluates every rule of a view in one pass; it must find exactly what each
    rule's own ``select object_id from view where (predicate)`` finds."""
    from standard_parts.catalogue import load_catalogue
    from standard_parts.generate.engine import prepare
    from standard_parts.store import ops_session

    land = Landing.small_city(settings.landing)
    land.rows["houses"] += [house("HA", "group_rental", 150), house("HB", "rental", 30)]
    land.rows["persons"] += [person(100 + i, "HA", hukou_type="floating") for i in range(12)]
    land.rows["persons"] += [person(200, "HB", birth_date="1930-05-01")]
    run(settings, land)
    catalogue = load_catalogue()
    with ops_session(settings) as con:
        prepare(con, settings, D0)
        one_pass = set(con.execute(
            "select rule_id, object_id from ops.tasks, unnest(rules) as u(rule_id) where run_date = ?", [D0]
        ).fetchall())
        each = set()
        for rule in catalogue.rules:
            each |= {(rule.id, oid) for (oid,) in con.execute(rule.select_sql()).fetchall()}
    # tasks are issued for rule hits not suppressed on the first day: all of them
    assert each, "the hand-made city should trigger some rules"
    assert one_pass == each
