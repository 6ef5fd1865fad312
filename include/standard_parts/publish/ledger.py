"""Delivery ledger in the operational DuckDB store, and the publishing run that uses it.

``publish.deliveries`` holds one row per (target, package_id): the canonical sha256 and size, the
status (pending | delivered | failed), how many attempts were made, the last status code and
error, and when it was first attempted and delivered. Wall-clock times live only here, never in
packages. Every outcome is written as its own autocommitted statement as soon as it is known, so
a crash mid-run leaves a truthful ledger and the next run re-sends only what is not delivered.

All SQL is static and parameterised (``?``); data is never formatted into a statement. The ledger is
written only from the calling thread, and the connection must be in DuckDB's default autocommit
mode (no transaction left open by the caller), so each outcome is committed as it is recorded.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from .transports import (
    PACKAGE,
    DeliveryOutcome,
    DocumentKind,
    ManifestEntry,
    PackageSpool,
    PreparedPackage,
    SpooledPackage,
    Transport,
    canonical_target,
    make_transport,
    prepare_package,
)

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

SHOW_FIRST = 5  # how many package ids an error message names

# --------------------------------------------------------------------------- SQL (static)

_CREATE_SCHEMA = "create schema if not exists publish"

_CREATE_TABLE = """
create table if not exists publish.deliveries (
    package_id       varchar     not null,
    target           varchar     not null,
    officer_id       varchar     not null,
    run_date         date        not null,
    sha256           varchar     not null,
    bytes            bigint      not null,
    task_count       integer     not null,
    status           varchar     not null check (status in ('pending', 'delivered', 'failed')),
    attempts         integer     not null default 0,
    last_status_code integer,
    last_error       varchar,
    first_attempt_at timestamptz,
    delivered_at     timestamptz,
    primary key (target, package_id)
)
"""

_SELECT_EXISTING = """
select package_id, status, sha256, first_attempt_at is not null as attempted
from publish.deliveries
where target = ? and package_id in (select unnest(?::varchar[]))
"""

# Only a row that has never been attempted may change content (it cannot have reached anyone).
_REPLACE_UNATTEMPTED = """
update publish.deliveries
set officer_id = ?, run_date = ?, sha256 = ?, bytes = ?, task_count = ?
where target = ? and package_id = ? and first_attempt_at is null and status <> 'delivered'
"""

_INSERT_PENDING = """
insert into publish.deliveries
    (target, package_id, officer_id, run_date, sha256, bytes, task_count, status, attempts)
select
    ?,
    unnest(?::varchar[]),
    unnest(?::varchar[]),
    unnest(?::date[]),
    unnest(?::varchar[]),
    unnest(?::bigint[]),
    unnest(?::integer[]),
    'pending',
    0
on conflict do nothing
"""

_MARK_STARTED = """
update publish.deliveries
set first_attempt_at = coalesce(first_attempt_at, ?)
where target = ? and package_id in (select unnest(?::varchar[]))
"""

_RECORD_OUTCOME = """
update publish.deliveries
set status = ?,
    attempts = attempts + ?,
    last_status_code = ?,
    last_error = ?,
    delivered_at = coalesce(?, delivered_at)
where target = ? and package_id = ?
"""

_SELECT_RUN_DATE = """
select package_id, officer_id, sha256, bytes, task_count, status
from publish.deliveries
where target = ? and run_date = ?
order by officer_id, package_id
"""

_SELECT_NOT_DELIVERED = """
select package_id, officer_id, run_date, target, status, attempts, last_status_code, last_error,
       first_attempt_at
from publish.deliveries
where status <> 'delivered' and (?::varchar is null or target = ?)
order by run_date, target, officer_id, package_id
"""


# --------------------------------------------------------------------------- results & errors


@dataclass(frozen=True)
class Failure:
    package_id: str
    status: str  # failed | pending
    status_code: int | None
    error: str | None

    def describe(self) -> str:
        reason = self.error or (f"HTTP {self.status_code}" if self.status_code else "unknown")
        return f"{self.package_id} ({self.status}: {reason})"


@dataclass(frozen=True)
class PublishResult:
    target: str
    total: int
    delivered_now: int
    already_delivered: int
    failed: int
    pending: int
    failures: tuple[Failure, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.pending == 0


class PublishError(RuntimeError):
    """Some packages were not delivered (recorded in the ledger; the next run retries them)."""

    def __init__(self, message: str, result: PublishResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class PackageConflictError(PublishError):
    """A package id already sent (or possibly sent) with different content: a determinism bug."""


# --------------------------------------------------------------------------- ledger API


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``publish`` and table ``publish.deliveries`` if missing (idempotent)."""
    con.execute(_CREATE_SCHEMA)
    con.execute(_CREATE_TABLE)


