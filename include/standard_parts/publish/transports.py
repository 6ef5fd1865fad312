"""Delivery of officer packages (SPEC section 8): canonical bytes and the two transports.

A package is serialised once, canonically, so a re-sent package is byte-identical and its sha256
identifies it. A transport takes a :class:`PreparedPackage` and returns a :class:`DeliveryOutcome`;
it never raises for an expected delivery failure (network, HTTP status, disk), only for bugs.
Recording outcomes is the ledger's job (``ledger.py``).

Targets (``make_transport``):

* ``folder:DIR`` -> :class:`FolderTransport`: ``DIR/<run_date>/<officer_id>.json`` written atomically,
  plus ``DIR/<run_date>/manifest.json`` written last, once the run date is complete.
* ``http://…`` / ``https://…`` -> :class:`HttpTransport`: ``POST <url>/packages`` with
  ``Idempotency-Key: <package_id>``; 2xx/409 delivered, 408/429/5xx/network errors retried with
  exponential backoff and jitter (bounded by attempts and total time), other statuses permanent.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import logging
import os
import re
import ssl
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import tenacity

from ..files import write_bytes

log = logging.getLogger(__name__)

REQUIRED_KEYS = (
    "package_id",
    "officer_id",
    "run_date",
    "business_list",
    "enablement_list",
    "collaboration_list",
    "work_code",
)
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
ERROR_EXCERPT_CHARS = 200
_MAX_ANSWER_BYTES = 64 * 1024

Status = Literal["delivered", "failed", "pending"]

_RUN_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- packages


def canonical_bytes(package: Mapping[str, Any]) -> bytes:
    """The one serialisation of a package: sorted keys, no whitespace, UTF-8, strict JSON (no NaN)."""
    return json.dumps(
        package, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


@dataclass(frozen=True)
class PreparedPackage:
    """A validated package with its canonical body; what transports and the ledger work with."""

    package_id: str
    officer_id: str
    run_date: str  # YYYY-MM-DD
    body: bytes
    sha256: str
    task_count: int

    @property
    def bytes(self) -> int:
        return len(self.body)

    @property
    def file_name(self) -> str:
        return f"{self.officer_id}.json"


class PackageSpool:
    """Prepared bodies parked in an unnamed temporary file while a run validates and registers every
    package before sending any: memory then holds only ids and hashes (city scale: ~0.5 GB of
    bodies). Reads are ``os.pread``, safe from the HTTP worker threads. Close it (or use ``with``)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed by close()
        self._end = 0

    def keep(self, package: PreparedPackage) -> SpooledPackage:
        self._file.write(package.body)
        self._file.flush()
        spooled = SpooledPackage(package.package_id, package.officer_id, package.run_date, package.sha256,
                                 package.task_count, self, self._end, len(package.body))
        self._end += len(package.body)
        return spooled

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self._file.fileno(), size, offset)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> PackageSpool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass(frozen=True)
class SpooledPackage:
    """A :class:`PreparedPackage` whose body waits in a :class:`PackageSpool` (same interface)."""

    package_id: str
    officer_id: str
    run_date: str
    sha256: str
    task_count: int
    spool: PackageSpool = field(repr=False, compare=False)
    offset: int = field(repr=False)
    size: int = field(repr=False)

    @property
    def body(self) -> bytes:
        return self.spool.read(self.offset, self.size)

    @property
    def bytes(self) -> int:
        return self.size

    @property
    def file_name(self) -> str:
        return f"{self.officer_id}.json"


def _check_path_component(value: str, what: str, package_id: str) -> None:
    # officer_id becomes a file name under the folder target: refuse anything that could escape it.
    if (
        not value
        or value.startswith(".")
        or "/" in value
        or "\\" in value
        or "\x00" in value
        or value != value.strip()
    ):
        raise ValueError(f"package {package_id!r}: {what} {value!r} cannot be used as a file name")


@dataclass(frozen=True)
class DocumentKind:
    """What is published: officer packages (SPEC 8) or partner departments' hand-off documents (SPEC 12).

    Both go through the same spool, ledger and transports; a kind names the document's id key (the
    Idempotency-Key), its recipient key (the file name under a folder target, the ledger's recipient
    column), the list it counts, its required keys and the HTTP resource it is POSTed to.
    """

    name: str
    id_key: str
    recipient_key: str
    list_key: str
    required: tuple[str, ...]
    resource: str


PACKAGE = DocumentKind("package", "package_id", "officer_id", "business_list", REQUIRED_KEYS, "packages")


