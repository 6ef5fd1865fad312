"""Publishing (SPEC section 8): transports, retries, idempotency and the delivery ledger.

HTTP tests run against ``fake_receiver.FakeReceiver`` on 127.0.0.1 with a 0.3 s client timeout and
millisecond backoff, so every fault plan finishes in well under a second or two.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fake_receiver import FakeReceiver
from standard_parts.publish import (
    FolderTransport,
    HttpTransport,
    PackageConflictError,
    PublishError,
    canonical_bytes,
    canonical_target,
    ensure_ledger,
    make_transport,
    pending_packages,
    publish_packages,
)
from standard_parts.publish.transports import parse_retry_after

pytestmark = pytest.mark.timeout(30)

RUN_DATE = "2026-10-01"


def make_pkg(officer: str, run_date: str = RUN_DATE, tasks: int = 2) -> dict[str, Any]:
    return {
        "package_id": f"pkg-{run_date}-{officer}",
        "officer_id": officer,
        "run_date": run_date,
        "business_list": [
            {"task_id": f"{officer}-t{i}", "steps": ["上门核查", "拍照"], "due_at": f"{run_date}T18:00:00+08:00"}
            for i in range(tasks)
        ],
        "enablement_list": [{"task_id": f"{officer}-t0", "facts": {"地址": "思明区某路1号"}}],
        "collaboration_list": [{"task_id": f"{officer}-t0", "departments": ["消防"]}],
        "work_code": {"code": "green", "open": tasks, "overdue": 0},
    }


def packages(n: int, run_date: str = RUN_DATE) -> list[dict[str, Any]]:
    return [make_pkg(f"o{i}", run_date, tasks=i + 1) for i in range(n)]


def fast_http(url: str, **overrides: Any) -> HttpTransport:
    opts: dict[str, Any] = {
        "timeout": 0.3,
        "backoff_initial": 0.01,
        "backoff_max": 0.05,
        "max_total_seconds": 10.0,
    }
    opts.update(overrides)
    transport = make_transport(url, **opts)
    assert isinstance(transport, HttpTransport)
    return transport


def ledger(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cur = con.execute("select * from publish.deliveries")
    cols = [d[0] for d in cur.description]
    return {row[0]: dict(zip(cols, row, strict=True)) for row in cur.fetchall()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "ops.duckdb"))
    yield connection
    connection.close()


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    with FakeReceiver(hang_seconds=1.0) as rec:
        yield rec


# --------------------------------------------------------------------------- HTTP


def test_fault_plan_delivers_every_package_exactly_once(con, receiver):
    pkgs = packages(6)
    ids = [p["package_id"] for p in pkgs]
    receiver.script(500, 429, "hang", "reset", "ok", key=ids[0])
    receiver.script(503, "lost", key=ids[1])  # stored, answer lost -> retry must get 409
    receiver.script("reset", key=ids[2])
    receiver.script("hang", 503, key=ids[3])

    with fast_http(receiver.url) as transport:
        result = publish_packages(con, pkgs, receiver.url, transport=transport)

    assert (result.total, result.delivered_now, result.failed, result.pending) == (6, 6, 0, 0)
    assert receiver.conflicts == []
    assert receiver.stored == {p["package_id"]: canonical_bytes(p) for p in pkgs}
    rows = ledger(con)
    assert {r["status"] for r in rows.values()} == {"delivered"}
    assert rows[ids[0]]["attempts"] == 5 and rows[ids[0]]["last_status_code"] == 201
    assert rows[ids[1]]["attempts"] == 3 and rows[ids[1]]["last_status_code"] == 409
    assert rows[ids[2]]["attempts"] == 2 and rows[ids[3]]["attempts"] == 3
    assert all(r["delivered_at"] is not None and r["first_attempt_at"] is not None for r in rows.values())
    assert all(r["sha256"] == hashlib.sha256(receiver.stored[k]).hexdigest() for k, r in rows.items())
    assert [s.action for s in receiver.requests_for(ids[0])] == ["500", "429", "hang", "reset", "ok"]
    assert [(s.action, s.status) for s in receiver.requests_for(ids[1])] == [("503", 503), ("lost", None), ("ok", 409)]
    for seen in receiver.requests:
        assert seen.content_type == "application/json; charset=utf-8"
        assert seen.body == receiver.stored[seen.key]  # every attempt carried the same bytes


def test_409_counts_as_delivered(con, receiver):
    pkg = make_pkg("o1")
    receiver.stored[pkg["package_id"]] = canonical_bytes(pkg)  # an earlier send whose answer was lost

    with fast_http(receiver.url) as transport:
        result = publish_packages(con, [pkg], receiver.url, transport=transport)

    assert result.delivered_now == 1
    row = ledger(con)[pkg["package_id"]]
    assert (row["status"], row["last_status_code"], row["attempts"]) == ("delivered", 409, 1)
    assert receiver.conflicts == []


def test_permanent_400_is_recorded_and_raised_then_retried_next_run(con, receiver):
    pkgs = packages(3)
    bad = pkgs[1]["package_id"]
    receiver.script(400, key=bad)

    with fast_http(receiver.url) as transport, pytest.raises(PublishError) as err:
        publish_packages(con, pkgs, receiver.url, transport=transport)

    assert bad in str(err.value) and "HTTP 400" in str(err.value)
    assert err.value.result is not None and (err.value.result.failed, err.value.result.delivered_now) == (1, 2)
    row = ledger(con)[bad]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("failed", 1, 400)
    assert "scripted 400" in row["last_error"]
    assert len(receiver.requests_for(bad)) == 1  # a 4xx is not retried
    assert [r["package_id"] for r in pending_packages(con, receiver.url)] == [bad]

    with fast_http(receiver.url) as transport:
        again = publish_packages(con, pkgs, receiver.url, transport=transport)
    assert (again.delivered_now, again.already_delivered) == (1, 2)
    assert pending_packages(con) == []


def test_retries_are_bounded_and_leave_the_package_pending(con, receiver):
    pkg = make_pkg("o1")
    receiver.script(*[503] * 10, key=pkg["package_id"])

    with fast_http(receiver.url, max_attempts=3) as transport, pytest.raises(PublishError, match="1 pending"):
        publish_packages(con, [pkg], receiver.url, transport=transport)

    row = ledger(con)[pkg["package_id"]]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 3, 503)
    assert len(receiver.requests_for(pkg["package_id"])) == 3

    # The total-time bound: a 1 s backoff would cross max_total_seconds=0.1, so no second attempt.
    other = make_pkg("o2")
    receiver.script(*[503] * 10, key=other["package_id"])
    with fast_http(receiver.url, backoff_initial=1.0, backoff_max=5.0, max_total_seconds=0.1) as transport:
        with pytest.raises(PublishError):
            publish_packages(con, [other], receiver.url, transport=transport)
    assert len(receiver.requests_for(other["package_id"])) == 1


def test_retry_after_replaces_backoff_and_is_capped(con, receiver):
    pkg, other = make_pkg("o1"), make_pkg("o2")
    sleeps: list[float] = []
    receiver.script(429, 429, key=pkg["package_id"])
    # A 5 s backoff would show up in `sleeps`; Retry-After: 0 must win.
    with fast_http(receiver.url, backoff_initial=5.0, sleep=sleeps.append) as transport:
        publish_packages(con, [pkg], receiver.url, transport=transport)
    assert sleeps == [0.0, 0.0]

    sleeps.clear()
    receiver.retry_after = "100"
    receiver.script(429, key=other["package_id"])
    with fast_http(receiver.url, retry_after_cap=0.05, sleep=sleeps.append) as transport:
        publish_packages(con, [other], receiver.url, transport=transport)
    assert sleeps == [0.05]


def test_parse_retry_after():
    now = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(" 7 ") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=lambda: now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=lambda: now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_receiver_down_for_the_whole_run_then_up(con):
    port = free_port()  # nothing listens here: every connect is refused
    url = f"http://127.0.0.1:{port}/"
    pkgs = packages(3)

    with fast_http(url, max_attempts=2) as transport, pytest.raises(PublishError, match="3 of 3"):
        publish_packages(con, pkgs, url, transport=transport)

    rows = ledger(con)
    assert {r["status"] for r in rows.values()} == {"pending"}
    assert all(r["attempts"] == 2 and "ConnectError" in r["last_error"] for r in rows.values())
    assert len(pending_packages(con, url)) == 3

    with FakeReceiver(port=port) as rec, fast_http(url) as transport:
        result = publish_packages(con, pkgs, url, transport=transport)
        assert set(rec.stored) == {p["package_id"] for p in pkgs}
    assert (result.delivered_now, result.already_delivered) == (3, 0)
    assert pending_packages(con) == []
    assert {r["attempts"] for r in ledger(con).values()} == {3}  # attempts accumulate across runs


def test_rerun_after_full_success_sends_nothing(con, receiver):
    pkgs = packages(4)
    with fast_http(receiver.url) as transport:
        publish_packages(con, pkgs, receiver.url, transport=transport)
    seen = receiver.request_count

    with fast_http(receiver.url) as transport:
        result = publish_packages(con, pkgs, receiver.url + "/", transport=transport)

    assert (result.delivered_now, result.already_delivered) == (0, 4)
    assert receiver.request_count == seen


def test_delivered_with_different_content_raises_before_sending(con, receiver):
    pkg = make_pkg("o1")
    with fast_http(receiver.url) as transport:
        publish_packages(con, [pkg], receiver.url, transport=transport)
    seen = receiver.request_count
    changed = {**pkg, "work_code": {"code": "red", "open": 9, "overdue": 3}}

    with fast_http(receiver.url) as transport, pytest.raises(PackageConflictError, match=pkg["package_id"]):
        publish_packages(con, [changed, make_pkg("o2")], receiver.url, transport=transport)

    assert receiver.request_count == seen
    assert ledger(con)[pkg["package_id"]]["sha256"] == hashlib.sha256(canonical_bytes(pkg)).hexdigest()
    assert "pkg-2026-10-01-o2" not in ledger(con)  # nothing registered either


def test_attempted_but_undelivered_with_different_content_raises(con):
    url = f"http://127.0.0.1:{free_port()}"
    pkg = make_pkg("o1")
    with fast_http(url, max_attempts=1) as transport, pytest.raises(PublishError):
        publish_packages(con, [pkg], url, transport=transport)
    changed = {**pkg, "business_list": []}
    with fast_http(url, max_attempts=1) as transport, pytest.raises(PackageConflictError):
        publish_packages(con, [changed], url, transport=transport)


class Crashing(HttpTransport):
    """Simulates a crash (a bug, or the task being killed) while delivering one package."""

    boom = ""

    def deliver(self, package):
        if package.package_id == self.boom:
            raise RuntimeError("simulated crash")
        return super().deliver(package)


def test_crash_mid_run_leaves_a_truthful_ledger(con, receiver):
    pkgs = packages(4)
    ids = [p["package_id"] for p in pkgs]

    with Crashing(receiver.url, timeout=0.3, max_workers=1) as transport, pytest.raises(RuntimeError):
        transport.boom = ids[2]
        publish_packages(con, pkgs, receiver.url, transport=transport)
    statuses = {k: r["status"] for k, r in ledger(con).items()}
    assert statuses == dict(zip(ids, ["delivered", "delivered", "pending", "pending"], strict=True))

    with fast_http(receiver.url) as transport:
        result = publish_packages(con, pkgs, receiver.url, transport=transport)
    assert (result.delivered_now, result.already_delivered) == (2, 2)
    assert receiver.conflicts == [] and len(receiver.stored) == 4


def test_crash_with_concurrent_deliveries_in_flight(con, receiver):
    pkgs = packages(8)
    ids = [p["package_id"] for p in pkgs]
    receiver.script("lost", key=ids[0])  # in flight (and stored) when the crash happens

    start = time.monotonic()
    with Crashing(receiver.url, timeout=0.3, backoff_initial=0.01, max_workers=4) as transport:
        transport.boom = ids[1]
        with pytest.raises(RuntimeError):
            publish_packages(con, pkgs, receiver.url, transport=transport)
    assert time.monotonic() - start < 5
    rows = ledger(con)
    assert rows[ids[1]]["status"] == "pending"
    assert all(k in receiver.stored for k, r in rows.items() if r["status"] == "delivered")

    with fast_http(receiver.url) as transport:
        result = publish_packages(con, pkgs, receiver.url, transport=transport)
    assert result.delivered_now + result.already_delivered == 8
    assert receiver.conflicts == [] and set(receiver.stored) == set(ids)


@pytest.mark.parametrize(
    ("url", "endpoint", "target"),
    [
        ("http://h:8", "http://h:8/packages", "http://h:8"),
        ("http://h:8/", "http://h:8/packages", "http://h:8"),
        ("https://h/api/v1/", "https://h/api/v1/packages", "https://h/api/v1"),
        ("https://u:secret@h/api", "https://u:secret@h/api/packages", "https://u:***@h/api"),
    ],
)
def test_endpoint_join_and_ledger_target(url, endpoint, target):
    with make_transport(url) as transport:
        assert isinstance(transport, HttpTransport)
        assert str(transport.endpoint) == endpoint
        assert transport.target == target == canonical_target(url)


@pytest.mark.parametrize("target", ["ftp://h/x", "s3://bucket", "outbox", "", "folder:", "http://"])
def test_make_transport_rejects_unknown_or_empty_targets(target):
    with pytest.raises(ValueError, match=r"scheme|target|directory|host"):
        make_transport(target)


def test_transport_for_another_target_is_refused(con, tmp_path):
    with pytest.raises(ValueError, match="not for target"):
        publish_packages(con, packages(1), f"folder:{tmp_path}/a", transport=FolderTransport(tmp_path / "b"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.update(officer_id="../etc"), "file name"),
        (lambda p: p.update(run_date="2026-13-01"), "not a date"),
        (lambda p: p.pop("work_code"), "lacks required keys"),
        (lambda p: p["work_code"].update(share=float("nan")), "JSON"),
    ],
)
def test_invalid_packages_are_refused_before_anything_is_written(con, tmp_path, mutate, message):
    bad = make_pkg("o9")
    mutate(bad)
    with pytest.raises(ValueError, match=message):
        publish_packages(con, [make_pkg("o1"), bad], f"folder:{tmp_path}/out")
    assert pending_packages(con) == [] and not (tmp_path / "out").exists()


def test_duplicate_package_ids_with_different_content_are_refused(con, tmp_path):
    a, b = make_pkg("o1"), make_pkg("o1", tasks=5)
    with pytest.raises(ValueError, match="twice"):
        publish_packages(con, [a, b], f"folder:{tmp_path}")
    assert publish_packages(con, [a, a], f"folder:{tmp_path}").total == 1  # exact duplicates: sent once


# --------------------------------------------------------------------------- folder


def read_manifest(day: Path) -> dict[str, Any]:
    return json.loads((day / "manifest.json").read_text(encoding="utf-8"))


def test_folder_files_manifest_and_byte_identical_reruns(con, tmp_path):
    out = tmp_path / "out"
    pkgs = packages(3) + packages(2, run_date="2026-10-02")
    result = publish_packages(con, pkgs, f"folder:{out}")
    assert (result.total, result.delivered_now) == (5, 5)

    day = out / RUN_DATE
    assert sorted(p.name for p in day.iterdir()) == ["manifest.json", "o0.json", "o1.json", "o2.json"]
    for pkg in pkgs[:3]:
        assert (day / f"{pkg['officer_id']}.json").read_bytes() == canonical_bytes(pkg)
    manifest = read_manifest(day)
    assert manifest["run_date"] == RUN_DATE
    for entry in manifest["packages"]:
        data = (day / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    assert [e["task_count"] for e in manifest["packages"]] == [1, 2, 3]
    assert manifest["totals"] == {
        "packages": 3,
        "tasks": 6,
        "bytes": sum(len(canonical_bytes(p)) for p in pkgs[:3]),
    }
    assert read_manifest(out / "2026-10-02")["totals"]["packages"] == 2
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    # Same ledger: nothing is delivered again, the manifest is rewritten identically.
    transport = make_transport(f"folder:{out}")
    calls: list[str] = []
    original = transport.deliver
    transport.deliver = lambda pkg: calls.append(pkg.package_id) or original(pkg)  # type: ignore[method-assign]
    again = publish_packages(con, pkgs, f"folder:{out}", transport=transport)
    assert (again.delivered_now, again.already_delivered, calls) == (0, 5, [])

    # Fresh ledger (e.g. a lost ops store): everything is re-sent, byte-identical.
    with duckdb.connect(str(tmp_path / "other.duckdb")) as fresh:
        assert publish_packages(fresh, pkgs, f"folder:{out}").delivered_now == 5
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot


@pytest.mark.parametrize("fail_at", ["write", "replace"])
def test_interrupted_folder_write_leaves_no_partial_file(con, tmp_path, monkeypatch, fail_at):
    out = tmp_path / "out"
    day = out / RUN_DATE
    pkgs = packages(3)
    victim = pkgs[1]
    armed = True
    real_write, real_replace = os.write, os.replace

    def is_victim_tmp(fd: int) -> bool:
        ino = os.fstat(fd).st_ino
        return any(p.stat().st_ino == ino for p in day.glob(".o1.json.tmp-*"))

    def failing_write(fd: int, data: Any) -> int:
        if armed and is_victim_tmp(fd):
            real_write(fd, bytes(data[: len(data) // 2]))  # half the package reaches the disk …
            raise OSError(28, "No space left on device")  # … then the disk fills up
        return real_write(fd, data)

    def failing_replace(src: Any, dst: Any) -> None:
        if armed and Path(dst).name == "o1.json":
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    if fail_at == "write":
        monkeypatch.setattr(os, "write", failing_write)
    else:
        monkeypatch.setattr(os, "replace", failing_replace)

    with pytest.raises(PublishError, match=victim["package_id"]):
        publish_packages(con, pkgs, f"folder:{out}")

    assert not (day / "o1.json").exists()
    assert sorted(p.name for p in day.iterdir()) == ["o0.json", "o2.json"]  # no temp file, no manifest
    row = ledger(con)[victim["package_id"]]
    assert row["status"] == "failed" and ("No space" if fail_at == "write" else "Input/output") in row["last_error"]

    armed = False
    result = publish_packages(con, pkgs, f"folder:{out}")
    assert (result.delivered_now, result.already_delivered) == (1, 2)
    assert (day / "o1.json").read_bytes() == canonical_bytes(victim)
    assert [e["officer_id"] for e in read_manifest(day)["packages"]] == ["o0", "o1", "o2"]


def test_manifest_only_when_the_run_date_is_complete(con, tmp_path):
    # o1 was registered for this target earlier but not delivered: no manifest until it is.
    out = tmp_path / "out"
    pkgs = packages(2)
    ensure_ledger(con)

    class FailO1(FolderTransport):
        def deliver(self, package):
            if package.officer_id == "o1":
                raise OSError("disk gone")
            return super().deliver(package)

    with pytest.raises(OSError):
        publish_packages(con, pkgs, f"folder:{out}", transport=FailO1(out))
    assert (out / RUN_DATE / "o0.json").exists() and not (out / RUN_DATE / "manifest.json").exists()

    publish_packages(con, pkgs[:1], f"folder:{out}")  # only o0 passed: the ledger still knows o1
    assert not (out / RUN_DATE / "manifest.json").exists()

    publish_packages(con, pkgs, f"folder:{out}")
    assert read_manifest(out / RUN_DATE)["totals"]["packages"] == 2


def test_ledger_schema_is_idempotent_and_packages_hold_no_wall_clock(con, tmp_path):
    ensure_ledger(con)
    ensure_ledger(con)
    cols = [r[0] for r in con.execute("describe publish.deliveries").fetchall()]
    assert cols[:2] == ["package_id", "target"] and {"first_attempt_at", "delivered_at", "attempts"} <= set(cols)
    pkg = make_pkg("o1")
    before = time.time()
    publish_packages(con, [pkg], f"folder:{tmp_path}")
    assert json.loads((tmp_path / RUN_DATE / "o1.json").read_bytes()) == pkg
    delivered_at = ledger(con)[pkg["package_id"]]["delivered_at"]
    assert delivered_at.timestamp() >= before - 1
