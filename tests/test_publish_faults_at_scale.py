"""Publishing faults at scale (issue #7): 1,000 packages against a receiver that fails 30% of requests.

The receiver (``fake_receiver.FakeReceiver`` in random-fault mode, seeded, so every run sees the same
faults per package and attempt) answers a random 30% of requests with 500/503, 429, a connection
reset, a hang (the client times out) or "lost" (stored, but the client times out before hearing so).
Every package must be delivered in one run, each idempotency key stored exactly once with the
package's canonical bytes, the ledger must say so, and a re-run must send nothing. A receiver that is
down for the whole run leaves all 1,000 pending in the ledger, and the next run delivers them.

The client timeout is 0.3 s and the backoff is in milliseconds (constructor arguments, as in
``test_publish_transports.py``), so the ~150 timeouts cost a few seconds across 8 workers.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fake_receiver import FakeReceiver, Seen
from standard_parts.publish import (
    HttpTransport,
    PublishError,
    canonical_bytes,
    make_transport,
    pending_packages,
    publish_packages,
)
from test_publish_transports import free_port, ledger, make_pkg

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

N = 1_000
FAULT_RATE = 0.30
SEED = 7
FAULTS = {"500": 1, "503": 1, "429": 1, "reset": 1, "hang": 1, "lost": 1}
# 0.3 ** 12 * 1000 ~ 5e-4: with this many attempts no package runs out of them by bad luck (and
# the seeded plan is checked below, so a change of seed cannot make the test flaky silently).
MAX_ATTEMPTS = 12


def thousand_packages() -> list[dict[str, Any]]:
    return [make_pkg(f"o{i:04d}", tasks=i % 5 + 1) for i in range(N)]


def scale_http(url: str, **overrides: Any) -> HttpTransport:
    opts: dict[str, Any] = {
        "timeout": 0.3,
        "backoff_initial": 0.005,
        "backoff_max": 0.02,
        "max_attempts": MAX_ATTEMPTS,
        "max_total_seconds": 30.0,
        "max_workers": 8,
    }
    opts.update(overrides)
    transport = make_transport(url, **opts)
    assert isinstance(transport, HttpTransport)
    return transport


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "ops.duckdb"))
    yield connection
    connection.close()


@pytest.fixture
def faulty() -> Iterator[FakeReceiver]:
    with FakeReceiver(hang_seconds=1.0) as rec:
        rec.random_faults(FAULT_RATE, FAULTS, seed=SEED)
        yield rec


def longest_planned_fault_run(rec: FakeReceiver, key: str) -> int:
    n = 0
    while rec.planned(key, n) != "ok":
        n += 1
    return n


def assert_each_stored_exactly_once(rec: FakeReceiver, pkgs: list[dict[str, Any]]) -> None:
    expected = {p["package_id"]: canonical_bytes(p) for p in pkgs}
    assert rec.conflicts == []
    assert sorted(rec.created) == sorted(expected)  # each key created once, no other key
    assert rec.stored == expected
    for seen in rec.requests:  # every attempt of a package carried the same bytes
        assert seen.content_type == "application/json; charset=utf-8"
        assert seen.body == expected[seen.key]


def test_thousand_packages_through_a_receiver_failing_30_percent(con, faulty):
    pkgs = thousand_packages()
    ids = [p["package_id"] for p in pkgs]
    assert max(longest_planned_fault_run(faulty, k) for k in ids) < MAX_ATTEMPTS - 1  # room to spare

    started = time.monotonic()
    with scale_http(faulty.url) as transport:
        result = publish_packages(con, pkgs, faulty.url, transport=transport)
    elapsed = time.monotonic() - started

    assert (result.total, result.delivered_now, result.failed, result.pending) == (N, N, 0, 0)
    assert_each_stored_exactly_once(faulty, pkgs)

    # The faults really happened, in the intended mix and share.
    actions = faulty.counters()
    faults = sum(actions[a] for a in FAULTS)
    assert set(FAULTS) <= set(actions), actions
    assert 0.25 < faults / faulty.request_count < 0.35, actions
    by_key: dict[str, list[Seen]] = defaultdict(list)
    for seen in faulty.requests:
        by_key[seen.key].append(seen)
    for key in ids:  # per package: stored by its first ok/lost request, every later one answered 409
        stores = [s for s in by_key[key] if s.action in ("ok", "lost")]
        assert stores[0].action == "lost" or stores[0].status == 201, by_key[key]
        assert all(s.status == 409 for s in stores[1:] if s.action == "ok"), by_key[key]
        assert by_key[key][-1].action == "ok" and by_key[key][-1].status in (201, 409), by_key[key]
    answers = Counter(s.status for s in faulty.requests)
    assert answers[409] >= 1 and answers[201] + actions["lost"] >= N

    rows = ledger(con)
    assert set(rows) == set(ids)
    assert {r["status"] for r in rows.values()} == {"delivered"}
    assert all(r["last_error"] is None and r["delivered_at"] is not None for r in rows.values())
    assert {r["last_status_code"] for r in rows.values()} <= {201, 409}
    assert all(r["sha256"] == hashlib.sha256(faulty.stored[k]).hexdigest() for k, r in rows.items())
    assert sum(r["attempts"] for r in rows.values()) == faulty.request_count  # every attempt counted
    retried = [k for k, r in rows.items() if r["attempts"] > 1]
    assert len(retried) > 0.2 * N
    assert pending_packages(con, faulty.url) == []
    assert elapsed < 45, f"publishing 1,000 packages took {elapsed:.1f}s"

    # A re-run sends nothing.
    seen = faulty.request_count
    with scale_http(faulty.url) as transport:
        again = publish_packages(con, pkgs, faulty.url, transport=transport)
    assert (again.delivered_now, again.already_delivered, again.failed, again.pending) == (0, N, 0, 0)
    assert faulty.request_count == seen


def test_thousand_packages_receiver_down_for_the_whole_run_then_faulty(con):
    port = free_port()  # nothing listens here: every connect is refused
    url = f"http://127.0.0.1:{port}"
    pkgs = thousand_packages()
    ids = {p["package_id"] for p in pkgs}

    with (
        scale_http(url, max_attempts=2) as transport,
        pytest.raises(PublishError, match=f"{N} of {N}") as err,
    ):
        publish_packages(con, pkgs, url, transport=transport)
    assert err.value.result is not None and (err.value.result.pending, err.value.result.failed) == (N, 0)

    pending = pending_packages(con, url)
    assert {r["package_id"] for r in pending} == ids
    assert all(r["status"] == "pending" and r["attempts"] == 2 for r in pending)
    assert all("ConnectError" in r["last_error"] and r["first_attempt_at"] is not None for r in pending)

    # Next run: the receiver is back (still failing 30% of requests) and gets every package once.
    with FakeReceiver(port=port, hang_seconds=1.0) as rec:
        rec.random_faults(FAULT_RATE, FAULTS, seed=SEED + 1)
        with scale_http(url) as transport:
            result = publish_packages(con, pkgs, url, transport=transport)
        assert (result.delivered_now, result.already_delivered, result.failed, result.pending) == (N, 0, 0, 0)
        assert_each_stored_exactly_once(rec, pkgs)
        assert sum(r["attempts"] for r in ledger(con).values()) == 2 * N + rec.request_count
    assert pending_packages(con) == []
