"""The department page (SPEC 12): hand-off service levels of the partner departments and supervision.

    from standard_parts.report.departments import build_departments_page
    build_departments_page(settings, date(2026, 10, 5))   # <warehouse>/reports/2026-10-05/departments.html

Reads only ``analytics.duckdb`` (``marts.handoff_sla_monthly``, ``marts.fct_handoffs``,
``marts.escalations``); a file built before those marts existed gives a page that says so. Self-contained
Chinese HTML (plotly.js inline), written atomically; its figures are repeated for reconciliation in
``<script type="application/json" id="kpi-departments">`` (not ``id="kpi"``: that block is the SPEC 11 city/district/station contract).
"""

from __future__ import annotations

import json
import logging
from datetime import date
from html import escape
from pathlib import Path

from .. import business_time

log = logging.getLogger(__name__)

OVERDUE_LIMIT = 200  # open overdue hand-offs listed (most overdue first)
CSS = """body{font-family:PingFang SC,"Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}main{max-width:1200px;margin:0 auto;padding:24px}h1{font-size:24px}h2{font-size:18px;
margin-top:32px}table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}th,td{border:1px solid
#d9e2ec;padding:4px 8px;text-align:right}th{background:#eef2f7}td.t,th.t{text-align:left}.kpis{display:flex;
gap:12px;flex-wrap:wrap}.kpi{background:#fff;border-radius:6px;padding:12px 16px;min-width:160px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}.kpi b{display:block;font-size:24px}.note{color:#52606d;font-size:13px}
.bad{color:#c62828}"""


def _pct(num, den) -> str:
    return "—" if not den else f"{100 * num / den:.1f}%"


def _hours(value) -> str:
    return "—" if value is None or value != value else f"{value:.1f}"


def _table(head: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    th = "".join(f'<th class="{"t" if i < text_columns else ""}">{escape(h)}</th>' for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="{"t" if i < text_columns else ""}">{escape(str(c))}</td>'
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body or '<tr><td class=t>暂无</td></tr>'}</tbody></table>"


def load(analytics_path: Path, timezone: str | None = None) -> dict:
    """The page's rows from the marts (empty lists where a mart is missing); ``timezone``: the
    business zone (Settings.timezone; None: the default)."""
    import duckdb

    con = duckdb.connect(str(analytics_path), read_only=True)
    try:
        business_time.configure(con, timezone)
        tables = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}

        def rows(sql: str, table: str) -> list[dict]:
            if table not in tables:
                return []
            rel = con.execute(sql)
            cols = [d[0] for d in rel.description]
            return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]

        return {
            "has_marts": "handoff_sla_monthly" in tables,
            "sla": rows("select * from marts.handoff_sla_monthly order by month desc, department",
                        "handoff_sla_monthly"),
            "overdue": rows(
                "select handoff_id, task_id, department, coalesce(department_name_zh, department) as name, "
                "station_id, opened_at, resolve_due_at, acknowledged_at, "
                "(epoch(as_of_at(max(as_of_date) over ())) - epoch(resolve_due_at)) / 3600.0 as hours_over "
                "from marts.fct_handoffs where open_overdue order by resolve_due_at, handoff_id "
                f"limit {OVERDUE_LIMIT}", "fct_handoffs"),
            "stations": rows(
                "select e.station_id, coalesce(any_value(s.station_name), e.station_id) as station_name, "
                "count(*) as escalated, count(*) filter (where e.completed_at is null) as still_open, "
                "count(*) filter (where e.leader_officer_id is null) as no_leader "
                "from marts.escalations as e left join marts.dim_stations as s using (station_id) "
                "group by e.station_id order by still_open desc, escalated desc, e.station_id"
                if "dim_stations" in tables else
                "select station_id, station_id as station_name, count(*) as escalated, "
                "count(*) filter (where completed_at is null) as still_open, "
                "count(*) filter (where leader_officer_id is null) as no_leader "
                "from marts.escalations group by station_id order by still_open desc, station_id", "escalations"),
        }
    finally:
        con.close()


