"""Leadership report (SPEC sections 1 step 6 and 11): self-contained Chinese Plotly HTML pages.

    from standard_parts.report import build_report
    path = build_report(settings, date(2026, 10, 5))
    # <warehouse>/reports/2026-10-05/leadership.html (the city), district-<n>.html and
    # station-<id>.html beside it (linked both ways), reports/latest.html, reports/index.html

Reads ``settings.analytics_path`` (read-only, schema ``marts``: the reporting models do the
aggregation), the optional district map ``<landing>/org/<date>/districts.geojson`` and
``<warehouse>/run_status.json`` (freshness); never the operational store. Every file is written to
a temporary name and moved into place with ``os.replace``, so a reader (or a web server pointed at
``reports/``) never sees half a page.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from datetime import date
from pathlib import Path

from ..files import write_text
from . import departments as _departments

log = logging.getLogger(__name__)

__all__ = ["build_report", "latest_page", "page_name", "render_pages", "render_report", "write_atomic"]

CITY_PAGE = "leadership.html"


def write_atomic(path: Path, text: str) -> None:
    write_text(path, text, parents=True)


def page_name(scope: str, scope_id: str) -> str:
    """File name of a page inside reports/<run_date>/: ASCII, stable across runs."""
    if scope == "city":
        return CITY_PAGE
    if scope == "station" and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", scope_id):
        return f"station-{scope_id}.html"
    # District values are Chinese (思明区): a short digest keeps hrefs plain and file names portable.
    return f"{scope}-{hashlib.sha1(scope_id.encode('utf-8')).hexdigest()[:10]}.html"


def render_pages(analytics_path: Path, run_date: date, timezone: str | None = None,
                 landing: Path | None = None, warehouse: Path | None = None, processes: int = 1) -> dict[str, str]:
    """Every page of ``run_date``: file name -> HTML (no files written). The city page first.

    ``processes`` > 1 draws the pages in that many forked processes (plotly builds every chart in
    pure Python, one core each: a 5.3M-resident city's ~57 pages and ~520 charts took 25 s on one);
    the pages are the same bytes either way."""
    from plotly.offline import get_plotlyjs

    from .data import load_warehouse

    global _shared
    wh = load_warehouse(analytics_path, run_date, timezone, landing, warehouse)
    keys = sorted(wh.scopes, key=lambda k: ({"city": 0, "district": 1, "station": 2}[k[0]], k[1]))
    if not any(k[0] == "city" for k in keys):
        keys.insert(0, ("city", "city"))
    links = {k: page_name(*k) for k in keys}
    _shared = (wh, links, timezone)  # what the drawing processes inherit when they are forked
    try:
        workers = max(1, min(processes, len(keys)))
        drawn: dict[str, str] = {}
        # interleaved, so the city and district pages (the most charts) are spread over the workers
        for part in _fork_map(_draw, [keys[i::workers] for i in range(workers)]):
            drawn.update(part)
    finally:
        _shared = None
    plotly_js = get_plotlyjs()
    return {links[k]: drawn[links[k]].replace(_PLOTLY_JS_SLOT, plotly_js, 1) for k in keys}


# plotly.js (~4.6 MB) stands in a page as this comment until the page is back in the parent process,
# so a drawing process sends only the page's own bytes through its pipe.
_PLOTLY_JS_SLOT = "/* standard-parts: plotly.js */"
_shared: tuple | None = None


def _fork_map(fn, shares: list) -> list:
    """``[fn(share) for share in shares]``, the first share in this process and each other one in a
    forked child that sends its result back through a pipe.

    Plain ``os.fork``, not multiprocessing: an Airflow task under Celery runs in a process that
    multiprocessing takes for a daemon, and daemons may not start multiprocessing children."""
    import os
    import pickle
    import traceback

    children = []
    for share in shares[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: draw, send, and leave without running the parent's clean-up
            os.close(read_end)
            try:
                payload = pickle.dumps((True, fn(share)))
            except BaseException:  # noqa: BLE001 - sent to the parent, which raises it
                payload = pickle.dumps((False, traceback.format_exc()))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            os._exit(0)
        os.close(write_end)
        children.append((pid, read_end))
    received = []
    try:
        results = [fn(shares[0])] if shares else []
    finally:  # the children are reaped even when this process's own share failed
        for pid, read_end in children:
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
            received.append((pid, data, os.waitpid(pid, 0)[1]))
    failures = []
    for pid, data, status in received:
        if not data or status != 0:
            failures.append(f"page process {pid} ended with status {status} and no result")
            continue
        ok, value = pickle.loads(data)  # our own child's bytes
        if ok:
            results.append(value)
        else:
            failures.append(value)
    if failures:
        raise RuntimeError("drawing the report pages failed:\n" + "\n".join(failures))
    return results


def _draw(keys: list[tuple[str, str]]) -> dict[str, str]:
    """Draw the pages of ``keys`` from the warehouse data ``render_pages`` loaded (``_shared``)."""
    from .data import page_data
    from .figures import house_template
    from .page import render_page

    wh, links, timezone = _shared
    pages = {}
    with house_template():
        for key in keys:
            data = page_data(wh, key, timezone)
            data.links = links
            pages[links[key]] = render_page(data, _PLOTLY_JS_SLOT)
    return pages


def render_report(analytics_path: Path, run_date: date, timezone: str | None = None,
                  landing: Path | None = None, warehouse: Path | None = None) -> str:
    """The city page for ``run_date`` as an HTML string (no files written)."""
    from .data import load_warehouse, page_data
    from .figures import house_template
    from .page import render_page

    wh = load_warehouse(analytics_path, run_date, timezone, landing, warehouse)
    city = next((k for k in wh.scopes if k[0] == "city"), ("city", "city"))
    data = page_data(wh, city, timezone)
    data.links = {k: page_name(*k) for k in wh.scopes}
    with house_template():
        return render_page(data)


def build_report(settings, run_date: date | str) -> Path:
    """Write every page of ``run_date`` into ``reports/<run_date>/``, then ``reports/latest.html``
    and ``reports/index.html``.

    ``latest.html`` is the newest date's city page with its links pointing into that date's folder
    (a ``<base>``); re-building an older date (a backfill) leaves it on the newer report. Returns the
    city page's path.
    """
    from .page import render_index

    if isinstance(run_date, str):
        run_date = date.fromisoformat(run_date)
    started = time.perf_counter()
    pages = render_pages(settings.analytics_path, run_date, settings.timezone, settings.landing, settings.warehouse,
                         processes=settings.report_processes)
    reports = settings.warehouse / "reports"
    folder = reports / run_date.isoformat()
    for name, html in pages.items():
        write_atomic(folder / name, html)
    dated = folder / CITY_PAGE
    _departments.build_departments_page(settings, run_date)  # reports/<run_date>/departments.html (SPEC 12)
    _prune(reports, folder, {*pages, _departments.PAGE}, settings.report_keep_dates)
    newest = max((p.parent.name for p in reports.glob(f"*/{CITY_PAGE}")), default=run_date.isoformat())
    if newest <= run_date.isoformat() or not (reports / "latest.html").exists():
        write_atomic(reports / "latest.html", latest_page(pages[CITY_PAGE], run_date))
    write_atomic(reports / "index.html", render_index(reports, settings.warehouse))
    size = sum(len(h.encode("utf-8")) for h in pages.values())
    log.info("report for %s: %d pages written to %s (%.1f s, %.1f MB)", run_date, len(pages), folder,
             time.perf_counter() - started, size / 1e6)
    return dated


def _prune(reports: Path, folder: Path, written: set[str], keep: int) -> None:
    """A re-rendered date keeps no page of a station or district that is gone; only the newest
    ``keep`` dated folders stay (each page carries plotly.js, so a year of nights would be ~100 GB)."""
    import shutil

    from .page import _is_date

    for stale in folder.glob("*.html"):
        if stale.name not in written:
            stale.unlink(missing_ok=True)
    dated = sorted((p for p in reports.iterdir() if p.is_dir() and _is_date(p.name)), reverse=True)
    for old in dated[keep:]:
        log.info("report folder %s is beyond the newest %d dates: removed", old.name, keep)
        shutil.rmtree(old, ignore_errors=True)


def latest_page(city_html: str, run_date: date) -> str:
    """The city page as reports/latest.html: relative links resolve inside reports/<run_date>/."""
    return city_html.replace("<head>\n", f'<head>\n<base href="{run_date.isoformat()}/">\n', 1)
