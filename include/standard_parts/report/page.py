"""Assemble the leadership report (one self-contained HTML file) and the reports index.

plotly.js is embedded once in the page head; each figure is a ``to_html(full_html=False,
include_plotlyjs=False)`` fragment with a fixed div id, so the page opens offline from a file
(no CDN, no web fonts) and the same data gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

import plotly.graph_objects as go

from . import figures as F
from .data import DUE_SOON_HOURS as DUE_SOON
from .data import RED_TABLE_LIMIT, ReportData, _is_date

# Modebar and date texts in Chinese (plotly.py ships no locale files): registered inline.
_LOCALE = {
    "moduleType": "locale",
    "name": "zh-CN",
    "dictionary": {
        "Download plot as a png": "下载为图片",
        "Download plot": "下载图片",
        "Reset axes": "重置坐标轴",
        "Reset view": "重置视图",
        "Double-click to zoom back out": "双击还原",
        "Taking snapshot - this may take a few seconds": "正在导出图片，请稍候",
        "Snapshot succeeded": "图片已导出",
        "Sorry, there was a problem downloading your snapshot!": "导出图片失败",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d",
        "decimal": ".",
        "thousands": ",",
    },
}

PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "locale": "zh-CN",
    "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d",
                               "autoScale2d", "toggleSpikelines", "hoverClosestCartesian",
                               "hoverCompareCartesian"],
    "toImageButtonOptions": {"format": "png", "filename": "标准件报告图表", "scale": 2},
}

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --green:#2e9d5b; --yellow:#e0a800; --red:#d64541;
        --blue:#1f6feb; }
* { box-sizing: border-box; }
body { margin:0; background:#f5f7fa; color:var(--ink);
       font-family: PingFang SC, "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
                    "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; font-size:15px; line-height:1.6; }
main { max-width:1280px; margin:0 auto; padding:24px 28px 48px; }
header h1 { font-size:26px; margin:0 0 4px; }
header .period { color:var(--muted); margin:0; }
.summary { background:#fff; border-left:4px solid var(--blue); padding:14px 18px; margin:18px 0;
           border-radius:4px; box-shadow:0 1px 2px rgba(0,0,0,.05); }
.summary p { margin:4px 0; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(150px, 1fr)); gap:12px; margin:12px 0 20px; }
.kpi { background:#fff; border-radius:6px; padding:12px 16px; box-shadow:0 1px 2px rgba(0,0,0,.06);
       border-top:4px solid var(--blue); }
.kpi .label { color:var(--muted); font-size:13px; }
.kpi .value { font-size:28px; font-weight:600; line-height:1.3; }
.kpi .note { font-size:12px; color:var(--muted); }
.kpi.green { border-top-color:var(--green); } .kpi.yellow { border-top-color:var(--yellow); }
.kpi.red { border-top-color:var(--red); }
.kpi .note.up { color:var(--green); } .kpi .note.down { color:var(--red); }
section.chart { background:#fff; border-radius:6px; padding:10px 12px; margin:14px 0;
                box-shadow:0 1px 2px rgba(0,0,0,.06); }
section.chart .caption { color:var(--muted); font-size:13px; margin:2px 6px 4px; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:14px; }
.grid2 section.chart { margin:0; }
@media (max-width: 980px) { .grid2 { grid-template-columns:1fr; } }
table.red { width:100%; border-collapse:collapse; font-size:13px; }
table.red th, table.red td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:left; }
table.red th { background:#fbe3e1; position:sticky; top:0; }
table.red td.num { text-align:right; font-variant-numeric:tabular-nums; }
.table-wrap { max-height:480px; overflow:auto; }
.notes { color:var(--muted); font-size:13px; }
.notes li { margin:2px 0; }
footer { margin-top:28px; color:var(--muted); font-size:13px; border-top:1px solid var(--line); padding-top:12px; }
footer h3 { font-size:14px; color:var(--ink); margin:8px 0 4px; }
.crumbs { font-size:14px; margin:0 0 6px; } .crumbs a { color:var(--blue); text-decoration:none; }
.stamp { color:var(--muted); font-size:13px; margin:2px 0 0; }
.banner { background:#fff4e5; border-left:4px solid var(--yellow); padding:8px 14px; margin:10px 0; border-radius:4px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit, minmax(250px, 1fr)); gap:12px; margin:12px 0; }
.tile { background:#fff; border-radius:6px; padding:12px 16px; box-shadow:0 1px 2px rgba(0,0,0,.06); }
.tile h3 { font-size:14px; color:var(--muted); margin:0 0 6px; font-weight:normal; }
.tile .row { display:flex; justify-content:space-between; align-items:baseline; gap:8px; margin:3px 0; }
.tile .big { font-size:22px; font-weight:600; }
.tile .chg { font-size:13px; white-space:nowrap; } .chg.up { color:var(--green); } .chg.down { color:var(--red); }
.chg.flat { color:var(--muted); } .tile .cum { font-size:12px; color:var(--muted); }
table.list { width:100%; border-collapse:collapse; font-size:13px; }
table.list th, table.list td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:left; }
table.list th { background:#eef2f7; position:sticky; top:0; }
table.list td.num, table.list th.num { text-align:right; font-variant-numeric:tabular-nums; }
table.list a { color:var(--blue); text-decoration:none; }
section.block { background:#fff; border-radius:6px; padding:10px 14px; margin:14px 0; box-shadow:0 1px 2px rgba(0,0,0,.06); }
section.block h2 { font-size:18px; margin:6px 0 8px; }
button.csv { float:right; font-size:13px; padding:3px 10px; border:1px solid var(--blue); color:var(--blue);
             background:#fff; border-radius:4px; cursor:pointer; }
.gap.up { color:var(--green); } .gap.down { color:var(--red); }
"""


