"""The Chinese province report: ``<rollup>/reports/<date>/province.html``.

One self-contained file (plotly.js embedded, no CDN): the province's figures, the city ranking on
the roll-up date, each city's trend, and a link to each city's own leadership report. It reads
``province.duckdb`` only.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html import escape
from importlib.resources import files
from pathlib import Path

import duckdb
import plotly.graph_objects as go

from ..report import write_atomic
from ..report.figures import template_layout
from .config import ProvinceConfig

STATE_ZH = {"succeeded": "正常", "failed": "失败", "missing": "无数据"}
PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "autoScale2d"]}
CSS = """
body { margin:0; background:#f5f7fa; color:#1f2933; font-size:15px; line-height:1.6;
       font-family: PingFang SC, "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", Arial, sans-serif; }
main { max-width:1200px; margin:0 auto; padding:24px 28px 48px; }
h1 { font-size:26px; margin:0 0 4px; } .period { color:#616e7c; margin:0; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(160px, 1fr)); gap:12px; margin:16px 0; }
.kpi { background:#fff; border-radius:6px; padding:12px 16px; border-top:4px solid #1f6feb;
       box-shadow:0 1px 2px rgba(0,0,0,.06); }
.kpi .label { color:#616e7c; font-size:13px; } .kpi .value { font-size:26px; font-weight:600; }
section { background:#fff; border-radius:6px; padding:10px 14px; margin:14px 0; box-shadow:0 1px 2px rgba(0,0,0,.06); }
table { width:100%; border-collapse:collapse; font-size:14px; }
th, td { padding:6px 8px; border-bottom:1px solid #e4e7eb; text-align:left; }
th { background:#eef2f7; } td.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.stale td { color:#d64541; }
.notes { color:#616e7c; font-size:13px; }
"""


def _queries() -> dict[str, str]:
    text = files("standard_parts.province").joinpath("sql", "report.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _int(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def _figure_html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(**template_layout(), margin={"l": 60, "r": 20, "t": 50, "b": 50}, height=380,
                      font={"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif"})
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def render_province_report(config: ProvinceConfig, rollup_date: date, plotly_js: str | None = None) -> str:
    if plotly_js is None:
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    q = _queries()
    with duckdb.connect(str(config.db_path), read_only=True) as con:
        con.execute("SET VARIABLE rollup_date = ?::DATE", [rollup_date])
        ranking = con.execute(q["ranking"]).fetchall()
        trend = con.execute(q["trend"]).fetchall()
        due, done, on_time = con.execute(q["province"]).fetchone()

    rows = []
    for rank, r in enumerate(ranking, 1):
        (city_id, name, state, newest, stale, link, t_due, t_done, _t_on, rate, on_rate, green, yellow, red,
         _pending) = r
        label = escape(name)
        cell = f'<a href="{escape(link)}">{label}</a>' if link else label
        fresh = STATE_ZH.get(state, state) + ("" if not stale else f"（数据截至 {newest or '—'}）")
        rows.append(
            f'<tr class="{"stale" if stale else ""}" data-city="{escape(city_id)}"><td class="num">{rank}</td>'
            f"<td>{cell}</td><td class=\"num\">{_int(t_due)}</td><td class=\"num\">{_int(t_done)}</td>"
            f'<td class="num">{_pct(rate)}</td><td class="num">{_pct(on_rate)}</td>'
            f'<td class="num">{_int(green)}</td><td class="num">{_int(yellow)}</td><td class="num">{_int(red)}</td>'
            f"<td>{escape(fresh)}</td></tr>")

    bar = go.Figure(go.Bar(x=[r[1] for r in ranking], y=[None if r[9] is None else r[9] * 100 for r in ranking],
                           marker_color="#1f6feb", hovertemplate="%{x}<br>完成率 %{y:.1f}%<extra></extra>"))
    bar.update_layout(title="各市完成率排名", yaxis={"title": "完成率（%）", "range": [0, 100]})
    lines = go.Figure()
    for city in config.cities:
        pts = [t for t in trend if t[1] == city.id]
        lines.add_trace(go.Scatter(x=[t[0].isoformat() for t in pts],
                                   y=[None if t[3] is None else t[3] * 100 for t in pts],
                                   mode="lines+markers", name=city.name,
                                   hovertemplate=f"{escape(city.name)} %{{x}}<br>完成率 %{{y:.1f}}%<extra></extra>"))
    lines.update_layout(title="各市完成率趋势（截至各日累计）", yaxis={"title": "完成率（%）"},
                        xaxis={"title": "统计日期", "type": "date", "tickformat": "%Y-%m-%d", "dtick": 86_400_000})
    codes = go.Figure()
    for key, label, color in (("green", "绿码", "#2e9d5b"), ("yellow", "黄码", "#e0a800"), ("red", "红码", "#d64541")):
        idx = {"green": 11, "yellow": 12, "red": 13}[key]
        codes.add_trace(go.Bar(x=[r[1] for r in ranking], y=[r[idx] or 0 for r in ranking], name=label,
                               marker_color=color))
    codes.update_layout(title="各市任务工作码", barmode="stack", yaxis={"title": "任务数（个）"})

    failing = [r[1] for r in ranking if r[4]]
    notes = [f"以下城市数据未更新至 {rollup_date}：{'、'.join(failing)}，排名使用其最近一次成功的数据。"] if failing else []
    notes.append("完成率 = 已完成 / 应完成，按各市任务合计重新计算，不是各市比率的平均。")
    title = f"{config.province.name}标准件工作质效对比（{rollup_date}）"
    cards = "".join(
        f'<div class="kpi" id="{k}"><div class="label">{lbl}</div><div class="value">{v}</div></div>'
        for k, lbl, v in (("cities", "城市（个）", _int(len(config.cities))), ("due", "应完成（个）", _int(due)),
                          ("completed", "已完成（个）", _int(done)),
                          ("completion-rate", "全省完成率", _pct(done / due if due else None)),
                          ("on-time-rate", "全省按时完成率", _pct(on_time / due if due else None))))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
<script type="text/javascript">{plotly_js}</script>
</head>
<body data-figures="3" data-rollup-date="{rollup_date.isoformat()}">
<main>
<h1>{escape(title)}</h1>
<p class="period">统计日期：{rollup_date}（各市数据截至当日 23:59:59）</p>
<div class="kpis">{cards}</div>
<section id="ranking"><h2>各市排名</h2>
<table><thead><tr><th>排名</th><th>城市</th><th>应完成</th><th>已完成</th><th>完成率</th><th>按时完成率</th>
<th>绿码</th><th>黄码</th><th>红码</th><th>数据状态</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</section>
<section>{_figure_html(bar, "fig-city-ranking")}</section>
<section>{_figure_html(lines, "fig-city-trend")}</section>
<section>{_figure_html(codes, "fig-city-codes")}</section>
<ul class="notes">{"".join(f"<li>{escape(n)}</li>" for n in notes)}</ul>
<script type="application/json" id="province-data">{json.dumps({"cities": [c.id for c in config.cities]})}</script>
</main>
</body>
</html>
"""


def build_province_report(config: ProvinceConfig, rollup_date: date) -> Path:
    path = config.rollup / "reports" / rollup_date.isoformat() / "province.html"
    write_atomic(path, render_province_report(config, rollup_date))
    return path