def prepare_package(package: Mapping[str, Any], kind: DocumentKind = PACKAGE) -> PreparedPackage:
    """Validate the contract fields and serialise; raises ValueError naming the package."""
    if not isinstance(package, Mapping):
        raise ValueError(f"a {kind.name} must be a mapping, got {type(package).__name__}")
    package_id = package.get(kind.id_key)
    if not isinstance(package_id, str) or not package_id.strip():
        raise ValueError(f"{kind.name} without a valid {kind.id_key}: {package_id!r}")
    missing = [k for k in kind.required if k not in package]
    if missing:
        raise ValueError(f"{kind.name} {package_id!r} lacks required keys {missing}")
    officer_id = package[kind.recipient_key]
    if not isinstance(officer_id, str):
        raise ValueError(f"{kind.name} {package_id!r}: {kind.recipient_key} must be a string, got {officer_id!r}")
    _check_path_component(officer_id, kind.recipient_key, package_id)
    run_date = package["run_date"]
    if not isinstance(run_date, str) or not _RUN_DATE_RE.match(run_date):
        raise ValueError(f"{kind.name} {package_id!r}: run_date must be 'YYYY-MM-DD', got {run_date!r}")
    try:
        date.fromisoformat(run_date)
    except ValueError as exc:
        raise ValueError(f"{kind.name} {package_id!r}: run_date {run_date!r} is not a date") from exc
    business_list = package[kind.list_key]
    if not isinstance(business_list, list):
        raise ValueError(f"{kind.name} {package_id!r}: {kind.list_key} must be a list")
    try:
        body = canonical_bytes(package)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{kind.name} {package_id!r} is not JSON-serialisable: {exc}") from exc
    return PreparedPackage(
        package_id=package_id,
        officer_id=officer_id,
        run_date=run_date,
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        task_count=len(business_list),
    )


@dataclass(frozen=True)
class DeliveryOutcome:
    """Result of delivering one package in this run (attempts counts this run only)."""

    package_id: str
    status: Status  # delivered | failed (permanent) | pending (transient, retries exhausted)
    attempts: int
    status_code: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class ManifestEntry:
    package_id: str
    officer_id: str
    sha256: str
    bytes: int
    task_count: int

    @property
    def file_name(self) -> str:
        return f"{self.officer_id}.json"