@dataclass
class Chart:
    div_id: str
    figure: go.Figure
    caption: str = ""
    half: bool = False  # two half-width charts side by side


SCOPE_WORD = {"city": "全市", "district": "辖区", "station": "派出所"}


def build_charts(data: ReportData) -> tuple[list[Chart], list[str]]:
    """The page's figures in order, and notes about charts left out. The same layout at each level."""
    k = data.kpi
    notes: list[str] = []
    child = "district" if data.scope.scope == "city" else "station"
    charts = [
        Chart("fig-kpi-gauges", F.kpi_gauges(k.completion_rate, k.on_time_rate), half=True),
        Chart("fig-category", F.category_breakdown(data.categories), half=True),
        Chart("fig-weekly-trend", F.weekly_trend(data.weeks),
              "不累计：每周只统计截止时间落在该周的任务，走势反映当周的工作。"),
        Chart("fig-completion-trend", F.completion_trend(data.trend, name=data.scope.name),
              "累计口径：每日统计截至当日 23:59:59 已下发的全部任务。"),
        Chart("fig-work-code-trend", F.work_code_trend(data.code_trend)),
    ]
    if data.scope.scope == "city":
        if data.geojson:
            charts.append(Chart("fig-map", F.district_map(data.geojson, data.children),
                                "辖区边界来自组织机构数据（districts.geojson），离线绘制。"))
        else:
            notes.append("组织机构数据未提供辖区边界（districts.geojson），以排名图代替地图。")
    if data.scope.scope != "station":
        title = "各区完成率排名" if child == "district" else "派出所完成率排名"
        charts.append(Chart(f"fig-{child}-ranking", F.station_ranking(data.children, title=title,
                                                                        city_rate=data.city_rate),
                            "括号内为与全市完成率之差（百分点）；悬停可看应完成、已完成和红码数量。"))
    if data.scope.scope == "city":
        charts.append(Chart("fig-station-ranking", F.station_ranking(data.stations, city_rate=data.city_rate)))
    charts += [
        Chart("fig-parts", F.parts_completion(data.parts)),
        Chart("fig-officer-codes", F.officer_codes(data.officer_codes, data.officer_month),
              "民警工作码按当月到期任务评定（当月截至统计日）。"),
        Chart("fig-red", F.red_heatmap(_red_matrix(data))),
    ]
    if data.handoffs is None:
        notes.append("数据仓库中暂无 marts.handoffs_monthly（流转统计），“一键流转”图未生成。")
    else:
        charts.append(Chart("fig-handoffs", F.handoff_sankey(data.handoffs),
                            "民警在完成任务时将需其他部门处置的事项一键流转；按月汇总至统计日所在月。"))
    if data.scope.scope == "city":
        if data.merge is None:
            notes.append("数据仓库中暂无 marts.generation_stats（派单统计），“归并同类项”图未生成。")
        else:
            charts.append(Chart("fig-merge", F.merge_savings(data.merge),
                                "派单需求：各部门规则与指令提出的全部需求；归并后：同一标准件同一对象合并为一个任务；"
                                "实际下发：再去掉在办和冷却期内的重复任务。"))
    if not data.station_names:
        notes.append("派出所以编号显示：数据仓库暂无派出所名称维表（marts.dim_stations）。")
    return charts, notes


