"""Hand-offs and their events (SPEC 12, issue #17): the handoffs feed through the common loader (every
quarantine reason, re-sent event_ids, row accounting, the gate) and the marts built from it
(``marts.handoff_sla_monthly``, ``marts.fct_handoffs``, hand-off columns of ``marts.fct_tasks``), on
hand-made data whose figures are worked out here from the SPEC's definitions."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest
from opsdata import D0, Ops, completion, local, query, write_completions
from standard_parts.analytics import build
from standard_parts.completions import run_stage
from standard_parts.pipeline import ingest_handoffs

D1, D2, D3, D7, D8 = (D0 + timedelta(days=n) for n in (1, 2, 3, 7, 8))
OPENED = local(D0, 10)  # every hand-off of the scenario opens at 2026-10-01 10:00 +08:00
UM = "urban_management"


def event(eid: str, handoff: str, kind: str, at, department: str = UM, note: str | None = None) -> dict:
    return {"event_id": eid, "handoff_id": handoff, "department": department, "event": kind,
            "at": at if isinstance(at, str) else at.isoformat(), "note": note}


def write_events(landing, day: date, rows: list) -> None:
    folder = landing / "handoffs" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "handoff_events.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")


@pytest.fixture
def opened(settings):
    """Tasks T1..T8 of D0 at ST1; D0's completions open hand-offs c1..c6 to urban_management and c7 to a
    department nobody configured (城管局); c8 hands off nothing."""
    with Ops(settings) as o:
        o.station("ST1").community("C1", "ST1").officer("O1", "ST1")
        for n in range(1, 9):
            o.task(f"T{n}")
    rows = [completion(f"c{n}", f"T{n}", OPENED, handoff=UM) for n in range(1, 7)]
    rows += [completion("c7", "T7", OPENED, handoff="城管局"), completion("c8", "T8", OPENED)]
    write_completions(settings.landing, D0, rows)
    run_stage(settings, D0)
    return settings


def quarantined(settings) -> list[tuple]:
    return query(settings.ops_path, "select file_date, line, reason from ingest.quarantine "
                                    "where entity = 'handoff_events' order by file_date, line")


def test_every_quarantine_reason_and_row_accounting(opened):
    settings = opened
    write_events(settings.landing, D1, [
        event("e1", "c1", "acknowledged", OPENED + timedelta(hours=24)),                  # 1 accepted
        event("q1", "c404", "acknowledged", local(D1, 9)),                                # 2 unknown_handoff
        event("q2", "c8", "acknowledged", local(D1, 9)),                                  # 3 unknown_handoff (no department)
        event("q3", "c1", "acknowledged", local(D1, 9), department="market_regulation"),  # 4 other_department
        event("q4", "c1", "resolved", local(D2, 0, 0, 0)),                                # 5 after_file_date
        event("q5", "c1", "acknowledged", OPENED - timedelta(seconds=1)),                 # 6 before_opened
        event("", "c1", "acknowledged", local(D1, 9)),                                    # 7 missing_required
        event("q7", "c1", "closed", local(D1, 9)),                                        # 8 bad_enum
        event("q8", "c1", "acknowledged", "2026-10-02 09:00"),                            # 9 bad_timestamp (no offset)
        "{not json",                                                                      # 10 malformed_row
        event("e2", "c2", "resolved", local(D1, 23, 59, 59), note="现场已处置"),           # 11 accepted (end of day)
        event("e1", "c1", "rejected", local(D1, 11)),                                     # 12 accepted, re-sent id
    ])
    (result,) = ingest_handoffs(settings, D1)
    assert quarantined(settings) == [
        (D1, 2, "unknown_handoff"), (D1, 3, "unknown_handoff"), (D1, 4, "other_department"),
        (D1, 5, "after_file_date"), (D1, 6, "before_opened"), (D1, 7, "missing_required"), (D1, 8, "bad_enum"),
        (D1, 9, "bad_timestamp"), (D1, 10, "malformed_row"),
    ]
    assert (result["rows_read"], result["rows_accepted"], result["rows_quarantined"]) == (12, 3, 9)
    assert query(settings.ops_path, "select rows_read, rows_accepted, rows_quarantined from ingest.files "
                                    "where entity = 'handoff_events'") == [(12, 3, 9)]
    # a hand-off opened by a completion file dated after the events file is unknown to it
    write_completions(settings.landing, D2, [completion("c9", "T8", local(D2, 9), handoff=UM)])
    run_stage(settings, D2)
    write_events(settings.landing, D1, [event("e9", "c9", "acknowledged", local(D1, 12))])
    ingest_handoffs(settings, D1)
    assert quarantined(settings) == [(D1, 1, "unknown_handoff")]  # the D1 file was replaced as a unit
    # re-running a date replaces its rows: no duplicates
    ingest_handoffs(settings, D1)
    assert query(settings.ops_path, "select count(*) from ops.handoff_events") == [(0,)]


def test_gate_records_the_feed_and_an_empty_file_is_a_delivery(opened):
    settings = opened
    write_events(settings.landing, D1, [])
    (result,) = ingest_handoffs(settings, D1)
    assert (result["rows_read"], result["rows_accepted"]) == (0, 0)
    gates = {r[0] for r in query(settings.ops_path, "select gate from ingest.gate_results where success")}
    assert "ingest.handoff_events" in gates and "ingest.files.handoffs" in gates


def sla_scenario(settings) -> None:
    """The boundaries of SPEC 12 (ack_hours 24, resolve_hours 168 as shipped):

    c1 acknowledged exactly at +24 h, resolved exactly at +168 h   -> ack on time, resolved on time
    c2 acknowledged at +24 h + 1 s, resolved at +168 h + 1 s       -> both late
    c3 resolved at +23 h with no separate acknowledgement          -> acknowledged (on time) and resolved on time
    c4 acknowledged at +23 h, in the next day's file (a day late)  -> on time, open, overdue at as_of
    c5 rejected at +48 h                                           -> acknowledged late, rejected, closed
    c6 nothing                                                     -> open, overdue
    c7 (城管局, not configured: defaults, unrouted) nothing        -> open, overdue
    e1 is re-sent in the next file with other content              -> counts once (first copy)
    """
    write_events(settings.landing, D1, [
        event("e1", "c1", "acknowledged", OPENED + timedelta(hours=24)),
        event("e3", "c3", "resolved", OPENED + timedelta(hours=23)),
    ])
    write_events(settings.landing, D2, [
        event("e2", "c2", "acknowledged", OPENED + timedelta(hours=24, seconds=1)),
        event("e4", "c4", "acknowledged", OPENED + timedelta(hours=23)),       # happened on D1, arrived D2
        event("e1", "c1", "rejected", OPENED + timedelta(hours=30)),           # re-sent id: ignored
    ])
    write_events(settings.landing, D3, [event("e5", "c5", "rejected", OPENED + timedelta(hours=48))])
    write_events(settings.landing, D7, [])
    write_events(settings.landing, D8, [
        event("e6", "c1", "resolved", OPENED + timedelta(hours=168)),
        event("e7", "c2", "resolved", OPENED + timedelta(hours=168, seconds=1)),
    ])
    for day in (D1, D2, D3, D7, D8):
        ingest_handoffs(settings, day)


def marts(settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


SLA = ("select month, department, department_code, routed, handoffs, acknowledged, acknowledged_on_time, "
       "resolved, resolved_on_time, rejected, open_overdue from marts.handoff_sla_monthly order by department")


def test_handoff_sla_monthly_at_its_boundaries(opened):
    settings = opened
    sla_scenario(settings)
    build(settings, D8)
    unrouted = marts(settings, "select department_code from marts.fct_handoffs where handoff_id = 'c7'")[0][0]
    assert unrouted.startswith("unrouted-")
    assert marts(settings, SLA) == [
        (date(2026, 10, 1), "urban_management", "urban_management", True, 6, 5, 3, 3, 2, 1, 2),
        (date(2026, 10, 1), "城管局", unrouted, False, 1, 0, 0, 0, 0, 0, 1),
    ]
    rows = marts(settings, "select handoff_id, acknowledged_on_time, resolved_on_time, closed, open_overdue, "
                           "hours_to_acknowledge from marts.fct_handoffs order by handoff_id")
    assert rows == [
        ("c1", True, True, True, False, 24.0), ("c2", False, False, True, False, 24 + 1 / 3600),
        ("c3", True, True, True, False, 23.0), ("c4", True, False, False, True, 23.0),
        ("c5", False, False, True, False, 48.0), ("c6", False, False, False, True, None),
        ("c7", False, False, False, True, None),
    ]
    # the department page carries the same figures (and no resident's data)
    from standard_parts.report.departments import build_departments_page

    page = build_departments_page(settings, D8).read_text(encoding="utf-8")
    kpi = json.loads(page.split('<script type="application/json" id="kpi-departments">')[1].split("</script>")[0])
    assert (kpi["handoffs"], kpi["acknowledged_on_time"], kpi["resolved_on_time"], kpi["open_overdue"]) == (7, 3, 2, 3)
    assert kpi["departments"]["城管局"]["open_overdue"] == 1 and "超期未办结" in page
    assert page.count("<tr><td") >= 2 + 3  # two department-months, three open overdue hand-offs
    # hand-off state on the task rows
    assert marts(settings, "select task_id, handoffs, handoffs_open from marts.fct_tasks "
                           "where task_id in ('T1', 'T4', 'T8') order by task_id") == [
        ("T1", 1, 0), ("T4", 1, 1), ("T8", 0, 0)]


def test_state_is_judged_at_the_as_of(opened):
    """At D1 nothing is overdue yet (+168 h is D7 10:00) and c4's acknowledgement has not arrived; events
    after as_of do not count."""
    settings = opened
    sla_scenario(settings)
    build(settings, D1)
    assert marts(settings, SLA)[0] == (date(2026, 10, 1), UM, UM, True, 6, 2, 2, 1, 1, 0, 0)
    build(settings, D7)  # +168 h = D7 10:00 < as_of: open ones are overdue; c1/c2's resolutions are later
    assert marts(settings, SLA)[0] == (date(2026, 10, 1), UM, UM, True, 6, 5, 3, 1, 1, 1, 4)
