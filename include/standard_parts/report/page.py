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
from .data import RED_TABLE_LIMIT, ReportData

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
"""


@dataclass
class Chart:
    div_id: str
    figure: go.Figure
    caption: str = ""
    half: bool = False  # two half-width charts side by side


def build_charts(data: ReportData) -> tuple[list[Chart], list[str]]:
    """The page's figures in order, and notes about charts left out."""
    k = data.kpi
    notes: list[str] = []
    charts = [
        Chart("fig-kpi-gauges", F.kpi_gauges(k.completion_rate, k.on_time_rate), half=True),
        Chart("fig-category", F.category_breakdown(data.categories), half=True),
        Chart("fig-completion-trend", F.completion_trend(data.trend),
              "每日统计截至当日 23:59:59 的累计情况（全市合计）。"),
        Chart("fig-work-code-trend", F.work_code_trend(data.code_trend)),
        Chart("fig-station-ranking", F.station_ranking(data.stations),
              "完成率按截至统计日的累计任务计算；悬停可看应完成、已完成和红码数量。"),
        Chart("fig-station-category", F.station_category_heatmap(data.station_category)),
        Chart("fig-parts", F.parts_completion(data.parts)),
        Chart("fig-officer-codes", F.officer_codes(data.officer_codes, data.officer_month),
              "民警工作码按当月到期任务评定（当月截至统计日）。"),
        Chart("fig-red", F.red_heatmap(data.red_matrix)),
    ]
    if data.handoffs is None:
        notes.append("数据仓库中暂无 marts.handoffs_monthly（流转统计），“一键流转”图未生成。")
    else:
        charts.append(Chart("fig-handoffs", F.handoff_sankey(data.handoffs),
                            "民警在完成任务时将需其他部门处置的事项一键流转；按月汇总至统计日所在月。"))
    if data.merge is None:
        notes.append("数据仓库中暂无 marts.generation_stats（派单统计），“归并同类项”图未生成。")
    else:
        charts.append(Chart("fig-merge", F.merge_savings(data.merge),
                            "派单需求：各部门规则与指令提出的全部需求；归并后：同一标准件同一对象合并为一个任务；"
                            "实际下发：再去掉在办和冷却期内的重复任务。"))
    if not data.station_names:
        notes.append("派出所以编号显示：数据仓库暂无派出所名称维表（marts.dim_stations）。")
    return charts, notes


def _figure_html(chart: Chart) -> str:
    return chart.figure.to_html(full_html=False, include_plotlyjs=False, div_id=chart.div_id,
                                config=PLOT_CONFIG, default_width="100%",
                                default_height=f"{int(chart.figure.layout.height or 400)}px")


def _kpi_card(key: str, label: str, value: str, raw, css: str = "", note: str = "", note_css: str = "") -> str:
    raw_text = "" if raw is None else (f"{raw:.6f}" if isinstance(raw, float) else str(raw))
    note_html = f'<div class="note {note_css}">{escape(note)}</div>' if note else ""
    return (f'<div class="kpi {css}" id="kpi-{key}" data-value="{raw_text}">'
            f'<div class="label">{escape(label)}</div><div class="value">{escape(value)}</div>{note_html}</div>')