def _excerpt(text: str, limit: int = ERROR_EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------------- interface


class Transport(ABC):
    """Delivers prepared packages to one target. Use as a context manager, or call close()."""

    #: canonical target string; the ledger keys deliveries by it
    target: str
    #: how many packages publish_packages may deliver concurrently through this transport
    max_workers: int = 1

    @abstractmethod
    def deliver(self, package: PreparedPackage) -> DeliveryOutcome:
        """Deliver one package; expected failures are returned as outcomes, never raised."""

    def finish_run_date(self, run_date: str, entries: Sequence[ManifestEntry]) -> None:  # noqa: B027
        """Called once every package of ``run_date`` for this target is delivered (default: nothing)."""

    def abort(self) -> None:  # noqa: B027
        """Ask in-flight deliveries to stop retrying (called when the publishing run is interrupted)."""

    def close(self) -> None:  # noqa: B027
        """Release resources."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --------------------------------------------------------------------------- folder


def manifest_bytes(run_date: str, entries: Sequence[ManifestEntry]) -> bytes:
    """Deterministic manifest (no wall-clock time), so a re-run rewrites identical bytes."""
    ordered = sorted(entries, key=lambda e: (e.officer_id, e.package_id))
    doc = {
        "manifest_version": MANIFEST_VERSION,
        "run_date": run_date,
        "packages": [
            {
                "package_id": e.package_id,
                "officer_id": e.officer_id,
                "file": e.file_name,
                "bytes": e.bytes,
                "sha256": e.sha256,
                "task_count": e.task_count,
            }
            for e in ordered
        ],
        "totals": {
            "packages": len(ordered),
            "tasks": sum(e.task_count for e in ordered),
            "bytes": sum(e.bytes for e in ordered),
        },
    }
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


class FolderTransport(Transport):
    """``folder:DIR``: ``DIR/<run_date>/<officer_id>.json`` plus ``DIR/<run_date>/manifest.json``."""

    max_workers = 1  # local disk: sequential is fast enough and keeps the failure story simple

    def __init__(self, root: str | os.PathLike[str]) -> None:
        if not str(root):
            raise ValueError("folder target needs a directory: folder:DIR")
        self.root = Path(root).expanduser().resolve()
        self.target = f"folder:{self.root}"

    def path_for(self, run_date: str, officer_id: str) -> Path:
        return self.root / run_date / f"{officer_id}.json"

    def deliver(self, package: PreparedPackage) -> DeliveryOutcome:
        path = self.path_for(package.run_date, package.officer_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_size != package.bytes or path.read_bytes() != package.body:
                    # The ledger did not know this package as delivered (e.g. a fresh ledger).
                    log.warning("replacing %s: its content differs from package %s", path, package.package_id)
            write_bytes(path, package.body, durable=True)  # the ledger says delivered once it returns
        except OSError as exc:
            return DeliveryOutcome(package.package_id, "failed", 1, error=_excerpt(f"{type(exc).__name__}: {exc}"))
        return DeliveryOutcome(package.package_id, "delivered", 1)

    def finish_run_date(self, run_date: str, entries: Sequence[ManifestEntry]) -> None:
        day = self.root / run_date
        day.mkdir(parents=True, exist_ok=True)
        # Every package of the date is in place (writes are sequential): a temp file still here was
        # left by a killed run. Consumers never read them (dot-prefixed, not *.json); tidy up.
        for leftover in day.glob(".*.tmp-*"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        write_bytes(day / MANIFEST_NAME, manifest_bytes(run_date, entries), durable=True)


# --------------------------------------------------------------------------- http


def parse_retry_after(value: str | None, *, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/invalid."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True)
class _Attempt:
    status: Status
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        return self.status == "pending"


# Network failures worth retrying. Not UnsupportedProtocol / LocalProtocolError / InvalidURL:
# those are configuration or client bugs that another attempt will not fix.
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError)


def _classify_status(code: int) -> Status:
    if 200 <= code < 300 or code == 409:
        return "delivered"
    if code in (408, 429) or 500 <= code < 600:
        return "pending"
    return "failed"


def _redact_url(url: httpx.URL) -> httpx.URL:
    return url.copy_with(username=url.username, password="***") if url.password else url


def _parse_http_url(url: str) -> httpx.URL:
    try:
        base = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"invalid publish URL: {exc}") from exc
    if base.scheme not in ("http", "https") or not base.host:
        raise ValueError(f"not an http(s) URL with a host: {_redact_url(base)}")
    return base.copy_with(fragment=None)


def _http_target(base: httpx.URL) -> str:
    # Ledger key and log name: no password, no trailing '/' (so 'http://h/' and 'http://h' are one target).
    return str(_redact_url(base.copy_with(path=base.path.rstrip("/") or "/"))).rstrip("/")


class HttpTransport(Transport):
    """``http(s)://URL``: POST each package to ``URL/<resource>`` (``packages``; hand-off documents:
    ``handoffs``) with an Idempotency-Key. The ledger target of another resource than ``packages`` is
    ``URL/<resource>``, so its deliveries never mix with the packages'.

    One httpx.Client (thread-safe) is shared by up to ``max_workers`` threads. Retries are bounded
    by ``max_attempts`` and ``max_total_seconds`` (no new attempt starts once the next wait would
    cross it); a 429/503 Retry-After is honoured up to ``retry_after_cap`` seconds. A caller-supplied
    ``client`` replaces ``timeout``/``verify``/``headers`` and is not closed by ``close()``.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 6,
        max_total_seconds: float = 120.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_cap: float = 60.0,
        max_workers: int = 4,
        headers: Mapping[str, str] | None = None,
        verify: bool | ssl.SSLContext = True,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        resource: str = "packages",
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if max_workers < 1:
            raise ValueError("max_workers must be >= 1")
        base = _parse_http_url(url)
        # Join carefully: 'http://h', 'http://h/' and 'http://h/api/' -> '/packages', '/api/packages'.
        self.endpoint = base.copy_with(path=base.path.rstrip("/") + f"/{resource}")
        self.target = _http_target(base) if resource == "packages" else _http_target(self.endpoint)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_total_seconds = max_total_seconds
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.retry_after_cap = retry_after_cap
        self.max_workers = max_workers
        self._stop = threading.Event()
        self._sleep = sleep or self._interruptible_sleep
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=timeout,
            verify=verify,
            headers=dict(headers or {}),
            limits=httpx.Limits(max_connections=max_workers, max_keepalive_connections=max_workers),
            follow_redirects=False,
        )

    # -- retry policy -------------------------------------------------------------------------

    def _interruptible_sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _backoff(self) -> tenacity.wait.wait_base:
        return tenacity.wait_exponential_jitter(
            initial=self.backoff_initial, max=self.backoff_max, jitter=self.backoff_initial
        )

    def _wait(self, state: tenacity.RetryCallState) -> float:
        attempt: _Attempt | None = state.outcome.result() if state.outcome and not state.outcome.failed else None
        if attempt is not None and attempt.retry_after is not None:
            return min(attempt.retry_after, self.retry_after_cap)
        return self._backoff()(state)

    def _post_once(self, package: PreparedPackage) -> _Attempt:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": package.package_id,
        }
        try:
            with self._client.stream("POST", self.endpoint, content=package.body, headers=headers) as resp:
                code = resp.status_code
                status = _classify_status(code)
                # Bounded read: a small answer is drained (the connection goes back to the pool);
                # a big one is cut off (the connection is dropped). Only an excerpt is kept.
                chunk = b""
                for part in resp.iter_bytes():
                    chunk += part
                    if len(chunk) >= _MAX_ANSWER_BYTES:
                        break
                if status == "delivered":
                    return _Attempt("delivered", code)
                text = chunk[: 4 * ERROR_EXCERPT_CHARS].decode(resp.encoding or "utf-8", errors="replace")
                error = f"HTTP {code}" + (f": {_excerpt(text)}" if text.strip() else "")
                retry_after = parse_retry_after(resp.headers.get("Retry-After")) if status == "pending" else None
                return _Attempt(status, code, error, retry_after)
        except _RETRYABLE_ERRORS as exc:
            return _Attempt("pending", error=_excerpt(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__))
        except httpx.HTTPError as exc:
            return _Attempt("failed", error=_excerpt(f"{type(exc).__name__}: {exc}"))

    def deliver(self, package: PreparedPackage) -> DeliveryOutcome:
        attempts = 0

        def once() -> _Attempt:
            nonlocal attempts
            if self._stop.is_set():
                return _Attempt("pending", error="publishing run interrupted before this attempt")
            attempts += 1
            return self._post_once(package)

        def log_retry(state: tenacity.RetryCallState) -> None:
            last: _Attempt = state.outcome.result()  # type: ignore[union-attr]
            log.info(
                "package %s: attempt %d failed (%s); retrying in %.2fs",
                package.package_id,
                state.attempt_number,
                last.error,
                state.upcoming_sleep,
            )

        retrying = tenacity.Retrying(
            sleep=self._sleep,
            stop=(
                tenacity.stop_after_attempt(self.max_attempts)
                | tenacity.stop_before_delay(self.max_total_seconds)
                | tenacity.stop_when_event_set(self._stop)
            ),
            wait=self._wait,
            retry=tenacity.retry_if_result(lambda a: a.retryable),
            before_sleep=log_retry,
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
        )
        started = time.monotonic()
        last: _Attempt = retrying(once)
        if last.status != "delivered":
            log.warning(
                "package %s: %s after %d attempt(s) in %.1fs: %s",
                package.package_id,
                last.status,
                attempts,
                time.monotonic() - started,
                last.error,
            )
        return DeliveryOutcome(package.package_id, last.status, attempts, last.status_code, last.error)

    def abort(self) -> None:
        self._stop.set()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


