"""Partner departments configuration (validated at load) and the escalation rule at its boundaries, on
hand-made operational stores (SPEC 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from opsdata import D0, Ops, completion, local, query, write_completions
from standard_parts.completions import run_stage
from standard_parts.config import Settings
from standard_parts.handoffs import load_partners, supervise
from standard_parts.handoffs.partners import PartnerConfigError
from standard_parts.store import ops_session


def test_shipped_partners_give_every_department_24_and_168_hours():
    partners = load_partners()
    assert partners.departments and {(d.ack_hours, d.resolve_hours) for d in partners.departments.values()} == {
        (24, 168)}
    unknown = partners.get("城管局")
    assert (unknown.routed, unknown.ack_hours, unknown.resolve_hours) == (False, 24, 168)
    assert unknown.code.startswith("unrouted-") and unknown.code == partners.get("城管局").code
    assert partners.get("urban_management").routed


@pytest.mark.parametrize(("text", "problem"), [
    ("departments:\n  - {name: a, code: a, ack_hours: 24, resolve_hours: 168}\n"
     "  - {name: b, code: a, ack_hours: 24, resolve_hours: 168}\n", "code 'a' appears twice"),
    ("departments:\n  - {name: a, code: a, ack_hours: 48, resolve_hours: 24}\n", "shorter than ack_hours"),
    ("departments:\n  - {name: a, code: 'A B', ack_hours: 24, resolve_hours: 168}\n", "departments.0.code"),
    ("departments:\n  - {name: a, code: a, ack_hours: 0, resolve_hours: 168}\n", "departments.0.ack_hours"),
    ("departments:\n  - {name: a, code: a, ack_hours: 24, resolve_hours: 168, sla: 1}\n", "departments.0.sla"),
    ("departments: [\n", "cannot read"),
])
def test_a_broken_partner_file_is_refused_naming_file_and_problem(tmp_path, text, problem):
    path = tmp_path / "partners.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PartnerConfigError) as info:
        load_partners(path)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_settings_take_escalate_after_hours_from_the_environment(monkeypatch):
    monkeypatch.setenv("STANDARD_PARTS_ESCALATE_AFTER_HOURS", "48")
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY__XIAMEN", "per-city-key")  # other helpers' variables
    assert Settings().escalate_after_hours == 48
    monkeypatch.delenv("STANDARD_PARTS_ESCALATE_AFTER_HOURS")
    assert Settings().escalate_after_hours == 72


@pytest.fixture
def store(settings):
    """ST1: leaders L2 and L1 (L0 inactive), ST2: no leader. FRAUD-DISSUADE tasks (due 24 h) of D0 unless said:
    T1 (ST1), T2 (ST2), T3 (ST1, issued D0 + 1 day), T4 (ST1, completed on D0 + 2, landed then)."""
    with Ops(settings) as o:
        o.station("ST1").station("ST2").community("C1", "ST1").community("C2", "ST2")
        o.officer("O1", "ST1").officer("O2", "ST2", community_id="C2")
        o.officer("L2", "ST1", community_id=None, role="leader").officer("L1", "ST1", community_id=None, role="leader")
        o.officer("L0", "ST1", community_id=None, role="leader", active=False)
        o.task("T1", part="FRAUD-DISSUADE").task("T2", part="FRAUD-DISSUADE", officer="O2", station="ST2",
                                                  community="C2")
        o.task("T3", run_date=D0 + timedelta(days=1), part="FRAUD-DISSUADE")
        o.task("T4", part="FRAUD-DISSUADE")
    for n in range(6):
        rows = [completion("c4", "T4", local(D0 + timedelta(days=2), 9), part="FRAUD-DISSUADE")] if n == 2 else []
        write_completions(settings.landing, D0 + timedelta(days=n), rows)
        run_stage(settings, D0 + timedelta(days=n))
    return settings


def escalate(settings, day):
    with ops_session(settings) as con:
        return supervise(con, settings, day)


def escalations(settings) -> list[tuple]:
    return query(settings.ops_path, "select task_id, escalated_on, leader_officer_id, flagged, hours_overdue "
                                    "from ops.escalations order by task_id")


def test_escalation_boundary_leader_and_once(store):
    settings = store
    d = [D0 + timedelta(days=n) for n in range(6)]
    escalate(settings, d[3])  # T1 due D1 08:00; + 72 h = D4 08:00 > D3's issued_at
    assert escalations(settings) == []
    assert escalate(settings, d[4]) == {"escalated": 2, "flagged_no_leader": 1}
    # exactly at +72 h; the lowest active leader (L1; L0 is inactive); ST2 has none: null and flagged.
    # T4 was completed (landed D2) and is not escalated.
    assert escalations(settings) == [("T1", d[4], "L1", False, 72), ("T2", d[4], None, True, 72)]
    escalate(settings, d[5])  # T1 and T2 stay escalated on D4 (once); T3 (due D2 08:00) reaches +72 h
    assert escalations(settings) == [("T1", d[4], "L1", False, 72), ("T2", d[4], None, True, 72),
                                     ("T3", d[5], "L1", False, 72)]
    escalate(settings, d[4])  # a re-run of D4 gives the same rows
    assert len(escalations(settings)) == 3
    # with a shorter setting the boundary moves: 48 h after due_at
    settings48 = settings.model_copy(update={"escalate_after_hours": 48})
    with ops_session(settings48) as con:
        con.execute("delete from ops.escalations")
    escalate(settings48, d[2])
    assert escalations(settings48) == []
    escalate(settings48, d[3])
    assert [r[:2] for r in escalations(settings48)] == [("T1", d[3]), ("T2", d[3])]