def summary_sentences(data: ReportData) -> list[str]:
    k = data.kpi
    if data.as_of is None or k.issued == 0:
        return [f"截至{F.fmt_date(data.run_date)}暂无任务数据。"]
    out = [
        f"本期下发任务 {F.fmt_count(k.issued)} 个（{F.fmt_date(data.as_of)}当日新下发 {F.fmt_count(k.issued_on_day)} 个），"
        f"应完成 {F.fmt_count(k.due)} 个，已完成 {F.fmt_count(k.completed)} 个，完成率 {F.fmt_pct(k.completion_rate)}，"
        f"{F.fmt_vs_benchmark(k.completion_rate)}；按时完成率 {F.fmt_pct(k.on_time_rate)}。",
        f"工作码：绿码 {F.fmt_count(k.green)} 个，黄码 {F.fmt_count(k.yellow)} 个，"
        f"红码 {F.fmt_count(k.red)} 个（到期未完成），另有 {F.fmt_count(k.pending)} 个尚未到期。",
    ]
    if not data.stations.empty and "red" in data.stations.columns and k.red:
        top = data.stations[data.stations["red"] > 0].sort_values(["red", "station"], ascending=[False, True]).head(3)
        if not top.empty:
            names = "、".join(f"{s}（{F.fmt_count(r)} 个）" for s, r in zip(top["station"], top["red"], strict=True))
            out.append(f"红码任务较多的派出所：{names}。")
    if not data.stations.empty:
        below = data.stations.dropna(subset=["completion_rate"])
        below = below[below["completion_rate"] < F.BENCHMARK]
        out.append(f"{len(data.stations)} 个派出所中，{len(below)} 个完成率低于基准。")
    if not data.officer_codes.empty:
        oc = data.officer_codes
        out.append(f"民警工作码（{F.fmt_month(data.officer_month)}）：绿码 {int(oc['green'].sum()):,} 人，"
                   f"黄码 {int(oc['yellow'].sum()):,} 人，红码 {int(oc['red'].sum()):,} 人。")
    if data.merge is not None and not data.merge.empty:
        candidates, issued = int(data.merge["candidates"].sum()), int(data.merge["issued"].sum())
        if candidates:
            out.append(f"归并同类项：各部门需求 {F.fmt_count(candidates)} 条，实际下发 {F.fmt_count(issued)} 个，"
                       f"减少重复工作 {F.fmt_pct(1 - issued / candidates)}。")
    return out


def _red_table(data: ReportData) -> str:
    rows = data.red_tasks
    if rows.empty:
        return '<p class="caption">暂无逾期未完成任务。</p>'
    shown = len(rows)
    head = (f'<p class="caption">截至统计日共 {data.red_total:,} 个红码任务'
            + (f"，下表列出逾期最久的 {shown:,} 个" if data.red_total > shown else "")
            + "。仅列任务编号，不含任务对象及任何个人信息。</p>")
    body = "".join(
        f"<tr><td>{escape(str(r.task_id))}</td><td>{escape(str(r.part_name))}</td><td>{escape(str(r.station))}</td>"
        f'<td>{escape(str(r.due_at))}</td><td class="num">{int(r.overdue_days):,}</td></tr>'
        for r in rows.itertuples())
    return (head + '<div class="table-wrap"><table class="red" id="red-tasks-table"><thead><tr>'
            "<th>任务编号</th><th>标准件</th><th>派出所</th><th>截止时间</th><th>逾期天数</th>"
            f"</tr></thead><tbody>{body}</tbody></table></div>")