def pending_packages(con: duckdb.DuckDBPyConnection, target: str | None = None) -> list[dict[str, Any]]:
    """Ledger rows not yet delivered (pending or failed), oldest run date first."""
    ensure_ledger(con)
    key = canonical_target(target) if target is not None else None
    cur = con.execute(_SELECT_NOT_DELIVERED, [key, key])
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def _now() -> datetime:
    return datetime.now(UTC)


def _prepare_all(packages: Iterable[Mapping[str, Any]], spool: PackageSpool,
                 document: DocumentKind = PACKAGE) -> list[SpooledPackage]:
    """Validate and serialise every package (bodies go to the spool), refusing duplicates."""
    by_id: dict[str, SpooledPackage] = {}
    by_officer_day: dict[tuple[str, str], str] = {}
    for raw in packages:
        pkg = prepare_package(raw, document)
        seen = by_id.get(pkg.package_id)
        if seen is not None:
            if seen.sha256 != pkg.sha256:
                raise ValueError(f"package id {pkg.package_id!r} appears twice with different content")
            continue  # exact duplicate: send once
        other = by_officer_day.setdefault((pkg.run_date, pkg.officer_id), pkg.package_id)
        if other != pkg.package_id:
            raise ValueError(
                f"{document.recipient_key} {pkg.officer_id!r} has two {document.name}s for {pkg.run_date}: {other!r} and {pkg.package_id!r}"
            )
        by_id[pkg.package_id] = spool.keep(pkg)
    return list(by_id.values())


def _check_and_register(
    con: duckdb.DuckDBPyConnection, key: str, prepared: Sequence[PreparedPackage | SpooledPackage]
) -> set[str]:
    """Refuse content changes of (possibly) sent packages; insert new rows as pending.

    Returns the ids already delivered with the same content.
    """
    ids = [p.package_id for p in prepared]
    existing = {row[0]: row[1:] for row in con.execute(_SELECT_EXISTING, [key, ids]).fetchall()}
    conflicts: list[str] = []
    changed_unsent: list[PreparedPackage | SpooledPackage] = []
    delivered: set[str] = set()
    for pkg in prepared:
        if pkg.package_id not in existing:
            continue
        status, sha, attempted = existing[pkg.package_id]
        if sha == pkg.sha256:
            if status == "delivered":
                delivered.add(pkg.package_id)
        elif status == "delivered" or attempted:
            conflicts.append(f"{pkg.package_id} ({status}, ledger sha256 {sha[:12]}…, now {pkg.sha256[:12]}…)")
        else:
            changed_unsent.append(pkg)
    if conflicts:
        raise PackageConflictError(
            f"{len(conflicts)} package(s) already sent to {key} with different content; a package id must "
            f"always name the same bytes (package building is not deterministic?): "
            + "; ".join(conflicts[:SHOW_FIRST])
            + (" …" if len(conflicts) > SHOW_FIRST else "")
        )
    for pkg in changed_unsent:
        con.execute(
            _REPLACE_UNATTEMPTED,
            [pkg.officer_id, date.fromisoformat(pkg.run_date), pkg.sha256, pkg.bytes, pkg.task_count, key, pkg.package_id],
        )
    con.execute(
        _INSERT_PENDING,
        [
            key,
            ids,
            [p.officer_id for p in prepared],
            [date.fromisoformat(p.run_date) for p in prepared],
            [p.sha256 for p in prepared],
            [p.bytes for p in prepared],
            [p.task_count for p in prepared],
        ],
    )
    return delivered


def _record(con: duckdb.DuckDBPyConnection, key: str, outcome: DeliveryOutcome) -> None:
    delivered_at = _now() if outcome.status == "delivered" else None
    error = None if outcome.status == "delivered" else outcome.error
    con.execute(
        _RECORD_OUTCOME,
        [outcome.status, outcome.attempts, outcome.status_code, error, delivered_at, key, outcome.package_id],
    )