def _red_matrix(data: ReportData):
    import pandas as pd

    rows = data.open_tasks
    if rows.empty:
        return pd.DataFrame()
    red = rows[rows["is_due"]]
    return red.groupby(["station_name", "part_name"], as_index=False).size().rename(
        columns={"station_name": "station", "size": "red"})


def _figure_html(chart: Chart) -> str:
    return chart.figure.to_html(full_html=False, include_plotlyjs=False, div_id=chart.div_id,
                                config=PLOT_CONFIG, default_width="100%",
                                default_height=f"{int(chart.figure.layout.height or 400)}px")


def _kpi_card(key: str, label: str, value: str, raw, css: str = "", note: str = "", note_css: str = "") -> str:
    raw_text = "" if raw is None else (f"{raw:.6f}" if isinstance(raw, float) else str(raw))
    note_html = f'<div class="note {note_css}">{escape(note)}</div>' if note else ""
    return (f'<div class="kpi {css}" id="kpi-{key}" data-value="{raw_text}">'
            f'<div class="label">{escape(label)}</div><div class="value">{escape(value)}</div>{note_html}</div>')


def kpi_block(data: ReportData) -> dict:
    """SPEC 11's machine-readable figures of the page."""
    k, w, m = data.kpi, data.week, data.month
    return {
        "scope": data.scope.scope,
        "id": data.scope.scope_id,
        "as_of_date": (data.as_of or data.run_date).isoformat(),
        "tasks_due": k.due, "tasks_completed": k.completed, "tasks_on_time": k.on_time,
        "green": k.green, "yellow": k.yellow, "red": k.red, "pending": k.pending,
        "week": {"week_start": w.start.isoformat() if w.start else None,
                 "tasks_due": w.due, "tasks_on_time": w.on_time, "tasks_completed": w.completed},
        "month": {"month": m.start.isoformat() if m.start else None,
                  "tasks_due": m.due, "tasks_on_time": m.on_time, "tasks_completed": m.completed},
    }


def _change(rate, prev) -> str:
    """'▲ 1.2个百分点' (green) / '▼ …' (red) / '持平' against the period before."""
    if rate is None or prev is None:
        return '<span class="chg flat">上期无到期任务</span>'
    diff = round((rate - prev) * 100, 1)
    if diff == 0:
        return '<span class="chg flat">与上期持平</span>'
    css, arrow = ("up", "▲") if diff > 0 else ("down", "▼")
    return f'<span class="chg {css}">{arrow} {abs(diff):.1f}个百分点</span>'


def _tile(kind: str, label: str, period, cumulative) -> str:
    if period.start is None:
        return (f'<div class="tile" id="tile-{kind}"><h3>{escape(label)}</h3>'
                '<div class="row"><span class="cum">暂无到期任务</span></div></div>')
    span = (f"{period.start.month}月{period.start.day}日—{period.end.month}月{period.end.day}日"
            if kind == "week" else F.fmt_month(period.start))
    note = "" if period.complete else "（尚未结束）"
    due_diff = period.due - period.prev_due
    rows = [
        f'<div class="row"><span>到期任务</span><span class="big">{F.fmt_int(period.due)}</span>'
        f'<span class="chg flat">上期 {F.fmt_int(period.prev_due)}（{due_diff:+,}）</span></div>',
        f'<div class="row"><span>按时完成率</span><span class="big">{F.fmt_pct(period.on_time_rate)}</span>'
        f'{_change(period.on_time_rate, period.prev_on_time_rate)}</div>',
        f'<div class="row"><span>完成率</span><span class="big">{F.fmt_pct(period.completion_rate)}</span>'
        f'{_change(period.completion_rate, period.prev_completion_rate)}</div>',
        f'<div class="row"><span class="cum">累计完成率 {F.fmt_pct(cumulative.completion_rate)}，'
        f'累计按时完成率 {F.fmt_pct(cumulative.on_time_rate)}</span></div>',
    ]
    return (f'<div class="tile" id="tile-{kind}" data-start="{period.start.isoformat()}">'
            f'<h3>{escape(label)}：{escape(span)}{note}</h3>{"".join(rows)}</div>')