def render_page(data: ReportData, plotly_js: str | None = None) -> str:
    """The whole report as one HTML string."""
    if plotly_js is None:
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    k = data.kpi
    charts, notes = build_charts(data)
    notes += [f"数据仓库中缺少 marts.{t}，相关指标显示为暂无数据。" for t in data.missing_tables
              if t in ("fct_tasks", "completion_rate_daily", "work_code_summary", "officer_scorecard")]

    as_of = data.as_of
    period = (f"统计区间：{F.fmt_date(data.period_start)} 至 {F.fmt_date(as_of)}（数据截至 {F.fmt_date(as_of)} 23:59:59）"
              if as_of and data.period_start else f"统计日期：{F.fmt_date(data.run_date)}（暂无数据）")
    diff = None if k.completion_rate is None else round((k.completion_rate - F.BENCHMARK) * 100, 1)
    cards = "".join([
        _kpi_card("issued", "下发任务（个）", F.fmt_count(k.issued), k.issued,
                  note=f"当日新下发 {F.fmt_int(k.issued_on_day)} 个"),
        _kpi_card("due", "应完成（个）", F.fmt_count(k.due), k.due, note=f"已完成 {F.fmt_int(k.completed)} 个"),
        _kpi_card("completion-rate", "完成率", F.fmt_pct(k.completion_rate), k.completion_rate,
                  note=F.fmt_vs_benchmark(k.completion_rate),
                  note_css="" if diff is None else ("up" if diff >= 0 else "down")),
        _kpi_card("on-time-rate", "按时完成率", F.fmt_pct(k.on_time_rate), k.on_time_rate,
                  note=f"按时完成 {F.fmt_int(k.on_time)} 个"),
        _kpi_card("green", "绿码任务（个）", F.fmt_count(k.green), k.green, "green"),
        _kpi_card("yellow", "黄码任务（个）", F.fmt_count(k.yellow), k.yellow, "yellow"),
        _kpi_card("red", "红码任务（个）", F.fmt_count(k.red), k.red, "red", note="到期未完成"),
    ])

    parts: list[str] = []
    i = 0
    while i < len(charts):
        group = charts[i:i + 2] if charts[i].half and i + 1 < len(charts) and charts[i + 1].half else charts[i:i + 1]
        sections = "".join(_section(c) for c in group)
        parts.append(f'<div class="grid2">{sections}</div>' if len(group) == 2 else sections)
        i += len(group)
        if any(c.div_id == "fig-red" for c in group):
            parts.append('<section class="chart" id="red-tasks"><h2 style="font-size:18px;margin:6px">'
                         "逾期未完成（红码）任务清单</h2>" + _red_table(data) + "</section>")

    notes_html = "".join(f"<li>{escape(n)}</li>" for n in notes)
    summary = "".join(f"<p>{escape(s)}</p>" for s in summary_sentences(data))
    quarantine = ("" if k.quarantined_rows is None else
                  f"<li>数据质量：统计区间内共隔离异常数据 {F.fmt_int(k.quarantined_rows)} 行（原因见数据质量分析笔记本）。</li>")
    title = f"标准件工作质效报告（{F.fmt_date(as_of or data.run_date)}）"
    locale_js = f"Plotly.register({json.dumps(_LOCALE, ensure_ascii=False)});"
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
</head>
<body data-figures="{len(charts)}" data-as-of="{as_of.isoformat() if as_of else ""}" data-run-date="{data.run_date.isoformat()}">
<main>
<header>
<h1>{escape(title)}</h1>
<p class="period" id="period">{escape(period)}</p>
</header>
<div class="summary" id="summary">{summary}</div>
<div class="kpis" id="kpis">{cards}</div>
{"".join(parts)}
{f'<ul class="notes" id="report-notes">{notes_html}</ul>' if notes_html else ""}
<footer>
<h3>口径说明</h3>
<ul>
<li>下发任务：统计区间内下发的全部标准件任务；应完成：截至统计日 23:59:59 已到期或已完成的任务。</li>
<li>完成率 = 已完成 ÷ 应完成；按时完成率 = 按时完成 ÷ 应完成（恰在截止时间完成视为按时）。</li>
<li>工作码：绿码为按时完成且证据齐全、无需跟进；黄码为已完成但逾期、证据不足或需跟进；红码为到期未完成。</li>
<li>基准 {F.fmt_pct(F.BENCHMARK)}：标准件系统首年下发 36.8万 个任务的实际完成率。</li>
{quarantine}
</ul>
<h3>数据来源与隐私</h3>
<ul>
<li>数据来自分析库 analytics.duckdb 的 marts 表（fct_tasks、completion_rate_daily、work_code_summary、officer_scorecard、generation_stats、handoffs_monthly）。</li>
<li>本报告不含个人信息：不显示身份证号、手机号、姓名，也不显示任务对象编号。</li>
<li>红码清单最多列出 {RED_TABLE_LIMIT} 个任务。</li>
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


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
