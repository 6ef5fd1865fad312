"""Leadership report (SPEC section 1, step 6): one self-contained Chinese Plotly HTML page per run date.

    from standard_parts.report import build_report
    path = build_report(settings, date(2026, 10, 5))
    # <warehouse>/reports/2026-10-05/leadership.html, reports/latest.html, reports/index.html

Reads only ``settings.analytics_path`` (read-only, schema ``marts``): never the operational store.
Every file is written to a temporary name and moved into place with ``os.replace``, so a reader
(or a web server pointed at ``reports/``) never sees half a page.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date
from pathlib import Path

from . import departments as _departments

log = logging.getLogger(__name__)

__all__ = ["build_report", "render_report", "write_atomic"]


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def render_report(analytics_path: Path, run_date: date, timezone: str = "Asia/Shanghai") -> str:
    """The report page for ``run_date`` as an HTML string (no files written)."""
    from .data import load_report_data
    from .page import render_page

    return render_page(load_report_data(analytics_path, run_date, timezone))


def build_report(settings, run_date: date | str) -> Path:
    """Write ``reports/<run_date>/leadership.html``, ``reports/latest.html`` and ``reports/index.html``.

    ``latest.html`` follows the newest run date: re-building an older date (a backfill) leaves it
    on the newer report. Returns the dated report's path.
    """
    from .page import render_index

    if isinstance(run_date, str):
        run_date = date.fromisoformat(run_date)
    started = time.perf_counter()
    html = render_report(settings.analytics_path, run_date, settings.timezone)
    reports = settings.warehouse / "reports"
    dated = reports / run_date.isoformat() / "leadership.html"
    write_atomic(dated, html)
    _departments.build_departments_page(settings, run_date)  # reports/<run_date>/departments.html (SPEC 12)
    newest = max((p.parent.name for p in reports.glob("*/leadership.html")), default=run_date.isoformat())
    if newest <= run_date.isoformat() or not (reports / "latest.html").exists():
        write_atomic(reports / "latest.html", html)
    write_atomic(reports / "index.html", render_index(reports, settings.warehouse))
    log.info("report for %s written to %s (%.1f s, %.1f MB)", run_date, dated, time.perf_counter() - started,
             dated.stat().st_size / 1e6)
    return dated