def summary_sentences(data: ReportData) -> list[str]:
    k = data.kpi
    name = data.scope.name
    if data.as_of is None or k.issued == 0:
        return [f"截至{F.fmt_date(data.run_date)}{name}暂无任务数据。"]
    w = data.week
    out = [
        f"{name}本期下发任务 {F.fmt_count(k.issued)} 个（{F.fmt_date(data.as_of)}当日新下发 {F.fmt_count(k.issued_on_day)} 个），"
        f"应完成 {F.fmt_count(k.due)} 个，已完成 {F.fmt_count(k.completed)} 个，完成率 {F.fmt_pct(k.completion_rate)}，"
        f"{F.fmt_vs_benchmark(k.completion_rate)}；按时完成率 {F.fmt_pct(k.on_time_rate)}。",
    ]
    if w.start is not None:
        out.append(f"{'上一完整周' if w.complete else '本周'}（{w.start.month}月{w.start.day}日起）到期 {F.fmt_int(w.due)} 个，"
                   f"按时完成率 {F.fmt_pct(w.on_time_rate)}，完成率 {F.fmt_pct(w.completion_rate)}。")
    out.append(f"工作码：绿码 {F.fmt_count(k.green)} 个，黄码 {F.fmt_count(k.yellow)} 个，"
               f"红码 {F.fmt_count(k.red)} 个（到期未完成），另有 {F.fmt_count(k.pending)} 个尚未到期；"
               f"未来{DUE_SOON}小时内到期 {F.fmt_int(data.due_soon_total)} 个。")
    children = data.children
    if not children.empty and data.scope.scope != "station":
        below = children.dropna(subset=["completion_rate"])
        below = below[below["completion_rate"] < (data.city_rate or 0)]
        word = "个区" if data.scope.scope == "city" else "个派出所"
        if len(below):
            names = "、".join(f"{n}（{g:+.1f}）" for n, g in zip(below["name"], below["gap_pp"], strict=True))
            out.append(f"{len(children)} {word}中 {len(below)} 个完成率低于全市：{names}（括号内为百分点）。")
    return out


def _link(data: ReportData, scope: str, scope_id: str, text: str) -> str:
    href = data.links.get((scope, scope_id))
    return f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text)


def _crumbs(data: ReportData) -> str:
    parts = []
    s = data.scope
    if s.scope != "city":
        parts.append(_link(data, "city", data.city.scope_id, data.city.name))
    if s.scope == "station" and s.parent_scope == "district":
        parts.append(_link(data, "district", s.parent_id, s.parent_id))
    if not parts:
        return ""
    return ('<nav class="crumbs" id="up">返回：' + " › ".join(parts) + f" › {escape(s.name)}</nav>")


def _comparison_table(data: ReportData) -> str:
    rows = data.children
    if rows.empty or data.scope.scope == "station":
        return ""
    word = "辖区" if data.scope.scope == "city" else "派出所"
    body = []
    for rank, r in enumerate(rows.itertuples(), start=1):
        gap = "—" if r.gap_pp is None or r.gap_pp != r.gap_pp else f"{r.gap_pp:+.1f}"
        gap_css = "" if gap == "—" else ("up" if r.gap_pp >= 0 else "down")
        body.append(
            f"<tr><td class=\"num\">{rank}</td><td>{_link(data, r.scope, r.scope_id, r.name)}</td>"
            f"<td class=\"num\">{F.fmt_pct(r.completion_rate)}</td><td class=\"num gap {gap_css}\">{gap}</td>"
            f"<td class=\"num\">{F.fmt_pct(r.week_rate)}</td><td class=\"num\">{F.fmt_int(r.tasks_due)}</td>"
            f"<td class=\"num\">{F.fmt_int(r.red)}</td><td class=\"num\">{_num(r.tasks_per_officer)}</td>"
            f"<td class=\"num\">{_num(r.red_per_officer)}</td><td class=\"num\">{_num(r.tasks_per_10k)}</td>"
            f"<td class=\"num\">{_num(r.red_per_10k)}</td></tr>")
    return (f'<section class="block" id="comparison"><h2>{word}对比（按完成率排名）</h2>'
            '<p class="caption">与全市差距为完成率之差（百分点）；人均按在岗社区民警计算，每万人按实有人口（在住）计算，'
            "以便规模不同的单位公平比较。</p>"
            '<div class="table-wrap"><table class="list" id="comparison-table"><thead><tr>'
            f'<th class="num">排名</th><th>{word}</th><th class="num">完成率</th><th class="num">与全市差距</th>'
            '<th class="num">上周完成率</th><th class="num">应完成</th><th class="num">红码</th>'
            '<th class="num">人均任务</th><th class="num">人均红码</th><th class="num">每万人任务</th>'
            f'<th class="num">每万人红码</th></tr></thead><tbody>{"".join(body)}</tbody></table></div></section>')


