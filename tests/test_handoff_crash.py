"""A hand-off is never delivered twice, even across a kill -9 and a re-run (SPEC 12, issue #17).

The publishing process is SIGKILLed (``handoff_crash_child.py``) right after the receiver took a document
but before the ledger heard of it, or right after the ledger recorded one; the re-run then delivers the
rest. The partner departments' side (``fake_receiver``, ``POST /handoffs``) must end with every document
exactly once by its Idempotency-Key, byte-identical to the uninterrupted run's, each hand-off in exactly
one document, and the ledger with every document delivered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fake_receiver import FakeReceiver
from opsdata import D0, Ops, completion, local, query, write_completions
from standard_parts.completions import run_stage
from standard_parts.handoffs import handoff_documents, refresh_partners
from standard_parts.store import ops_session

CHILD = Path(__file__).with_name("handoff_crash_child.py")
DEPARTMENTS = ("urban_management", "market_regulation", "health", "fire_rescue", "街道办")


@pytest.fixture
def opened(settings):
    """Ten hand-offs opened on D0 to five departments (one not configured)."""
    with Ops(settings) as o:
        o.station("ST1").community("C1", "ST1").officer("O1", "ST1")
        for n in range(10):
            o.task(f"T{n}")
        o.con.execute("create table ops.houses (house_id varchar, address varchar)")
        o.con.execute("create table ops.venues (venue_id varchar, venue_name varchar, community_id varchar)")
    write_completions(settings.landing, D0, [
        completion(f"c{n}", f"T{n}", local(D0, 9, n), handoff=DEPARTMENTS[n % len(DEPARTMENTS)]) for n in range(10)
    ])
    run_stage(settings, D0)
    with ops_session(settings) as con:
        refresh_partners(con, settings)
        expected = {d["document_id"]: d for d in handoff_documents(con, settings, D0)}
    assert len(expected) == len(DEPARTMENTS)
    return settings, expected


def publish_in(settings, url: str, kill_at: int, when: str) -> int:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1] / "include"),
                                                       os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(CHILD), str(settings.warehouse), url, D0.isoformat(), str(kill_at),
                           when], env=env, capture_output=True, text=True, timeout=120)
    return done.returncode


@pytest.mark.parametrize(("kill_at", "when"), [(1, "sent"), (3, "sent"), (2, "recorded")])
def test_never_delivered_twice_across_kill_and_rerun(opened, kill_at, when):
    from standard_parts.handoffs import publish_handoffs

    settings, expected = opened
    with FakeReceiver() as receiver:
        assert publish_in(settings, receiver.url, kill_at, when) == -signal.SIGKILL
        assert len(receiver.stored) == kill_at  # the kill came mid-publish
        with ops_session(settings) as con:
            result = publish_handoffs(con, settings, D0, receiver.url)
        assert result.ok and result.total == len(expected)
        # delivered now: what the killed run had not finished (a document it sent unrecorded goes again,
        # and the receiver answers 409 to its key: the same bytes, applied once)
        assert result.delivered_now == len(expected) - (kill_at if when == "recorded" else kill_at - 1)
        assert receiver.conflicts == []
        assert sorted(receiver.stored) == sorted(expected)
        for key, body in receiver.stored.items():
            assert json.loads(body) == expected[key]
            resent = [s for s in receiver.requests_for(key) if s.status in (201, 409)]
            assert {s.body for s in resent} == {body} and all(s.path == "/handoffs" for s in resent)
        assert sum(s.status == 201 for s in receiver.requests) == len(expected)
        handoffs = [h["handoff_id"] for body in receiver.stored.values() for h in json.loads(body)["handoffs"]]
        assert sorted(handoffs) == sorted(f"c{n}" for n in range(10))
        # a second re-run sends nothing at all
        sent = receiver.request_count
        with ops_session(settings) as con:
            again = publish_handoffs(con, settings, D0, receiver.url)
        assert (again.delivered_now, again.already_delivered, receiver.request_count) == (0, len(expected), sent)
    assert query(settings.ops_path, "select count(*), count(*) filter (where status = 'delivered') "
                                    "from publish.deliveries") == [(len(expected), len(expected))]
