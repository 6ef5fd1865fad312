"""Render an HTML file in Debian's headless chromium and report what a reader would see.

Drives ``/usr/bin/chromium`` (installed by ``scripts/system-deps.sh``; never a downloaded browser)
over the Chrome DevTools protocol with the ``websockets`` client: console errors, uncaught
exceptions, every URL the page requested, how many plotly figures were drawn, the KPI values in
the rendered DOM, and a PNG screenshot (decoded here with zlib + numpy, no Pillow).

    with Browser() as browser:
        page = browser.open(path)        # PageResult
        png = browser.screenshot(scale=0.25)
"""

from __future__ import annotations

import base64
import json
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
]

# Resolves when every plotly div is drawn (or after the budget): what the tests assert on.
_WAIT_FOR_PLOTS = """
new Promise((resolve) => {
  const started = Date.now();
  const measure = () => {
    const divs = [...document.querySelectorAll('.plotly-graph-div')];
    const drawn = divs.filter((d) => d.classList.contains('js-plotly-plot') && d._fullLayout
        && d.querySelector('.main-svg') && d.querySelectorAll('path, rect, text').length > 3
        && d.getBoundingClientRect().height > 50);
    return {expected: divs.length, drawn: drawn.length, drawn_ids: drawn.map((d) => d.id),
            declared: Number(document.body.dataset.figures || -1),
            kpis: Object.fromEntries([...document.querySelectorAll('.kpi')].map(
                (k) => [k.id, {value: k.dataset.value, text: k.querySelector('.value').textContent}])),
            text: document.body.innerText, height: document.documentElement.scrollHeight};
  };
  const tick = () => {
    const m = measure();
    if ((m.expected > 0 && m.drawn === m.expected) || Date.now() - started > %d) resolve(m);
    else setTimeout(tick, 100);
  };
  tick();
})
"""


@dataclass
class PageResult:
    expected: int
    drawn: int
    declared: int
    drawn_ids: list[str]
    kpis: dict
    text: str
    height: int
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    def __init__(self, width: int = 1400, height: int = 3000, timeout: float = 20.0):
        self.width, self.height, self.timeout = width, height, timeout
        self._profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        self._proc: subprocess.Popen | None = None
        self._ws = None
        self._next_id = 0
        self.events: list[dict] = []

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Browser:
        from websockets.sync.client import connect

        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"{CHROMIUM} not found: run `bash scripts/system-deps.sh` (apt chromium)")
        log = (self._profile / "chromium-stderr.log").open("wb")
        self._proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=log)
        log.close()
        port = self._devtools_port()
        ws_url = self._page_target(port)
        self._ws = connect(ws_url, max_size=None, open_timeout=self.timeout)
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})
        return self

    def __exit__(self, *exc) -> None:
        if self._ws is not None:
            self._ws.close()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _devtools_port(self) -> int:
        marker = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self._proc.returncode}: "
                                   + (self._profile / "chromium-stderr.log").read_text(errors="replace")[-2000:])
            if marker.exists():
                lines = marker.read_text().splitlines()
                if lines and lines[0].strip().isdigit():
                    return int(lines[0])
            time.sleep(0.05)
        raise TimeoutError("chromium did not write DevToolsActivePort")

    def _page_target(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                targets = json.load(response)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise TimeoutError("chromium has no page target")

    # --- protocol ----------------------------------------------------------------------------
    def call(self, method: str, params: dict | None = None, timeout: float | None = None) -> dict:
        self._next_id += 1
        call_id = self._next_id
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = json.loads(self._ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_event(self, method: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        seen = len(self.events)
        for event in self.events[:seen]:
            if event["method"] == method:
                return event
        while time.monotonic() < deadline:
            message = json.loads(self._ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return message
        raise TimeoutError(f"no {method} within {timeout or self.timeout} s")

    # --- what the tests use ------------------------------------------------------------------
    def open(self, path: Path, budget_ms: int = 15000) -> PageResult:
        self.events.clear()
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_event("Page.loadEventFired")
        result = self.call("Runtime.evaluate", {"expression": _WAIT_FOR_PLOTS % budget_ms, "awaitPromise": True,
                                                "returnByValue": True}, timeout=budget_ms / 1000 + 10)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page probe failed: {result['exceptionDetails']}")
        # Let late console messages arrive (a figure that throws after drawing, say).
        self.call("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 200))", "awaitPromise": True})
        value = result["result"]["value"]
        page = PageResult(**value)
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                page.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                    for a in params.get("args", [])))
            elif event["method"] == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                page.exceptions.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                page.console_errors.append(params["entry"].get("text", ""))
            elif event["method"] == "Network.requestWillBeSent":
                page.requests.append(params.get("request", {}).get("url", ""))
        return page

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the open page (promises awaited)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path | None = None, scale: float = 1.0, full_page: bool = True) -> bytes:
        params: dict = {"format": "png", "captureBeyondViewport": full_page}
        if scale != 1.0 or full_page:
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            height = size["height"] if full_page else self.height
            params["clip"] = {"x": 0, "y": 0, "width": self.width, "height": height, "scale": scale}
        png = base64.b64decode(self.call("Page.captureScreenshot", params, timeout=30)["data"])
        if path is not None:
            path.write_bytes(png)
        return png


# --- PNG decoding (zlib + numpy; enough for chromium's 8-bit RGB/RGBA screenshots) ----------------

def decode_png(data: bytes) -> np.ndarray:
    """(height, width, channels) uint8 array; raises ValueError if the bytes are not a valid PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]:
            raise ValueError(f"bad CRC in {kind!r}")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise ValueError("no IHDR")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4, 0: 1, 4: 2}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    stride = width * channels
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: running sum per channel
            cur = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1) % 256
        elif kind == 2:  # Up
            cur = (line + prev) % 256
        elif kind in (3, 4):  # Average / Paeth: sequential along the row
            cur = np.zeros(stride, dtype=np.int32)
            lst, up = line.tolist(), prev.tolist()
            res = [0] * stride
            for i in range(stride):
                left = res[i - channels] if i >= channels else 0
                if kind == 3:
                    res[i] = (lst[i] + ((left + up[i]) >> 1)) & 255
                else:
                    ul = up[i - channels] if i >= channels else 0
                    p = left + up[i] - ul
                    pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - ul)
                    pred = left if pa <= pb and pa <= pc else (up[i] if pb <= pc else ul)
                    res[i] = (lst[i] + pred) & 255
            cur = np.array(res, dtype=np.int32)
        else:
            raise ValueError(f"bad filter type {kind}")
        out[y] = cur
        prev = cur
    return out.reshape(height, width, channels)


def distinct_colours(pixels: np.ndarray) -> int:
    flat = pixels.reshape(-1, pixels.shape[-1]).astype(np.uint32)
    packed = np.zeros(len(flat), dtype=np.uint32)
    for c in range(min(3, flat.shape[1])):
        packed |= flat[:, c] << (8 * c)
    return len(np.unique(packed))