def _num(value) -> str:
    if value is None or value != value:
        return "—"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


ACT_COLUMNS = [("task_id", "任务编号"), ("list", "清单"), ("station_name", "派出所"), ("community_name", "社区"),
               ("officer_name", "责任民警"), ("part_name", "标准件"), ("due_at", "截止时间"),
               ("hours_overdue", "逾期小时（负数为剩余）"), ("reason_zh", "未完成原因")]
LIST_NAMES = {"overdue": "逾期未完成", "due_soon": f"{DUE_SOON}小时内到期"}


def _act_on(data: ReportData) -> str:
    rows = data.open_tasks
    head = (f'<section class="block" id="act-on"><h2>待办清单：逾期未完成 {F.fmt_int(data.red_total)} 个，'
            f'{DUE_SOON}小时内到期 {F.fmt_int(data.due_soon_total)} 个</h2>')
    if rows.empty:
        return head + '<p class="caption">暂无逾期或即将到期的任务。</p></section>'
    summary = "".join(
        f"<tr><td>{escape(str(r.station_name))}</td><td>{escape(str(r.part_name))}</td>"
        f'<td class="num">{int(r.overdue):,}</td><td class="num">{int(r.due_soon):,}</td>'
        f"<td>{escape(str(r.oldest_due))}</td></tr>" for r in data.act_summary.itertuples())
    records = [{key: (LIST_NAMES.get(v, v) if key == "list" else v) for key, v in zip(
        [c for c, _ in ACT_COLUMNS], row, strict=True)} for row in rows[[c for c, _ in ACT_COLUMNS]].itertuples(
        index=False, name=None)]
    payload = json.dumps({"columns": [label for _, label in ACT_COLUMNS],
                          "keys": [c for c, _ in ACT_COLUMNS], "rows": records}, ensure_ascii=False)
    payload = payload.replace("</", "<\\/")
    overdue = rows[rows["is_due"]].head(RED_TABLE_LIMIT)
    task_rows = "".join(
        f"<tr><td>{escape(str(r.task_id))}</td><td>{escape(str(r.station_name))}</td>"
        f"<td>{escape(str(r.community_name))}</td><td>{escape(str(r.officer_name))}</td>"
        f"<td>{escape(str(r.part_name))}</td><td>{escape(str(r.due_at))}</td>"
        f'<td class="num">{r.hours_overdue / 24:,.1f}</td><td>{escape(str(r.reason_zh))}</td></tr>'
        for r in overdue.itertuples())
    more = (f"，下表列出逾期最久的 {len(overdue):,} 个（导出的表格含全部 {len(rows):,} 个）"
            if data.red_total > len(overdue) else "")
    return (head
            + '<button class="csv" type="button" id="act-on-csv" onclick="spExportCsv()">导出CSV</button>'
            '<p class="caption">按派出所和标准件汇总，最早到期的排在前面；导出的CSV含逾期和即将到期的全部任务'
            "（不含任务对象及任何居民个人信息）。</p>"
            '<div class="table-wrap"><table class="list" id="act-on-summary"><thead><tr><th>派出所</th><th>标准件</th>'
            f'<th class="num">逾期未完成</th><th class="num">{DUE_SOON}小时内到期</th><th>最早截止时间</th></tr></thead>'
            f"<tbody>{summary}</tbody></table></div>"
            f'<h3 style="font-size:15px;margin:14px 0 4px">逾期未完成（红码）任务{more}</h3>'
            '<div class="table-wrap"><table class="red list" id="red-tasks-table"><thead><tr>'
            "<th>任务编号</th><th>派出所</th><th>社区</th><th>责任民警</th><th>标准件</th><th>截止时间</th>"
            f'<th class="num">逾期天数</th><th>未完成原因</th></tr></thead><tbody>{task_rows}</tbody></table></div>'
            f'<script type="application/json" id="act-on-data">{payload}</script></section>')


