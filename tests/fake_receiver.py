"""A scripted officer-app receiver for publishing tests: ``POST /packages`` (officer packages) and
``POST /handoffs`` (the partner departments' side of hand-offs, SPEC 12) on 127.0.0.1 only.
``Seen.path`` tells which endpoint a request went to; both share the fault plans and the store.

Each request takes the next action from the plan for its Idempotency-Key (``script(..., key=K)``),
else from the shared plan (``script(...)``), else from the random fault mode if it is on
(``random_faults(rate, mix, seed=...)``), else ``"ok"``. Actions:

* ``"ok"``       store the body by key -> 201; a key already stored -> 409 (same body) or 422 and a
                 recorded conflict (different body)
* ``500``/``503``/``400``/any int  answer that status with a small JSON error body
* ``429``        answer 429 with ``Retry-After: 0`` (``retry_after`` overrides the value)
* ``"hang"``     read the request, then wait ``hang_seconds`` (longer than the client timeout) and
                 close without answering; nothing stored
* ``"lost"``     store the body (as "ok" would), then hang: the receiver has it, the client never
                 hears so; the retry must get 409
* ``"reset"``    read the request, then abort the connection with a TCP RST; nothing stored

Random fault mode: a request is a fault with probability ``rate``, its action drawn from ``mix``.
The draw depends only on (seed, Idempotency-Key, how many requests that key has made), not on the
order in which concurrent requests arrive, so a seeded run is reproducible; ``planned(key, n)``
tells what the n-th request (0-based) of a key is answered with.

Bounded: loopback only, bodies over ``max_body`` get 413, hangs end at ``stop()``, idle
keep-alive connections time out. Use as a context manager (the ``receiver`` fixture does).
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Action = str | int


@dataclass
class Seen:
    """One request, recorded on arrival; ``status`` is filled in once answered (None: hang/reset)."""

    key: str | None
    action: str
    content_type: str | None
    body: bytes
    status: int | None = None
    path: str = "/packages"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 16
    receiver: FakeReceiver


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # idle keep-alive connections are closed after this many seconds
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
        return

    def _answer(self, status: int, payload: dict[str, object], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        rec = self.server.receiver
        length = self.headers.get("Content-Length")
        if self.path not in ("/packages", "/handoffs"):
            self.close_connection = True
            self._answer(404, {"error": "not found"})
            return
        if length is None or not length.isdigit():
            self.close_connection = True
            self._answer(411, {"error": "length required"})
            return
        if int(length) > rec.max_body:
            self.close_connection = True
            self._answer(413, {"error": "too large"})
            return
        body = self.rfile.read(int(length))
        key = self.headers.get("Idempotency-Key")
        action = rec._next_action(key)
        seen = Seen(key, action, self.headers.get("Content-Type"), body, path=self.path)
        rec._seen(seen)
        if key is None:
            seen.status = 400
            self._answer(400, {"error": "Idempotency-Key required"})
        elif action in ("ok", "lost"):
            status = rec._store(key, body)
            if action == "lost":
                rec._hang(self)
            else:
                seen.status = status
                self._answer(status, {"package_id": key})
        elif action == "hang":
            rec._hang(self)
        elif action == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        elif action == "429":
            seen.status = 429
            self._answer(429, {"error": "slow down"}, {"Retry-After": rec.retry_after})
        else:
            seen.status = int(action)
            self._answer(seen.status, {"error": f"scripted {seen.status}", "detail": "see the fault plan"})


class FakeReceiver:
    def __init__(
        self,
        port: int = 0,
        *,
        hang_seconds: float = 2.0,
        retry_after: str = "0",
        max_body: int = 1 << 20,
    ) -> None:
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.max_body = max_body
        self.stored: dict[str, bytes] = {}
        self.created: list[str] = []  # keys in the order they were first stored (a key twice: a bug)
        self.conflicts: list[str] = []
        self.requests: list[Seen] = []
        self._plan: deque[str] = deque()
        self._key_plans: dict[str, deque[str]] = {}
        self._fault_rate = 0.0
        self._fault_mix: tuple[tuple[str, ...], tuple[float, ...]] = ((), ())
        self._fault_seed = 0
        self._key_requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.receiver = self
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeReceiver:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="fake-receiver"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakeReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ---------------------------------------------------------------

    def script(self, *actions: Action, key: str | None = None) -> None:
        with self._lock:
            plan = self._plan if key is None else self._key_plans.setdefault(key, deque())
            plan.extend(str(a) for a in actions)

    def random_faults(
        self, rate: float, mix: Mapping[Action, float] | Sequence[Action], *, seed: int = 0
    ) -> None:
        """Fail a random ``rate`` of the requests not covered by a script (0 turns the mode off).

        ``mix`` names the fault actions, equally likely, or maps each to a weight.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        weights = dict(mix) if isinstance(mix, Mapping) else dict.fromkeys(mix, 1.0)
        if rate and (not weights or "ok" in weights):
            raise ValueError("mix needs at least one fault action (and not 'ok')")
        with self._lock:
            self._fault_rate = rate
            self._fault_mix = (tuple(str(a) for a in weights), tuple(float(w) for w in weights.values()))
            self._fault_seed = seed

    def planned(self, key: str, n: int) -> str:
        """The random-mode action for the ``n``-th (0-based) request of ``key``: a fault or ``"ok"``."""
        if not self._fault_rate:
            return "ok"
        rng = random.Random(f"{self._fault_seed}|{key}|{n}")
        if rng.random() >= self._fault_rate:
            return "ok"
        actions, weights = self._fault_mix
        return rng.choices(actions, weights)[0]

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def counters(self) -> Counter[str]:
        """Requests by action taken (``ok``, ``500``, ``hang`` …)."""
        with self._lock:
            return Counter(s.action for s in self.requests)

    def requests_for(self, key: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.requests if s.key == key]

    # -- used by the handler --------------------------------------------------------------------

    def _next_action(self, key: str | None) -> str:
        with self._lock:
            n = self._key_requests[key or ""]
            self._key_requests[key or ""] += 1
            plan = self._key_plans.get(key or "")
            if plan:
                return plan.popleft()
            if self._plan:
                return self._plan.popleft()
            return self.planned(key, n) if key is not None else "ok"

    def _store(self, key: str, body: bytes) -> int:
        with self._lock:
            if key not in self.stored:
                self.stored[key] = body
                self.created.append(key)
                return 201
            if self.stored[key] != body:
                self.conflicts.append(key)
                return 422
            return 409

    def _hang(self, handler: _Handler) -> None:
        handler.close_connection = True
        self._stopping.wait(self.hang_seconds)

    def _seen(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)