def render(data: dict, run_date: date, plotly_js: str | None = None, timezone: str | None = None) -> str:
    """The page as an HTML string; times are shown in local time (``timezone``, as for :func:`load`)."""
    import plotly.graph_objects as go

    from .figures import template_layout

    if plotly_js is None:
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    sla = data["sla"]
    by_dept: dict[str, dict] = {}
    for r in sla:
        d = by_dept.setdefault(r["department"], {"name": r.get("department_name_zh") or r["department"],
                                                 **{k: 0 for k in ("handoffs", "acknowledged", "acknowledged_on_time",
                                                                   "resolved", "resolved_on_time", "rejected",
                                                                   "open_overdue")}})
        for k in ("handoffs", "acknowledged", "acknowledged_on_time", "resolved", "resolved_on_time", "rejected",
                  "open_overdue"):
            d[k] += int(r[k])
    totals = {k: sum(d[k] for d in by_dept.values()) for k in
              ("handoffs", "acknowledged_on_time", "resolved_on_time", "open_overdue")}
    kpi = {"scope": "departments", "as_of_date": run_date.isoformat(), **totals,
           "departments": {k: {x: v[x] for x in v if x != "name"} for k, v in sorted(by_dept.items())},
           "supervised_tasks": sum(int(s["escalated"]) for s in data["stations"]),
           "supervised_open": sum(int(s["still_open"]) for s in data["stations"])}

    names = [d["name"] for d in by_dept.values()]
    fig = go.Figure([
        go.Bar(name="按时签收率", x=names, y=[d["acknowledged_on_time"] / d["handoffs"] for d in by_dept.values()]),
        go.Bar(name="按时办结率", x=names, y=[d["resolved_on_time"] / d["handoffs"] for d in by_dept.values()]),
    ])
    fig.update_layout(barmode="group", **template_layout(), height=380, yaxis_tickformat=".0%",
                      title="各部门按时签收率与按时办结率（全部月份）", margin=dict(l=40, r=20, t=60, b=40))
    chart = fig.to_html(full_html=False, include_plotlyjs=False, div_id="fig-departments") if by_dept else ""

    cards = "".join(f'<div class="kpi">{escape(label)}<b>{escape(value)}</b></div>' for label, value in (
        ("流转总数", f"{totals['handoffs']:,}"),
        ("按时签收率", _pct(totals["acknowledged_on_time"], totals["handoffs"])),
        ("按时办结率", _pct(totals["resolved_on_time"], totals["handoffs"])),
        ("超期未办结", f"{totals['open_overdue']:,}"),
        ("督办任务（未完成）", f"{kpi['supervised_tasks']:,}（{kpi['supervised_open']:,}）"),
    ))
    sla_rows = [[str(r["month"])[:7], r.get("department_name_zh") or r["department"], r["handoffs"],
                 r["acknowledged"], _pct(r["acknowledged_on_time"], r["handoffs"]), r["resolved"],
                 _pct(r["resolved_on_time"], r["handoffs"]), r["rejected"], r["open_overdue"],
                 _hours(r.get("avg_hours_to_acknowledge")), _hours(r.get("avg_hours_to_resolve"))] for r in sla]
    overdue_rows = [[r["handoff_id"], r["task_id"], r["name"], r["station_id"],
                     business_time.local_minute(r["opened_at"], timezone),
                     business_time.local_minute(r["resolve_due_at"], timezone), "是" if r["acknowledged_at"] else "否",
                     _hours(r["hours_over"])] for r in data["overdue"]]
    station_rows = [[r["station_name"], r["escalated"], r["still_open"], r["no_leader"]] for r in data["stations"]]
    missing = "" if data["has_marts"] else '<p class="note bad">分析库中暂无 marts.handoff_sla_monthly（流转闭环统计），本页为空。</p>'
    title = f"部门协同（一键流转）与督办（截至 {run_date.isoformat()}）"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style>
<script type="text/javascript">{plotly_js}</script>
<script type="application/json" id="kpi-departments">{json.dumps(kpi, ensure_ascii=False, sort_keys=True)}</script>
</head>
<body data-run-date="{run_date.isoformat()}">
<main>
<p><a href="leadership.html">返回全市报告</a></p>
<h1>{escape(title)}</h1>
{missing}
<div class="kpis" id="kpis">{cards}</div>
<section>{chart}</section>
<h2>各部门服务水平（按流转月份）</h2>
{_table(["月份", "部门", "流转数", "已签收", "按时签收率", "已办结", "按时办结率", "退回", "超期未办结",
         "平均签收时长(小时)", "平均办结时长(小时)"], sla_rows, 2)}
<h2>超期未办结的流转（最多 {OVERDUE_LIMIT} 条，超期最久在前）</h2>
{_table(["流转编号", "任务编号", "部门", "派出所", "流转时间", "应办结时间", "已签收", "已超期(小时)"], overdue_rows, 4)}
<h2>各派出所督办任务</h2>
{_table(["派出所", "督办任务数", "仍未完成", "无所领导可督办"], station_rows, 1)}
<h3>口径说明</h3>
<ul class="note">
<li>流转：民警完成任务时“一键流转”至其他政府部门；签收时限、办结时限按部门配置（默认 24 小时、168 小时），恰在时限内视为按时。</li>
<li>签收时间为部门首次反馈（办结或退回也视为签收）；超期未办结：未办结、未退回且已超过办结时限。</li>
<li>督办：任务到期后超过设定时长（默认 72 小时）仍未完成，于当日推送至所在派出所所领导。</li>
<li>本页不含个人信息：不显示身份证号、手机号、姓名。</li>
</ul>
</main>
</body>
</html>
"""


PAGE = "departments.html"


def build_departments_page(settings, run_date: date | str) -> Path | None:
    """Write ``reports/<run_date>/departments.html`` (nothing when there is no analyst file yet)."""
    from . import write_atomic

    if isinstance(run_date, str):
        run_date = date.fromisoformat(run_date)
    if not settings.analytics_path.exists():
        return None
    path = settings.warehouse / "reports" / run_date.isoformat() / PAGE
    write_atomic(path, render(load(settings.analytics_path, settings.timezone), run_date, timezone=settings.timezone))
    log.info("department page for %s written to %s", run_date, path)
    return path