CSV_JS = """
function spCsvText() {
  var d = JSON.parse(document.getElementById('act-on-data').textContent);
  var q = function (v) { v = (v === null || v === undefined) ? '' : String(v);
    return /[",\\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; };
  var lines = [d.columns.map(q).join(',')];
  d.rows.forEach(function (r) { lines.push(d.keys.map(function (k) { return q(r[k]); }).join(',')); });
  return lines.join('\\r\\n');
}
function spExportCsv() {
  // A BOM so that Excel opens the Chinese text as UTF-8.
  var blob = new Blob(['\\ufeff' + spCsvText()], {type: 'text/csv;charset=utf-8'});
  var a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = document.body.dataset.csvName || '待办清单.csv';
  document.body.appendChild(a); a.click(); a.remove();
}
"""


OFFICER_ROWS_ABOVE_STATION = 100


def _officer_table(data: ReportData) -> str:
    """Every officer on a station page; above it, the red- and yellow-coded ones (a city has ~1,000)."""
    rows = data.officers
    if rows.empty:
        return ""
    note = ""
    if data.scope.scope != "station":
        flagged = rows[rows["officer_code"].isin(("red", "yellow"))]
        shown = flagged.head(OFFICER_ROWS_ABOVE_STATION)
        note = (f'<p class="caption">列出红码、黄码民警 {len(shown):,} 人（共 {len(flagged):,} 人，'
                f"全部 {len(rows):,} 人见各派出所页面）。</p>")
        rows = shown
    names = {"green": "绿码", "yellow": "黄码", "red": "红码"}
    body = "".join(
        f"<tr><td>{escape(str(r.officer_name))}</td><td>{escape(str(r.station_name))}</td>"
        f"<td>{escape(str(r.community_name) if r.community_name == r.community_name and r.community_name else '—')}</td>"
        f'<td class="num">{int(r.tasks_coded):,}</td><td class="num">{int(r.green):,}</td>'
        f'<td class="num">{int(r.yellow):,}</td><td class="num">{int(r.red):,}</td>'
        f'<td class="num">{F.fmt_pct(r.completion_rate)}</td><td>{names.get(r.officer_code, r.officer_code)}</td></tr>'
        for r in rows.itertuples())
    return (f'<section class="block" id="officers"><h2>民警工作码明细（{F.fmt_month(data.officer_month)}）</h2>'
            f'{note}<div class="table-wrap"><table class="list" id="officer-table"><thead><tr><th>民警</th><th>派出所</th>'
            '<th>社区</th><th class="num">评定任务</th><th class="num">绿码</th><th class="num">黄码</th>'
            '<th class="num">红码</th><th class="num">完成率</th><th>工作码</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div></section>")


def _supervised(data: ReportData) -> str:
    rows = data.supervised
    if rows is None:
        return ""
    if rows.empty:
        return ('<section class="block" id="supervised"><h2>督办任务</h2>'
                '<p class="caption">暂无督办任务。</p></section>')
    body = "".join(f'<tr><td>{escape(str(r.station))}</td><td class="num">{int(r.supervised):,}</td>'
                   f'<td class="num">{int(r.still_open):,}</td></tr>' for r in rows.itertuples())
    return ('<section class="block" id="supervised"><h2>督办任务（逾期超时限，由所领导督办）</h2>'
            '<div class="table-wrap"><table class="list" id="supervised-table"><thead><tr><th>派出所</th>'
            '<th class="num">督办任务</th><th class="num">仍未完成</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div></section>")


def _children_links(data: ReportData) -> str:
    if data.scope.scope == "station" or data.stations.empty:
        return ""
    items = []
    if data.scope.scope == "city":
        for r in data.children.itertuples():
            items.append(_link(data, r.scope, r.scope_id, r.name))
    items += [_link(data, "station", r.scope_id, r.name) for r in data.stations.itertuples()]
    if data.scope.scope == "city":  # the hand-off service levels of the partner departments (SPEC 12)
        items.append('<a href="departments.html" id="departments-link">协作部门（一键流转）</a>')
    return ('<nav class="block" id="down" style="padding:8px 14px">下级页面：' + "　".join(items) + "</nav>")


def _stamp(data: ReportData) -> tuple[str, str]:
    f = data.freshness
    as_of = data.as_of
    state = {"succeeded": "成功", "failed": "失败", "running": "进行中"}.get(f.state, None) if f else None
    text = (f"数据截至 {F.fmt_date(as_of)} 23:59:59（统计日期 {F.fmt_date(data.run_date)}"
            + (f"，当日夜间处理：{state}" if state else "") + "）") if as_of else f"统计日期：{F.fmt_date(data.run_date)}（暂无数据）"
    banners = "".join(f'<div class="banner">{escape(b)}</div>' for b in (f.banners if f else []))
    return f'<p class="stamp" id="freshness">{escape(text)}</p>', banners


def render_page(data: ReportData, plotly_js: str | None = None) -> str:
    """One page (city, district or station) as one self-contained HTML string."""
    if plotly_js is None:
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    k = data.kpi
    charts, notes = build_charts(data)
    notes += [f"数据仓库中缺少 marts.{t}，相关指标显示为暂无数据。" for t in data.missing_tables
              if t in ("rpt_scope_daily", "rpt_scope_weekly", "rpt_open_tasks", "rpt_officer_month")]
    as_of = data.as_of
    period = (f"统计区间：{F.fmt_date(data.period_start)} 至 {F.fmt_date(as_of)}"
              if as_of and data.period_start else f"统计日期：{F.fmt_date(data.run_date)}（暂无数据）")
    diff = None if k.completion_rate is None else round((k.completion_rate - F.BENCHMARK) * 100, 1)
    cards = "".join([
        _kpi_card("issued", "下发任务（个）", F.fmt_count(k.issued), k.issued,
                  note=f"当日新下发 {F.fmt_int(k.issued_on_day)} 个"),
        _kpi_card("due", "应完成（个）", F.fmt_count(k.due), k.due, note=f"已完成 {F.fmt_int(k.completed)} 个"),
        _kpi_card("completion-rate", "累计完成率", F.fmt_pct(k.completion_rate), k.completion_rate,
                  note=F.fmt_vs_benchmark(k.completion_rate),
                  note_css="" if diff is None else ("up" if diff >= 0 else "down")),
        _kpi_card("on-time-rate", "累计按时完成率", F.fmt_pct(k.on_time_rate), k.on_time_rate,
                  note=f"按时完成 {F.fmt_int(k.on_time)} 个"),
        _kpi_card("green", "绿码任务（个）", F.fmt_count(k.green), k.green, "green"),
        _kpi_card("yellow", "黄码任务（个）", F.fmt_count(k.yellow), k.yellow, "yellow"),
        _kpi_card("red", "红码任务（个）", F.fmt_count(k.red), k.red, "red", note="到期未完成"),
    ])
    tiles = (_tile("week", "上一完整周" if data.week.complete or data.week.start is None else "本周", data.week, k)
             + _tile("month", "上一完整月" if data.month.complete or data.month.start is None else "本月",
                     data.month, k))

    body: list[str] = []
    compared = False
    i = 0
    while i < len(charts):
        group = charts[i:i + 2] if charts[i].half and i + 1 < len(charts) and charts[i + 1].half else charts[i:i + 1]
        sections = "".join(_section(c) for c in group)
        body.append(f'<div class="grid2">{sections}</div>' if len(group) == 2 else sections)
        i += len(group)
        ids = {c.div_id for c in group}
        if ids & {"fig-district-ranking", "fig-station-ranking"} and not compared:
            body.append(_comparison_table(data))
            compared = True
        if "fig-officer-codes" in ids:
            body.append(_officer_table(data) + _supervised(data))
        if "fig-red" in ids:
            body.append(_act_on(data))

    notes_html = "".join(f"<li>{escape(n)}</li>" for n in notes)
    summary = "".join(f"<p>{escape(s)}</p>" for s in summary_sentences(data))
    quarantine = ("" if k.quarantined_rows is None else
                  f"<li>数据质量：统计区间内共隔离异常数据 {F.fmt_int(k.quarantined_rows)} 行（原因见数据质量分析笔记本）。</li>")
    word = SCOPE_WORD[data.scope.scope]
    heading = data.scope.name if data.scope.scope != "city" else f"{data.scope.name}"
    title = f"{heading}标准件工作质效报告（{F.fmt_date(as_of or data.run_date)}）"
    stamp, banners = _stamp(data)
    locale_js = f"Plotly.register({json.dumps(_LOCALE, ensure_ascii=False)});"
    kpi_json = json.dumps(kpi_block(data), ensure_ascii=False).replace("</", "<\\/")
    csv_name = f"待办清单_{data.scope.name}_{(as_of or data.run_date).isoformat()}.csv"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="standard-parts report">
<title>{escape(title)}</title>
<style>{CSS}</style>
<script type="text/javascript">{plotly_js}</script>
<script type="text/javascript">{locale_js}</script>
<script type="text/javascript">{CSV_JS}</script>
<script type="application/json" id="kpi">{kpi_json}</script>
</head>
<body data-figures="{len(charts)}" data-scope="{data.scope.scope}" data-as-of="{as_of.isoformat() if as_of else ""}" data-run-date="{data.run_date.isoformat()}" data-csv-name="{escape(csv_name)}">
<main>
<header>
{_crumbs(data)}
<h1>{escape(title)}</h1>
<p class="period" id="period">{escape(period)}</p>
{stamp}
</header>
{banners}
<div class="summary" id="summary">{summary}</div>
<div class="tiles" id="tiles">{tiles}</div>
<div class="kpis" id="kpis">{cards}</div>
{_children_links(data)}
{"".join(body)}
{f'<ul class="notes" id="report-notes">{notes_html}</ul>' if notes_html else ""}
<footer>
<h3>口径说明（{escape(word)}页面：数字为本页所辖派出所之和）</h3>
<ul>
<li>下发任务：统计区间内下发的全部标准件任务；应完成：截至统计日 23:59:59 已到期或已完成的任务。</li>
<li>完成率 = 已完成 ÷ 应完成；按时完成率 = 按时完成 ÷ 应完成（恰在截止时间完成视为按时）。</li>
<li>周、月指标不累计：只统计截止时间（北京时间）落在该周（周一至周日）或该月的任务，按统计日的完成情况评定；变化为与上一周、上一月之差（百分点）。</li>
<li>工作码：绿码为按时完成且证据齐全、无需跟进；黄码为已完成但逾期、证据不足或需跟进；红码为到期未完成。</li>
<li>基准 {F.fmt_pct(F.BENCHMARK)}：标准件系统首年下发 36.8万 个任务的实际完成率。</li>
{quarantine}
</ul>
<h3>数据来源与隐私</h3>
<ul>
<li>数据来自分析库 analytics.duckdb 的 marts 表（fct_tasks、completion_rate_daily、completion_rate_weekly、completion_rate_monthly、work_code_summary、officer_scorecard 及报表汇总表 rpt_*）。</li>
<li>本报告不含居民个人信息：不显示身份证号、手机号、姓名，也不显示任务对象编号；民警姓名为工作身份。</li>
<li>红码清单最多列出 {RED_TABLE_LIMIT} 个任务，导出的CSV含全部。</li>
</ul>
</footer>
</main>
</body>
</html>
"""


def _section(chart: Chart) -> str:
    caption = f'<p class="caption">{escape(chart.caption)}</p>' if chart.caption else ""
    return f'<section class="chart" data-figure="{chart.div_id}">{_figure_html(chart)}{caption}</section>'


# --- reports index -------------------------------------------------------------------------------

GX_DOCS_CANDIDATES = ("gx_docs/index.html", "data_docs/index.html", "data_docs/local_site/index.html")


def render_index(reports_dir: Path, warehouse: Path) -> str:
    """reports/index.html: every dated report, the latest, the dbt docs and the GX Data Docs."""
    dated = sorted((p.parent.name for p in reports_dir.glob("*/leadership.html") if _is_date(p.parent.name)),
                   reverse=True)
    items = "".join(f'<li><a href="{d}/leadership.html">{F.fmt_date(date.fromisoformat(d))} 报告</a></li>'
                    for d in dated) or "<li>暂无报告</li>"
    dbt_docs = warehouse / "dbt_docs" / "index.html"
    dbt_link = ('<a href="../dbt_docs/index.html">dbt 文档（数据模型与字段说明）</a>' if dbt_docs.exists()
                else "dbt 文档（数据模型与字段说明）：未生成")
    gx = next((c for c in GX_DOCS_CANDIDATES if (warehouse / c).exists()), None)
    gx_link = (f'<a href="../{gx}">数据质量校验报告（Great Expectations Data Docs）</a>' if gx
               else "数据质量校验报告（Great Expectations Data Docs）：未生成")
    latest = '<a href="latest.html">最新报告</a>' if (reports_dir / "latest.html").exists() else "最新报告：未生成"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>标准件报告目录</title>
<style>body{{font-family:PingFang SC,"Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:32px;color:#1f2933}}
li{{margin:4px 0}}</style></head>
<body>
<h1>标准件报告目录</h1>
<ul id="links">
<li id="latest">{latest}</li>
<li id="dbt-docs">{dbt_link}</li>
<li id="gx-docs">{gx_link}</li>
</ul>
<h2>历次领导报告</h2>
<ul id="reports">{items}</ul>
</body>
</html>
"""
