"""Completions ingest (SPEC sections 3 and 6): every quarantine reason, duplicates, first copy,
idempotent re-runs, row accounting, the officers snapshot of the file's date, the two passes of a
night, the gate, and the read models other stages use."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from opsdata import D0, Ops, completion, local, query, steps_of, write_completions
from standard_parts.completions import run_stage
from standard_parts.errors import GateFailure

D1 = D0 + timedelta(days=1)
D2 = D0 + timedelta(days=2)


@pytest.fixture
def ops(settings):
    """ST1 (officers O1, O2) and ST2 (O9); tasks T1 (HOUSE-OVER10) and T2 (FRAUD-DISSUADE) of D0."""
    with Ops(settings) as o:
        o.station("ST1").station("ST2").community("C1", "ST1")
        o.officer("O1", "ST1").officer("O2", "ST1").officer("O9", "ST2", community_id="C9")
        o.task("T1").task("T2", part="FRAUD-DISSUADE")
    return settings


def quarantine(settings) -> list[tuple]:
    return query(settings.ops_path, "select line, reason from ingest.quarantine where entity = 'completions' "
                                    "order by file_date, line")


def accepted(settings) -> list[tuple]:
    return query(settings.ops_path, "select file_date, _line, completion_id, evidence_count from ops.completions "
                                    "order by file_date, _line")


def test_every_quarantine_reason(ops):
    settings = ops
    rows = [
        completion("ok", "T1", local(D0, 10)),                                           # 1 accepted
        completion("m1", "T1", local(D0, 10), officer=None),                             # 2 missing_required
        completion("m2", "T1", local(D0, 10), followup=None),                            # 3 missing_required
        completion("t1", "T1", "2026-10-01 10:00"),                                      # 4 bad_timestamp (no offset)
        completion("t2", "T1", "2026-13-01T10:00:00+08:00"),                             # 5 bad_timestamp
        completion("e1", "T1", local(D0, 10), outcome="partly"),                         # 6 bad_enum
        completion("e2", "T1", local(D0, 10), followup="yes"),                           # 7 bad_enum
        completion("n1", "T1", local(D0, 10), evidence="two"),                           # 8 bad_number
        completion("n2", "T1", local(D0, 10), evidence=-1),                              # 9 bad_number
        completion("s1", "T1", local(D0, 10), steps="verify_house_use"),                 # 10 malformed_row
        completion("s2", "T1", local(D0, 10), steps=[{"step_id": "verify_house_use"}]),  # 11 malformed_row
        completion("s3", "T1", local(D0, 10), steps=[{"step_id": "x", "done": "yes"}]),  # 12 malformed_row
        completion("u1", "T404", local(D0, 10)),                                         # 13 unknown_task
        completion("o1", "T1", local(D0, 10), officer="O9"),                             # 14 other_station
        completion("o2", "T1", local(D0, 10), officer="O-NOT-IN-SNAPSHOT"),              # 15 other_station
        completion("a1", "T1", local(D1, 0, 0, 0)),                                      # 16 completed_after_file_date
        "{not json",                                                                     # 17 malformed_row
        json.dumps(["a", "list"]),                                                       # 18 malformed_row
        completion("edge", "T2", local(D0, 23, 59, 59), part="FRAUD-DISSUADE"),          # 19 accepted (end of day)
        completion("empty", "T2", local(D0, 12), steps=[], outcome="unable"),            # 20 accepted (empty list)
    ]
    write_completions(settings.landing, D0, rows)
    (result,) = run_stage(settings, D0, final=False)
    assert quarantine(settings) == [
        (2, "missing_required"), (3, "missing_required"), (4, "bad_timestamp"), (5, "bad_timestamp"),
        (6, "bad_enum"), (7, "bad_enum"), (8, "bad_number"), (9, "bad_number"), (10, "malformed_row"),
        (11, "malformed_row"), (12, "malformed_row"), (13, "unknown_task"), (14, "other_station"),
        (15, "other_station"), (16, "completed_after_file_date"), (17, "malformed_row"), (18, "malformed_row"),
    ]
    assert [r[2] for r in accepted(settings)] == ["ok", "edge", "empty"]
    assert (result["rows_read"], result["rows_accepted"], result["rows_quarantined"]) == (20, 3, 17)
    # the raw row stays with its file and line, for operators
    (raw,) = query(settings.ops_path, "select raw from ingest.quarantine where line = 13")[0]
    assert "T404" in raw


def test_a_task_issued_after_the_file_date_is_unknown(ops):
    settings = ops
    with Ops(settings) as o:
        o.task("T-LATER", run_date=D1)
    write_completions(settings.landing, D0, [completion("c", "T-LATER", local(D0, 10))])
    run_stage(settings, D0)
    assert quarantine(settings) == [(1, "unknown_task")]


def test_the_officers_snapshot_of_the_file_date_decides(ops):
    """O2 moves to ST2 in the snapshot of D1: its completion in D0's file counts, in D1's not."""
    settings = ops
    with Ops(settings) as o:
        o.officer("O1", "ST1", day=D1, current=False).officer("O2", "ST2", day=D1, current=False)
    write_completions(settings.landing, D0, [completion("c0", "T1", local(D0, 10), officer="O2")])
    write_completions(settings.landing, D1, [completion("c1", "T2", local(D1, 10), officer="O2",
                                                        part="FRAUD-DISSUADE")])
    run_stage(settings, D0)
    run_stage(settings, D1)
    assert [r[2] for r in accepted(settings)] == ["c0"]
    assert query(settings.ops_path, "select file_date, reason from ingest.quarantine") == [(D1, "other_station")]


def test_duplicates_count_once_and_the_first_accepted_copy_is_kept(ops):
    settings = ops
    write_completions(settings.landing, D0, [
        completion("dup", "T1", local(D0, 10), evidence=1),
        completion("dup", "T1", local(D0, 10), evidence=1),      # identical re-send, same file
        completion("bad", "T404", local(D0, 11)),                # quarantined first copy...
    ])
    write_completions(settings.landing, D1, [
        completion("dup", "T1", local(D0, 12), evidence=7),      # re-sent later with other content
        completion("bad", "T1", local(D0, 11), evidence=2),      # ...so this is the first accepted copy
    ])
    (r0,) = run_stage(settings, D0)
    (r1,) = run_stage(settings, D1)
    # nothing is quarantined for being a duplicate; accounting holds; re-sends are counted
    assert quarantine(settings) == [(3, "unknown_task")]
    assert (r0["rows_read"], r0["rows_accepted"], r0["rows_quarantined"], r0["duplicates"]) == (3, 2, 1, 1)
    assert (r1["rows_read"], r1["rows_accepted"], r1["rows_quarantined"], r1["duplicates"]) == (2, 2, 0, 1)
    valid = query(settings.ops_path, "select completion_id, evidence_count, file_date, _line "
                                     "from ops.valid_completions order by 1")
    assert valid == [("bad", 2, D1, 2), ("dup", 1, D0, 1)]


def test_re_runs_are_idempotent_and_replace_the_file(ops):
    settings = ops
    write_completions(settings.landing, D0, [completion("a", "T1", local(D0, 10)),
                                             completion("b", "T404", local(D0, 10))])
    first = run_stage(settings, D0)
    snapshot = (accepted(settings), quarantine(settings))
    assert run_stage(settings, D0) == first
    assert (accepted(settings), quarantine(settings)) == snapshot
    # the file is re-sent corrected: the date's rows are replaced, not added
    write_completions(settings.landing, D0, [completion("b", "T1", local(D0, 10))])
    run_stage(settings, D0)
    assert [r[2] for r in accepted(settings)] == ["b"] and quarantine(settings) == []
    # and a file that disappears clears its date
    (settings.landing / "completions" / D0.isoformat() / "completions.jsonl").unlink()
    assert run_stage(settings, D0)[0]["file"] is None
    assert accepted(settings) == [] and quarantine(settings) == []
    assert query(settings.ops_path, "select count(*) from ingest.files where entity = 'completions'") == [(0,)]


def test_second_pass_of_the_night_accepts_completions_of_tasks_issued_that_morning(ops):
    """Before generation the day's tasks do not exist yet; the pass after generation revalidates."""
    settings = ops
    write_completions(settings.landing, D1, [completion("old", "T1", local(D1, 9)),
                                             completion("new", "T-D1", local(D1, 15))])
    run_stage(settings, D1, final=False)
    assert quarantine(settings) == [(2, "unknown_task")]
    with Ops(settings) as o:  # what generation does for D1
        o.task("T-D1", run_date=D1)
    run_stage(settings, D1, final=True)
    assert quarantine(settings) == []
    assert [r[2] for r in accepted(settings)] == ["old", "new"]


