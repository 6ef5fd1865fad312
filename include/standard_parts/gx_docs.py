"""GX Data Docs of the gates: a static site under ``<warehouse>/gx_docs/``, updated by every gate run.

Each recorded gate outcome adds (or replaces) one validation result page, rendered from the
validation the gate already ran (nothing is validated twice) with GX's own renderer and page view:

    gx_docs/index.html                                               run dates, gates, status, links
    gx_docs/validations/<suite…>/<run date>/<run time>/<gate>.html   one page per gate per run date
    gx_docs/expectations/<suite…>.html                               the suites (linked from the pages)
    gx_docs/manifest.json                                            what the index lists

* Personal data: the result reaching this module was masked by :func:`standard_parts.gates.mask_result`
  (values of a suite's ``meta.pii_columns`` shown as ``110*************34``), before rendering.
* Bounded: one page per gate and run date (a re-run of the date replaces it, like
  ``ingest.gate_results``), for the ``KEEP_RUN_DATES`` run dates validated most recently; every
  other page is deleted on the next update. The full history of outcomes stays in the stores.
* Offline: GX's page templates load bootstrap, jQuery, font-awesome and a logo from CDNs. A few
  templates are replaced here (no external URL; a small stylesheet and a few lines of plain JS
  for the collapse and the "failed only" filter), and the index is a plain HTML table (GX's index
  needs bootstrap-table from unpkg to show any row). The site opens from ``file://``.
* Safe across processes: gates run in separate Airflow tasks; updates take ``.gx_docs.lock``
  (``flock``) in the warehouse and write every file atomically.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from html import escape
from pathlib import Path

from .files import write_text

log = logging.getLogger(__name__)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SITE_DIR = "gx_docs"
LOCK_NAME = ".gx_docs.lock"
KEEP_RUN_DATES = 14  # two weeks of nights; pages = gates per night x this

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def site_dir(warehouse: Path) -> Path:
    return Path(warehouse) / SITE_DIR


def write_validation_pages(warehouse: Path, run_date: date, gate: str, suite: dict, result,
                           keep_run_dates: int = KEEP_RUN_DATES) -> Path:
    """Add the (already masked) validation ``result`` of ``gate`` for ``run_date``; returns its page."""
    from great_expectations.core.run_identifier import RunIdentifier

    validated_at = datetime.now(UTC)
    run_id = RunIdentifier(run_name=run_date.isoformat(), run_time=validated_at)
    result.meta["run_id"] = run_id
    result.meta["batch_spec"] = {**(result.meta.get("batch_spec") or {}), "data_asset_name": gate}
    parts = [_SAFE.sub("_", p) for p in result.suite_name.split(".")]
    page_rel = "/".join(["validations", *parts, *run_id.to_tuple(), f"{_SAFE.sub('_', gate)}.html"])
    suite_rel = "/".join(["expectations", *parts]) + ".html"
    page_html, suite_html = _render(result, suite)  # outside the lock: ~50 ms each
    entry = {"run_date": run_date.isoformat(), "gate": gate, "suite": result.suite_name,
             "success": bool(result.success), "evaluated": result.statistics.get("evaluated_expectations"),
             "failed": result.statistics.get("unsuccessful_expectations"),
             "validated_at": validated_at.isoformat(), "page": page_rel,
             "suite_page": suite_rel}

    site = site_dir(warehouse)
    with _lock(Path(warehouse)):
        write_text(site / page_rel, page_html, parents=True)
        write_text(site / suite_rel, suite_html, parents=True)
        entries = [e for e in _load_manifest(site) if (e["run_date"], e["gate"]) != (entry["run_date"], gate)]
        entries = _retain([*entries, entry], keep_run_dates)
        _sweep(site, entries)
        write_text(site / "manifest.json", json.dumps({"keep_run_dates": keep_run_dates, "validations": entries},
                                                      ensure_ascii=False, indent=1), parents=True)
        write_text(site / "index.html", render_index(entries, keep_run_dates), parents=True)
    return site / page_rel


# ------------------------------------------------------------------------------------- retention

def _retain(entries: list[dict], keep: int) -> list[dict]:
    """Entries of the ``keep`` run dates validated most recently, newest run date first."""
    latest: dict[str, str] = {}
    for e in entries:
        latest[e["run_date"]] = max(latest.get(e["run_date"], ""), e["validated_at"])
    kept = set(sorted(latest, key=lambda d: (latest[d], d), reverse=True)[:keep])
    return sorted((e for e in entries if e["run_date"] in kept),
                  key=lambda e: (e["run_date"], e["gate"]), reverse=True)


def _sweep(site: Path, entries: list[dict]) -> None:
    """Delete every page the manifest does not list (replaced, expired, or left by a crash)."""
    wanted = {e["page"] for e in entries} | {e["suite_page"] for e in entries}
    for section in ("validations", "expectations"):
        root = site / section
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.is_file() and path.relative_to(site).as_posix() not in wanted:
                path.unlink(missing_ok=True)
        for path in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            if not any(path.iterdir()):
                path.rmdir()


def _load_manifest(site: Path) -> list[dict]:
    try:
        return list(json.loads((site / "manifest.json").read_text(encoding="utf-8"))["validations"])
    except (OSError, ValueError, KeyError, TypeError):
        return []  # first run, or a damaged manifest: start over (the sweep removes orphaned pages)


# ------------------------------------------------------------------------------------------ files

@contextmanager
def _lock(warehouse: Path) -> Iterator[None]:
    warehouse.mkdir(parents=True, exist_ok=True)
    with (warehouse / LOCK_NAME).open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -------------------------------------------------------------------------------------- rendering

def _render(result, suite: dict) -> tuple[str, str]:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.render.renderer import ExpectationSuitePageRenderer, ValidationResultsPageRenderer

    view = _view()
    page = view.render(ValidationResultsPageRenderer().render(result), show_how_to_buttons=False)
    gx_suite = ExpectationSuite(name=result.suite_name, expectations=suite["expectations"])
    suite_page = view.render(ExpectationSuitePageRenderer().render(gx_suite), show_how_to_buttons=False)
    return page, suite_page


@lru_cache(maxsize=1)
def _view():
    """GX's page view with the templates that reach the network replaced by offline ones."""
    from great_expectations.render.view import DefaultJinjaPageView
    from jinja2 import ChoiceLoader, DictLoader

    view = DefaultJinjaPageView()
    view.env.loader = ChoiceLoader([DictLoader(_TEMPLATES), view.env.loader])
    return view


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="standard-parts GX Data Docs (Great Expectations {{ ge_version }})">
<title>{{ page_title | default("Data Docs", true) }} - GX Data Docs</title>
<style>{% include 'data_docs_default_styles.css' %}</style>
<style>{% include 'sp_offline.css' %}</style>
</head>
<body>
{% include 'top_navbar.j2' %}
<div class="container-fluid pt-4 pb-4 pl-5 pr-5">
<div class="row">
{% include 'sidebar.j2' %}
<div class="col-md-10 col-lg-10 col-xs-12 pl-md-4 pr-md-3">
{% for section in sections %}{% set section_loop = loop -%}{% include 'section.j2' %}{% endfor %}
</div>
</div>
</div>
<script>{% include 'sp_offline.js' %}</script>
</body>
</html>
"""

_NAVBAR = """{% set dots = expectation_suite_name.count(".") if expectation_suite_name else 0 -%}
{% if "ValidationResults" in renderer_type %}{% set home_url = ((dots + 4) * "../") + "index.html" -%}
{% elif "ExpectationSuite" in renderer_type %}{% set home_url = ((dots + 1) * "../") + "index.html" -%}
{% else %}{% set home_url = "index.html" -%}{% endif -%}
<nav class="sp-nav"><a class="sp-brand" href="{{ home_url }}">GX Data Docs</a>
{% if page_title %}<span class="sp-crumb"><a href="{{ home_url }}">Home</a> / {{ page_title }}</span>{% endif %}
</nav>
"""

_ACTIONS = """<div class="card mb-3"><div class="card-header p-2"><strong>Actions</strong></div>
<div class="card-body p-3"><p class="card-text mb-1">Validation Filter:</p>
<button type="button" class="btn btn-primary" onclick="spFilter(true)">Show All</button>
<button type="button" class="btn btn-primary" onclick="spFilter(false)">Failed Only</button>
</div></div>
"""

_JS = """function spFilter(all) {
  const show = (el) => { if (el) el.style.display = all ? "" : "none"; };
  document.querySelectorAll(".hide-succeeded-validation-target-child").forEach((el) => show(el.parentElement));
  document.querySelectorAll(".hide-succeeded-validation-target").forEach(show);
  document.querySelectorAll(".hide-succeeded-validations-column-section-target-child").forEach((el) => {
    const section = el.parentElement && el.parentElement.parentElement;
    show(section);
    if (section && section.id) document.querySelectorAll('a[href$="' + section.id + '"]').forEach(show);
  });
}
document.addEventListener("click", (event) => {
  const toggle = event.target.closest('[data-toggle="collapse"]');
  if (!toggle) return;
  const target = document.querySelector(toggle.getAttribute("data-target") || toggle.getAttribute("href"));
  if (target) { event.preventDefault(); target.classList.toggle("show"); }
});
"""

_CSS = """
body { margin:0; color:#1f2933; background:#fff; font-size:14px; line-height:1.5;
       font-family: "Helvetica Neue", Arial, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
a { color:#1f6feb; } h1,h2,h3,h4,h5,h6 { margin:.3em 0; } .lead { color:#616e7c; }
.sp-nav { display:flex; gap:18px; align-items:center; padding:12px 24px; border-bottom:1px solid #e4e7eb;
          background:#fff; position:sticky; top:0; z-index:10; }
.sp-brand { font-weight:600; font-size:18px; text-decoration:none; }
.container-fluid { box-sizing:border-box; width:100%; padding:0 8px; }
.row { display:flex; flex-wrap:wrap; margin:0 -8px; }
[class*="col-"] { box-sizing:border-box; padding:0 8px; flex:0 0 100%; max-width:100%; }
@media (min-width:768px) {
  .col-md-2 { flex:0 0 16.6667%; max-width:16.6667%; } .col-md-10 { flex:0 0 83.3333%; max-width:83.3333%; }
  .col-6 { flex:0 0 50%; max-width:50%; } }
.pt-4 { padding-top:1rem; } .pl-5 { padding-left:24px; } .pr-5 { padding-right:24px; }
.pl-md-4 { padding-left:16px; } .d-flex { display:flex; } .p-0 { padding:0 !important; } .px-0 { padding-left:0; padding-right:0; }
.mb-1 { margin-bottom:.25rem; } .mb-3 { margin-bottom:1rem; } .mb-4 { margin-bottom:1.5rem; } .mt-3 { margin-top:1rem; }
.card { border:1px solid #e4e7eb; border-radius:4px; margin-bottom:12px; }
.card-header { background:#f5f7fa; border-bottom:1px solid #e4e7eb; padding:6px 10px; }
.card-body { padding:10px; }
.alert { border-radius:4px; padding:10px 14px; margin-bottom:12px; }
.alert-secondary { background:#f0f2f5; border:1px solid #e4e7eb; }
.badge { display:inline-block; padding:1px 6px; border-radius:4px; font-size:12px; background:#e4e7eb; }
.btn { border:1px solid #1f6feb; background:#fff; color:#1f6feb; border-radius:4px; padding:3px 8px;
       cursor:pointer; margin:2px; }
.nav { list-style:none; padding:0; margin:0; } .nav-link { display:block; padding:2px 0; }
.table { border-collapse:collapse; width:100%; margin-bottom:12px; }
.table th, .table td { border:1px solid #e4e7eb; padding:4px 8px; vertical-align:top; text-align:left; }
.table-responsive { overflow-x:auto; }
.text-success { color:#2e9d5b; } .text-danger { color:#d64541; }
.collapse:not(.show) { display:none; }
.fas { font-style:normal; font-weight:700; }
.fa-check-circle::before { content:"\\2714"; } .fa-times::before { content:"\\2718"; }
.fa-exclamation-triangle::before { content:"\\26A0"; } .fa-question-circle::before { content:"?"; }
.fa-comment::before { content:"\\1F4AC"; }
"""

_TEMPLATES = {
    "page.j2": _PAGE,
    "top_navbar.j2": _NAVBAR,
    "page_action_card.j2": _ACTIONS,
    "js_script_imports.j2": "",
    "favicon.j2": "",
    "cloud-footer.j2": "",
    "sp_offline.css": _CSS,
    "sp_offline.js": _JS,
}


# ------------------------------------------------------------------------------------------ index

_INDEX_CSS = """body{font-family:PingFang SC,"Microsoft YaHei","Noto Sans CJK SC","Helvetica Neue",Arial,sans-serif;
margin:32px;color:#1f2933;font-size:14px}table{border-collapse:collapse;margin:6px 0 18px}
th,td{border:1px solid #e4e7eb;padding:4px 10px;text-align:left}th{background:#f5f7fa}td.num{text-align:right}
.ok{color:#2e9d5b}.fail{color:#d64541;font-weight:600}.note{color:#616e7c}"""


def render_index(entries: list[dict], keep_run_dates: int = KEEP_RUN_DATES) -> str:
    """gx_docs/index.html: every kept validation by run date (newest first), and the suites."""
    by_date: dict[str, list[dict]] = {}
    for e in entries:
        by_date.setdefault(e["run_date"], []).append(e)
    sections = []
    for run_date in sorted(by_date, reverse=True):
        rows = sorted(by_date[run_date], key=lambda e: e["gate"])
        failed = sum(1 for e in rows if not e["success"])
        body = "".join(
            f'<tr data-gate="{escape(e["gate"])}" data-success="{str(e["success"]).lower()}">'
            f'<td><a href="{escape(e["page"])}">{escape(e["gate"])}</a></td>'
            f'<td><a href="{escape(e["suite_page"])}">{escape(e["suite"])}</a></td>'
            f'<td class="{"ok" if e["success"] else "fail"}">{"通过" if e["success"] else "未通过"}</td>'
            f'<td class="num">{e["evaluated"]}</td><td class="num">{e["failed"]}</td>'
            f'<td>{escape(e["validated_at"][:19].replace("T", " "))}</td></tr>' for e in rows)
        status = f'<span class="fail">{failed} 个未通过</span>' if failed else '<span class="ok">全部通过</span>'
        sections.append(
            f'<h2 id="run-{run_date}">统计日 {run_date}（{len(rows)} 个校验，{status}）</h2>'
            '<table><thead><tr><th>校验（gate）</th><th>规则集（suite）</th><th>结果</th><th>期望数</th>'
            f'<th>未满足</th><th>校验时间（UTC）</th></tr></thead><tbody>{body}</tbody></table>')
    content = "".join(sections) or "<p>暂无校验结果。</p>"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="generator" content="standard-parts GX Data Docs">
<title>数据质量校验报告（Great Expectations Data Docs）</title><style>{_INDEX_CSS}</style></head>
<body>
<p><a href="../reports/index.html">← 报告目录</a></p>
<h1>数据质量校验报告（Great Expectations Data Docs）</h1>
<p class="note">每次运行的质量关卡（Great Expectations 校验）各一页：保留最近校验的 {keep_run_dates} 个统计日，
同一统计日重跑时替换。完整历史见分析库 marts.gate_results。个人信息字段的异常值已脱敏。</p>
{content}
</body>
</html>
"""