# --------------------------------------------------------------------------- factory


def make_transport(target: str, document: DocumentKind = PACKAGE, **opts: Any) -> Transport:
    """``folder:DIR`` -> FolderTransport; ``http(s)://…`` -> HttpTransport(**opts); else ValueError.

    Documents other than packages go to their own place on the same target: ``DIR/<resource>/`` and
    ``URL/<resource>`` (hand-offs: ``DIR/handoffs/<run_date>/<code>.json``, ``POST URL/handoffs``).
    """
    kind, value = _split_target(target)
    if kind == "folder":
        return FolderTransport(value if document.resource == "packages" else Path(value) / document.resource,
                               **opts)
    return HttpTransport(value, resource=document.resource, **opts)


def _split_target(target: str) -> tuple[Literal["folder", "http"], str]:
    if not isinstance(target, str) or not target.strip():
        raise ValueError("empty publish target; expected folder:DIR, http://… or https://…")
    target = target.strip()
    if target.startswith("folder:"):
        directory = target[len("folder:") :]
        if not directory:
            raise ValueError("folder target needs a directory: folder:DIR")
        return "folder", directory
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        return "http", target
    shown = repr(f"{scheme}:") if scheme else "(none)"
    raise ValueError(
        f"unknown publish target scheme {shown} in {target.split('@')[-1][:60]!r}; "
        "expected folder:DIR, http://… or https://…"
    )


def canonical_target(target: str, document: DocumentKind = PACKAGE) -> str:
    """The string the ledger keys deliveries by (absolute folder path; URL without trailing '/' or password);
    documents other than packages: that of their own place (``DIR/<resource>``, ``URL/<resource>``)."""
    kind, value = _split_target(target)
    if kind == "folder":
        root = Path(value).expanduser().resolve()
        return f"folder:{root if document.resource == 'packages' else root / document.resource}"
    base = _parse_http_url(value)
    if document.resource != "packages":
        base = base.copy_with(path=base.path.rstrip("/") + f"/{document.resource}")
    return _http_target(base)