def _deliver_all(
    con: duckdb.DuckDBPyConnection, key: str, transport: Transport, to_send: Sequence[PreparedPackage | SpooledPackage]
) -> list[DeliveryOutcome]:
    """Deliver through the transport; the ledger is written here, on the calling thread only."""
    outcomes: list[DeliveryOutcome] = []
    if not to_send:
        return outcomes
    con.execute(_MARK_STARTED, [_now(), key, [p.package_id for p in to_send]])
    workers = min(max(1, transport.max_workers), len(to_send))
    if workers == 1:
        for pkg in to_send:
            outcome = transport.deliver(pkg)
            _record(con, key, outcome)
            outcomes.append(outcome)
        return outcomes
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish")
    futures = [pool.submit(transport.deliver, pkg) for pkg in to_send]
    recorded: set[Future[DeliveryOutcome]] = set()
    try:
        running: set[Future[DeliveryOutcome]] = set(futures)
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                outcome = fut.result()  # a transport bug propagates (see below)
                _record(con, key, outcome)
                recorded.add(fut)
                outcomes.append(outcome)
    except BaseException:
        # Interrupted (transport bug, ledger error, task killed): stop retry loops, drop what has not
        # started, wait for in-flight requests (bounded by the client timeout), and record what did
        # finish. Anything unrecorded stays 'pending' with first_attempt_at set, which is truthful:
        # the next run re-sends it and the receiver's idempotency key absorbs a duplicate.
        transport.abort()
        pool.shutdown(wait=True, cancel_futures=True)
        with contextlib.suppress(Exception):
            for fut in futures:
                if fut not in recorded and fut.done() and not fut.cancelled() and fut.exception() is None:
                    _record(con, key, fut.result())
        raise
    pool.shutdown(wait=True)
    return outcomes


def _finish_run_dates(
    con: duckdb.DuckDBPyConnection, key: str, transport: Transport, run_dates: Iterable[str]
) -> list[str]:
    """Call transport.finish_run_date (folder: write the manifest) for each complete run date."""
    errors: list[str] = []
    for run_date in sorted(set(run_dates)):
        rows = con.execute(_SELECT_RUN_DATE, [key, date.fromisoformat(run_date)]).fetchall()
        if not rows or any(row[5] != "delivered" for row in rows):
            continue  # incomplete: no manifest, so a consumer never takes a partial set as complete
        entries = [
            ManifestEntry(package_id=r[0], officer_id=r[1], sha256=r[2], bytes=r[3], task_count=r[4]) for r in rows
        ]
        try:
            transport.finish_run_date(run_date, entries)
        except OSError as exc:
            errors.append(f"manifest for {run_date}: {type(exc).__name__}: {exc}")
    return errors


def publish_packages(
    con: duckdb.DuckDBPyConnection,
    packages: Iterable[Mapping[str, Any]],
    target: str,
    transport: Transport | None = None,
    spool_dir: str | None = None,
    document: DocumentKind = PACKAGE,
) -> PublishResult:
    """Deliver every package not yet delivered to ``target``; record each outcome in the ledger.

    ``packages`` may be a generator (``packages.iter_packages``): each is validated and serialised as
    it comes, its body parked in a temporary file (in ``spool_dir``), so memory holds only ids and
    hashes; nothing is sent before every package has been validated and registered.

    Raises ValueError for invalid packages (before anything is written), PackageConflictError if a
    package id was already (possibly) sent with different content, and PublishError after recording
    everything if any package failed permanently or is still pending after retries.
    """
    ensure_ledger(con)
    key = canonical_target(target, document)
    if transport is not None and transport.target != key:
        raise ValueError(f"transport is for {transport.target}, not for target {key}")
    with PackageSpool(spool_dir) as spool:
        prepared = _prepare_all(packages, spool, document)
        if not prepared:
            return PublishResult(target=key, total=0, delivered_now=0, already_delivered=0, failed=0, pending=0)
        already = _check_and_register(con, key, prepared)
        to_send = [p for p in prepared if p.package_id not in already]

        owned = transport is None
        transport = transport or make_transport(target, document)
        try:
            outcomes = _deliver_all(con, key, transport, to_send)
            manifest_errors = _finish_run_dates(con, key, transport, (p.run_date for p in prepared))
        finally:
            if owned:
                transport.close()

    failures = tuple(
        Failure(o.package_id, o.status, o.status_code, o.error)
        for o in sorted(outcomes, key=lambda o: o.package_id)
        if o.status != "delivered"
    )
    result = PublishResult(
        target=key,
        total=len(prepared),
        delivered_now=sum(o.status == "delivered" for o in outcomes),
        already_delivered=len(already),
        failed=sum(f.status == "failed" for f in failures),
        pending=sum(f.status == "pending" for f in failures),
        failures=failures,
    )
    log.info(
        "published to %s: %d packages, %d delivered now, %d already delivered, %d failed, %d pending",
        key,
        result.total,
        result.delivered_now,
        result.already_delivered,
        result.failed,
        result.pending,
    )
    if failures or manifest_errors:
        parts = []
        if failures:
            shown = "; ".join(f.describe() for f in failures[:SHOW_FIRST])
            more = f" and {len(failures) - SHOW_FIRST} more" if len(failures) > SHOW_FIRST else ""
            parts.append(
                f"{len(failures)} of {result.total} package(s) not delivered to {key} "
                f"({result.failed} failed, {result.pending} pending): {shown}{more}"
            )
        parts.extend(manifest_errors)
        raise PublishError(". ".join(parts) + ". The ledger records them; a re-run retries them.", result)
    return result