def test_gate_judges_the_quarantine_share_only_after_generation(ops, monkeypatch):
    settings = ops.model_copy(update={"quarantine_share_min_rows": 1})
    write_completions(settings.landing, D0, [completion("x", "T404", local(D0, 10)),
                                             completion("y", "T1", local(D0, 10))])
    run_stage(settings, D0, final=False)  # 50 % unknown tasks may still be issued tonight
    with pytest.raises(GateFailure, match="ingest.files.completions"):
        run_stage(settings, D0, final=True)
    gates = query(settings.ops_path, "select gate, success from ingest.gate_results order by gate")
    assert gates == [("ingest.completions", True), ("ingest.files.completions", False)]


def test_validity_and_collected_facts_for_other_rules(ops):
    settings = ops
    with Ops(settings) as o:
        o.task("T3", object_id="H9")
    write_completions(settings.landing, D0, [
        completion("unable", "T1", local(D0, 9), outcome="unable"),
        completion("missing", "T1", local(D0, 10), steps=steps_of("HOUSE-OVER10", {"verify_residents": False})),
        completion("done", "T3", local(D0, 11)),
    ])
    write_completions(settings.landing, D1, [completion("done2", "T3", local(D1, 8))])
    run_stage(settings, D0)
    run_stage(settings, D1)
    assert query(settings.ops_path, "select completion_id from ops.valid_completions order by 1") == [
        ("done",), ("done2",)]
    assert query(settings.ops_path, "select standard_part_id, object_id, last_completed_on, valid_completions "
                                    "from ops.object_last_completed") == [("HOUSE-OVER10", "H9", D1, 2)]
    assert query(settings.ops_path, "select last_completed_on from ops.object_last_completed_asof(?)", [D0]) == [
        (D0,)]
    assert query(settings.ops_path, "select count(*) from ops.object_last_completed_asof(?)",
                 [D0 - timedelta(days=1)]) == [(0,)]


def test_hand_offs_are_recorded(ops):
    settings = ops
    write_completions(settings.landing, D0, [completion("h", "T1", local(D0, 10), handoff="urban_management"),
                                             completion("n", "T2", local(D0, 10), part="FRAUD-DISSUADE")])
    run_stage(settings, D0)
    assert query(settings.ops_path, "select completion_id, handoff_department from ops.completions order by 1") == [
        ("h", "urban_management"), ("n", None)]
