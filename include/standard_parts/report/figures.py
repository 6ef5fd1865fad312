"""Figures of the leadership report: pure functions, DataFrame in, plotly Figure out.

Every text a reader sees is Chinese. An empty frame gives a figure that says 暂无数据 instead of
raising, so one missing mart never takes the whole report down. Numbers: thousands separators,
percentages with one decimal, 万 for large counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

BENCHMARK = 0.976
FONT = ("PingFang SC, 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', "
        "'WenQuanYi Micro Hei', 'Helvetica Neue', Arial, sans-serif")
GREEN, YELLOW, RED, GREY, BLUE = "#2e9d5b", "#e0a800", "#d64541", "#9aa5b1", "#1f6feb"
CODE_COLORS = {"green": GREEN, "yellow": YELLOW, "red": RED, "pending": GREY}
CODE_NAMES = {"green": "绿码", "yellow": "黄码", "red": "红码", "pending": "未到期"}
CATEGORY_PALETTE = ["#1f6feb", "#2e9d5b", "#d64541", "#8e44ad", "#e67e22", "#16a085", "#7f8c8d",
                    "#c0392b", "#2c3e50"]


# --- number formatting (shared with the page) ------------------------------------------------

def fmt_int(value) -> str:
    """12345 -> '12,345'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{int(value):,}"


def fmt_count(value) -> str:
    """Counts for prose: '8,765' below 10万, '36.8万' from 10万 on."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = int(value)
    if abs(value) >= 100_000:
        return f"{value / 10_000:,.1f}万"
    return f"{value:,}"


def fmt_pct(rate) -> str:
    """0.9761 -> '97.6%'; None -> '—'."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "—"
    return f"{rate * 100:.1f}%"


def fmt_vs_benchmark(rate, benchmark: float = BENCHMARK) -> str:
    """'高于97.6%基准0.4个百分点' / '低于…' / '与97.6%基准持平'."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return f"暂无可与{fmt_pct(benchmark)}基准比较的数据"
    diff = round((rate - benchmark) * 100, 1)
    if diff == 0:
        return f"与{fmt_pct(benchmark)}基准持平"
    return f"{'高于' if diff > 0 else '低于'}{fmt_pct(benchmark)}基准{abs(diff):.1f}个百分点"


def fmt_month(day: date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月"


def fmt_date(day: date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


# --- common layout ----------------------------------------------------------------------------

TEMPLATE = "plotly_white"


@contextmanager
def house_template() -> Iterator[None]:
    """Draw figures with ``TEMPLATE`` as plotly's default template. Assigning a template to a
    figure makes plotly validate a deep copy of it: ~20 ms a figure against ~1 ms for the default
    one a new figure starts with, and a 5.3M-resident city's report draws ~520 figures."""
    previous = pio.templates.default
    pio.templates.default = TEMPLATE
    try:
        yield
    finally:
        pio.templates.default = previous


def template_layout() -> dict:
    """The layout key that gives a figure ``TEMPLATE``: nothing inside ``house_template`` (the
    figure started with it), else the template itself (a figure drawn on its own, e.g. in a test)."""
    return {} if pio.templates.default == TEMPLATE else {"template": TEMPLATE}


def _style(fig: go.Figure, title: str, height: int = 420, subtitle: str | None = None) -> go.Figure:
    text = title if not subtitle else f"{title}<br><sup>{subtitle}</sup>"
    fig.update_layout(
        **template_layout(),
        title={"text": text, "x": 0, "xanchor": "left", "font": {"size": 18}},
        font={"family": FONT, "size": 13, "color": "#1f2933"},
        hoverlabel={"font": {"family": FONT}},
        separators=".,",
        height=height,
        margin={"l": 10, "r": 20, "t": 80 if subtitle else 60, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
    )
    return fig


def _count_axis(fig: go.Figure, axis: str, largest, title: str) -> None:
    """A count axis: whole numbers only (no 0, 1, 1, 2 ticks when the counts are small)."""
    options = {"title_text": title, "tickformat": ",d", "rangemode": "tozero"}
    if largest is not None and not pd.isna(largest) and largest <= 8:
        options["dtick"] = 1
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**options)


DAY_MS = 86_400_000


def _date_axis(fig: go.Figure, days: list[str]) -> None:
    """A daily date axis. Over a short span plotly ticks every few hours, and with a day-only label
    format each date then shows several times: up to two weeks, one tick a day, and half a day of
    room at each end (an area chart ends exactly on its first and last date, where plotly drops
    the edge labels and then places the axis title at y=-Infinity)."""
    options = {"title_text": "统计日期", "tickformat": "%-m月%-d日", "type": "date"}
    if len(set(days)) <= 14:
        half_day = pd.Timedelta(hours=12)
        span = [(pd.Timestamp(min(days)) - half_day), (pd.Timestamp(max(days)) + half_day)]
        options |= {"dtick": DAY_MS, "tick0": min(days), "range": [t.strftime("%Y-%m-%d %H:%M") for t in span]}
    fig.update_xaxes(**options)


def _rate_ticks(low: float) -> list[float]:
    """Tick values from ``low`` up to 100% (never past it), at most about eight of them."""
    span = 1.0 - low
    step = next((s for s in (0.01, 0.02, 0.05, 0.1, 0.2) if span / s <= 8), 0.25)
    first = math.ceil(round(low / step, 6)) * step
    return [round(first + i * step, 4) for i in range(int(round((1.0 - first) / step)) + 1)]


def empty_figure(title: str, note: str = "暂无数据", height: int = 260) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=note, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 20, "color": GREY})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title, height)


def _is_empty(frame: pd.DataFrame | None, *columns: str) -> bool:
    return frame is None or frame.empty or any(c not in frame.columns for c in columns)


def _list(series: pd.Series) -> list:
    """Plain Python values (no NaN): None where missing, so plotly leaves a gap."""
    return [None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v for v in series.tolist()]


# --- figures ------------------------------------------------------------------------------------

def gauge_floor(*rates, benchmark: float = BENCHMARK) -> float:
    """Lower end of a gauge, in percent: 5 points under the lowest of the rates and the benchmark,
    rounded down to 5, so 97.7 and 97.6 are visibly apart (a 0-100 arc draws them the same)."""
    values = [r * 100 for r in rates if r is not None and not pd.isna(r)] + [benchmark * 100]
    return max(0.0, math.floor((min(values) - 5) / 5) * 5)


def kpi_gauges(completion_rate: float | None, on_time_rate: float | None,
               benchmark: float = BENCHMARK) -> go.Figure:
    """Two gauges zoomed to the range that matters (completion rate, with its distance to the
    benchmark, and on-time rate); the scale's lower end is written under each arc."""
    title = "完成率与按时完成率"
    if completion_rate is None and on_time_rate is None:
        return empty_figure(title)
    low = gauge_floor(completion_rate, on_time_rate, benchmark=benchmark)
    step = 1 if 100 - low <= 10 else (5 if 100 - low <= 40 else 10)
    ticks = [v for v in range(int(low), 101, step)]
    fig = go.Figure()
    for i, (name, rate) in enumerate((("完成率", completion_rate), ("按时完成率", on_time_rate))):
        if rate is None:
            continue
        indicator = {
            "mode": "gauge+number",
            "value": round(rate * 100, 1),
            "number": {"suffix": "%", "valueformat": ".1f", "font": {"size": 28}},
            # The gap to the benchmark goes in the title: a delta under the number collides with it.
            "title": {"text": name if i else f"{name}<br><span style='font-size:12px'>{fmt_vs_benchmark(rate)}</span>",
                      "font": {"size": 15}},
            # Apart enough that the end labels of the two arcs never meet ("100%0%").
            "domain": {"x": [0.0, 0.40] if i == 0 else [0.60, 1.0], "y": [0, 0.88]},
            "gauge": {
                "axis": {"range": [low, 100], "tickvals": ticks, "ticktext": [f"{v}" for v in ticks],
                         "tickfont": {"size": 11}},
                "bar": {"color": BLUE},
                "steps": [{"range": [low, max(low, 90)], "color": "#fbe3e1"},
                          {"range": [max(low, 90), benchmark * 100], "color": "#fdf3d0"},
                          {"range": [benchmark * 100, 100], "color": "#dcf2e4"}],
                "threshold": {"line": {"color": RED, "width": 3}, "value": benchmark * 100},
            },
        }
        fig.add_trace(go.Indicator(**indicator))
    fig = _style(fig, title, 340, f"刻度自{low:.0f}%起（单位%）；红线为{fmt_pct(benchmark)}基准")
    fig.update_layout(margin={"l": 30, "r": 30, "t": 90, "b": 20})
    return fig


def weekly_trend(weeks: pd.DataFrame, key: str = "week_start", benchmark: float = BENCHMARK) -> go.Figure:
    """Non-cumulative rates by the week tasks fell due (bars: tasks due), the last 12 weeks."""
    title = "按周完成情况（近12周，按到期周统计）"
    if _is_empty(weeks, key, "tasks_due", "completion_rate", "on_time_rate", "is_complete"):
        return empty_figure(title)
    x = [f"{pd.Timestamp(d).month}月{pd.Timestamp(d).day}日" + ("" if c else "（未完）")
         for d, c in zip(weeks[key], weeks["is_complete"], strict=True)]
    fig = go.Figure()
    # Bars on the (right-hand) count axis, drawn first; the rate lines on the overlaying axis above them.
    fig.add_trace(go.Bar(x=x, y=_list(weeks["tasks_due"]), name="到期任务（个）", yaxis="y",
                         marker={"color": ["#c9d6e3" if c else "#e9eef3" for c in weeks["is_complete"]]},
                         hovertemplate="%{x}当周<br>到期任务 %{y:,} 个<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=_list(weeks["completion_rate"]), name="完成率", mode="lines+markers",
                             line={"color": BLUE, "width": 3}, yaxis="y2",
                             hovertemplate="%{x}当周<br>完成率 %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=_list(weeks["on_time_rate"]), name="按时完成率", mode="lines+markers",
                             line={"color": GREEN, "width": 2, "dash": "dot"}, yaxis="y2",
                             hovertemplate="%{x}当周<br>按时完成率 %{y:.1%}<extra></extra>"))
    values = [v for v in _list(weeks["completion_rate"]) + _list(weeks["on_time_rate"]) if v is not None]
    low = gauge_floor(*values, benchmark=benchmark) / 100
    fig.update_layout(
        yaxis2={"title": {"text": "比率"}, "tickformat": ".0%", "range": [low, 1.005], "tickvals": _rate_ticks(low),
                "overlaying": "y", "side": "left"},
        yaxis={"title": {"text": "到期任务（个）"}, "side": "right", "showgrid": False,
               "rangemode": "tozero", "tickformat": ",d"},
        xaxis={"title": {"text": "到期周（周一）"}, "type": "category"})
    fig.add_trace(go.Scatter(x=[x[0], x[-1]], y=[benchmark, benchmark], yaxis="y2", mode="lines", name="基准",
                             line={"color": RED, "dash": "dash", "width": 1.5}, hoverinfo="skip", showlegend=False))
    fig = _style(fig, title, 400, "每周的任务按截止时间所在周归入；“未完”为尚未结束的一周；红色虚线为基准")
    fig.update_layout(margin={"l": 60, "r": 60, "t": 80, "b": 40})
    return fig


def district_map(geojson: dict | None, children: pd.DataFrame, benchmark: float = BENCHMARK) -> go.Figure:
    """Districts coloured by completion rate, drawn from the org feed's GeoJSON as filled shapes on
    plain axes: nothing is fetched (no tile server, no topojson from a CDN)."""
    title = "各区完成率地图"
    if not geojson or _is_empty(children, "name", "completion_rate"):
        return empty_figure(title, "暂无辖区边界数据")
    rates = {n: r for n, r in zip(children["name"], _list(children["completion_rate"]), strict=True)}
    known = [r for r in rates.values() if r is not None]
    low = gauge_floor(*known, benchmark=benchmark) / 100
    scale = [[0, RED], [0.5, "#f7d774"], [1, GREEN]]
    fig = go.Figure()
    from plotly.colors import sample_colorscale

    for feature in geojson.get("features", []):
        name = (feature.get("properties") or {}).get("district")
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates") or []
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        elif geometry.get("type") != "MultiPolygon":
            continue
        rate = rates.get(name)
        colour = GREY if rate is None else sample_colorscale(scale, [min(1, max(0, (rate - low) / (1 - low)))])[0]
        label = f"{name}<br>完成率 {fmt_pct(rate)}"
        xs, ys = [], []
        for polygon in polygons:
            ring = polygon[0] if polygon else []
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", mode="lines", fillcolor=colour, name=name,
                                 line={"color": "white", "width": 1.5}, hoverinfo="text", text=label,
                                 hoveron="fills", showlegend=False))
        points = [p for polygon in polygons for p in (polygon[0] if polygon else [])]
        if points:
            fig.add_trace(go.Scatter(x=[sum(p[0] for p in points) / len(points)],
                                     y=[sum(p[1] for p in points) / len(points)], mode="text",
                                     text=[f"{name}<br>{fmt_pct(rate)}"], textfont={"size": 13, "color": "#1f2933"},
                                     hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                             marker={"colorscale": scale, "cmin": low, "cmax": 1, "color": [low],
                                     "colorbar": {"title": {"text": "完成率"}, "tickformat": ".0%"}}))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return _style(fig, title, 460, f"颜色自{low:.0%}（红）至100%（绿）；灰色为无到期任务的区")


def completion_trend(trend: pd.DataFrame, benchmark: float = BENCHMARK, name: str = "全市") -> go.Figure:
    """Daily completion and on-time rate of a page (sum completed / sum due per as_of_date)."""
    title = f"{name}完成率走势（按日累计）"
    if _is_empty(trend, "as_of_date", "completion_rate", "tasks_due", "tasks_completed"):
        return empty_figure(title)
    x = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in trend["as_of_date"]]
    custom = list(zip(_list(trend["tasks_due"]), _list(trend["tasks_completed"]), strict=True))
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x, y=_list(trend["completion_rate"]), name="完成率", mode="lines+markers",
        line={"color": BLUE, "width": 3}, customdata=custom,
        hovertemplate="%{x|%Y年%m月%d日}<br>完成率 %{y:.1%}<br>应完成 %{customdata[0]:,} 个"
                      "<br>已完成 %{customdata[1]:,} 个<extra></extra>"))
    if "on_time_rate" in trend.columns:
        fig.add_trace(go.Scatter(
            x=x, y=_list(trend["on_time_rate"]), name="按时完成率", mode="lines+markers",
            line={"color": GREEN, "width": 2, "dash": "dot"},
            hovertemplate="%{x|%Y年%m月%d日}<br>按时完成率 %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[x[0], x[-1]], y=[benchmark, benchmark], name=f"基准 {fmt_pct(benchmark)}", mode="lines",
        line={"color": RED, "width": 1.5, "dash": "dash"}, hoverinfo="skip"))
    values = _list(trend["completion_rate"]) + (_list(trend["on_time_rate"]) if "on_time_rate" in trend else [])
    low = min([v for v in values + [benchmark] if v is not None])
    fig.update_yaxes(title_text="比率", tickformat=".0%", range=[max(0.0, math.floor(low * 20) / 20 - 0.05), 1.005])
    _date_axis(fig, x)
    return _style(fig, title, 400, "完成率 = 已完成 ÷ 应完成；应完成 = 已到期或已完成的任务")


def work_code_trend(codes: pd.DataFrame) -> go.Figure:
    """Stacked areas of green / yellow / red (and pending) task counts per as_of_date."""
    title = "任务工作码走势"
    if _is_empty(codes, "as_of_date", "green", "yellow", "red"):
        return empty_figure(title)
    x = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in codes["as_of_date"]]
    fig = go.Figure()
    for code in ("green", "yellow", "red", "pending"):
        if code not in codes.columns:
            continue
        fig.add_trace(go.Scatter(
            x=x, y=_list(codes[code]), name=CODE_NAMES[code], stackgroup="codes", mode="lines",
            line={"color": CODE_COLORS[code], "width": 1},
            hovertemplate="%{x|%Y年%m月%d日}<br>" + CODE_NAMES[code] + " %{y:,} 个<extra></extra>"))
    _count_axis(fig, "y", None, "任务数（个）")
    _date_axis(fig, x)
    return _style(fig, title, 380, "绿码：按时且合规完成；黄码：逾期、证据不足或需跟进；红码：到期未完成")


def station_ranking(stations: pd.DataFrame, benchmark: float = BENCHMARK, title: str = "派出所完成率排名",
                    city_rate: float | None = None) -> go.Figure:
    """Stations (or districts) ranked by completion rate, each with its gap to the city figure
    (dot plot: the axis need not start at zero)."""
    if _is_empty(stations, "station", "completion_rate", "tasks_due", "tasks_completed"):
        return empty_figure(title)
    frame = stations.dropna(subset=["completion_rate"]).sort_values(
        ["completion_rate", "station"], ascending=[False, True])
    if frame.empty:
        return empty_figure(title, "暂无到期任务")
    rates = _list(frame["completion_rate"])
    colors = [GREEN if r >= benchmark else (YELLOW if r >= benchmark - 0.05 else RED) for r in rates]
    red = _list(frame["red"]) if "red" in frame.columns else [0] * len(frame)
    gaps = [None if city_rate is None else round((r - city_rate) * 100, 1) for r in rates]
    custom = list(zip(_list(frame["tasks_due"]), _list(frame["tasks_completed"]),
                      [fmt_pct(v) for v in _list(frame.get("on_time_rate", frame["completion_rate"]))],
                      red, ["—" if g is None else f"{g:+.1f}" for g in gaps], strict=True))
    text = [fmt_pct(r) + ("" if g is None else f"（{g:+.1f}）") for r, g in zip(rates, gaps, strict=True)]
    fig = go.Figure(go.Scatter(
        x=rates, y=_list(frame["station"]), mode="markers+text", name="完成率",
        marker={"color": colors, "size": 13, "line": {"color": "white", "width": 1}},
        text=text, textposition="middle right", customdata=custom, cliponaxis=False,
        hovertemplate="<b>%{y}</b><br>完成率 %{x:.1%}（与全市差 %{customdata[4]} 个百分点）<br>按时完成率 %{customdata[2]}"
                      "<br>应完成 %{customdata[0]:,} 个，已完成 %{customdata[1]:,} 个"
                      "<br>红码 %{customdata[3]:,} 个<extra></extra>"))
    fig.add_vline(x=benchmark, line={"color": RED, "dash": "dash", "width": 1.5},
                  annotation_text=f"基准 {fmt_pct(benchmark)}", annotation_position="top right")
    if city_rate is not None:
        fig.add_vline(x=city_rate, line={"color": BLUE, "dash": "dot", "width": 1.5},
                      annotation_text=f"全市 {fmt_pct(city_rate)}", annotation_position="top left")
    low = max(0.0, math.floor((min(rates + [benchmark] + ([city_rate] if city_rate else [])) - 0.01) * 100) / 100)
    fig.update_xaxes(title_text="完成率（括号内为与全市之差，百分点）", tickformat=".0%",
                     range=[low, 1.0 + (1.0 - low) * 0.22], tickvals=_rate_ticks(low))
    fig.update_yaxes(autorange="reversed", title_text=None)
    return _style(fig, title, rows_height(len(frame), 26, 160),
                  "绿色：达到基准；黄色：低于基准5个百分点以内；红色：更低；蓝色点线为全市")


def rows_height(rows: int, per_row: int = 26, base: int = 140, most: int = 1800) -> int:
    """Chart height for ``rows`` horizontal rows: readable bars whether there are 2 rows or 60."""
    return int(min(most, max(260, base + per_row * rows)))


def station_category_heatmap(station_category: pd.DataFrame) -> go.Figure:
    """Completion rate by station × task category."""
    title = "派出所 × 任务类别 完成率"
    if _is_empty(station_category, "station", "category_name", "completion_rate", "tasks_due"):
        return empty_figure(title)
    order = (station_category.groupby("station")[["tasks_completed", "tasks_due"]].sum()
             .assign(rate=lambda f: f.tasks_completed / f.tasks_due.where(f.tasks_due > 0))
             .sort_values("rate", ascending=False, kind="stable").index.tolist())
    cats = sorted(station_category["category_name"].unique().tolist())
    rate = station_category.pivot_table(index="station", columns="category_name", values="completion_rate",
                                        aggfunc="first").reindex(index=order, columns=cats)
    due = station_category.pivot_table(index="station", columns="category_name", values="tasks_due",
                                       aggfunc="sum").reindex(index=order, columns=cats)
    z = [[None if pd.isna(v) else round(float(v), 4) for v in row] for row in rate.to_numpy()]
    custom = [[0 if pd.isna(v) else int(v) for v in row] for row in due.to_numpy()]
    text = [[("" if v is None else fmt_pct(v)) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=cats, y=order, text=text, texttemplate="%{text}", customdata=custom,
        colorscale=[[0, RED], [0.5, "#f7d774"], [1, GREEN]], zmin=0.8, zmax=1.0,
        colorbar={"title": {"text": "完成率"}, "tickformat": ".0%"},
        hovertemplate="<b>%{y}</b> · %{x}<br>完成率 %{z:.1%}<br>应完成 %{customdata:,} 个<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, rows_height(len(order), 28), "色阶下限为80%：更低的完成率同显为红色")


def parts_completion(parts: pd.DataFrame, benchmark: float = BENCHMARK) -> go.Figure:
    """Completion rate per standard part, coloured by category."""
    title = "各标准件完成率"
    if _is_empty(parts, "part_name", "category_name", "completion_rate", "tasks_due"):
        return empty_figure(title)
    frame = parts.dropna(subset=["completion_rate"])
    if frame.empty:
        return empty_figure(title, "暂无到期任务")
    fig = go.Figure()
    categories = list(dict.fromkeys(frame["category_name"].tolist()))
    for i, category in enumerate(categories):
        rows = frame[frame["category_name"] == category].sort_values(["completion_rate", "part_name"],
                                                                       ascending=[False, True])
        custom = list(zip(_list(rows["tasks_due"]), _list(rows["tasks_completed"]),
                          [fmt_pct(v) for v in _list(rows["on_time_rate"])], strict=True))
        fig.add_trace(go.Bar(
            x=_list(rows["completion_rate"]), y=_list(rows["part_name"]), orientation="h", name=category,
            marker={"color": CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)]},
            text=[fmt_pct(v) for v in _list(rows["completion_rate"])], textposition="outside",
            customdata=custom,
            hovertemplate="<b>%{y}</b>（" + category + "）<br>完成率 %{x:.1%}<br>按时完成率 %{customdata[2]}"
                          "<br>应完成 %{customdata[0]:,} 个，已完成 %{customdata[1]:,} 个<extra></extra>"))
    fig.add_vline(x=benchmark, line={"color": RED, "dash": "dash", "width": 1.5})
    fig.update_xaxes(title_text="完成率", tickformat=".0%", range=[0, 1.12])
    fig.update_yaxes(autorange="reversed", title_text=None)
    return _style(fig, title, rows_height(len(frame), 24, 160),
                  f"按类别分组（颜色）；红色虚线为{fmt_pct(benchmark)}基准")


def category_breakdown(categories: pd.DataFrame) -> go.Figure:
    """Per category: on time, late, overdue not done, not yet due (counts of tasks)."""
    title = "各类别任务完成情况"
    needed = ("category_name", "issued", "tasks_due", "tasks_completed", "tasks_on_time")
    if _is_empty(categories, *needed):
        return empty_figure(title)
    frame = categories.copy()
    segments = [
        ("按时完成", frame["tasks_on_time"], GREEN),
        ("逾期完成", frame["tasks_completed"] - frame["tasks_on_time"], YELLOW),
        ("到期未完成", frame["tasks_due"] - frame["tasks_completed"], RED),
        ("未到期", (frame["issued"] - frame["tasks_due"]).clip(lower=0), GREY),
    ]
    fig = go.Figure()
    for name, values, color in segments:
        fig.add_trace(go.Bar(
            y=_list(frame["category_name"]), x=[int(v) for v in values], name=name, orientation="h",
            marker={"color": color},
            hovertemplate="<b>%{y}</b><br>" + name + " %{x:,} 个<extra></extra>"))
    fig.update_layout(barmode="stack")
    _count_axis(fig, "x", frame["issued"].max(), "任务数（个）")
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, rows_height(len(frame), 40))


def officer_codes(codes: pd.DataFrame, month: date | None) -> go.Figure:
    """Officers per work code and station, for one month (officer_scorecard)."""
    title = f"民警工作码分布（{fmt_month(month)}）" if month else "民警工作码分布"
    if _is_empty(codes, "station", "green", "yellow", "red"):
        return empty_figure(title)
    totals = {c: int(codes[c].sum()) for c in ("green", "yellow", "red")}
    fig = go.Figure()
    for code in ("green", "yellow", "red"):
        fig.add_trace(go.Bar(
            y=_list(codes["station"]), x=_list(codes[code]), name=f"{CODE_NAMES[code]}（{totals[code]:,}人）",
            orientation="h", marker={"color": CODE_COLORS[code]},
            hovertemplate="<b>%{y}</b><br>" + CODE_NAMES[code] + "民警 %{x:,} 人<extra></extra>"))
    fig.update_layout(barmode="stack")
    _count_axis(fig, "x", (codes["green"] + codes["yellow"] + codes["red"]).max(), "民警人数（人）")
    fig.update_yaxes(autorange="reversed")
    subtitle = "红码：红码任务占比≥5%；黄码：黄码与红码合计占比≥10%；其余为绿码"
    return _style(fig, title, rows_height(len(codes), 26), subtitle)


def red_heatmap(red_matrix: pd.DataFrame, top_parts: int = 15) -> go.Figure:
    """Overdue (red) task counts by standard part (rows, the ``top_parts`` largest; the rest as
    其他标准件) × station (columns, most red first)."""
    title = "逾期未完成（红码）任务分布：标准件 × 派出所"
    if _is_empty(red_matrix, "station", "part_name", "red") or int(red_matrix["red"].sum()) == 0:
        return empty_figure(title, "暂无逾期未完成任务")
    frame = red_matrix[["station", "part_name", "red"]].copy()
    by_part = frame.groupby("part_name")["red"].sum().sort_values(ascending=False, kind="stable")
    parts = by_part.index.tolist()
    subtitle = None
    if len(parts) > top_parts:
        keep = set(parts[:top_parts])
        frame["part_name"] = [p if p in keep else "其他标准件" for p in frame["part_name"]]
        subtitle = f"列出红码最多的 {top_parts} 个标准件，其余 {len(parts) - top_parts} 个合并为“其他标准件”"
        parts = parts[:top_parts] + ["其他标准件"]
    stations = frame.groupby("station")["red"].sum().sort_values(ascending=False, kind="stable").index.tolist()
    wide = frame.pivot_table(index="part_name", columns="station", values="red", aggfunc="sum",
                             fill_value=0).reindex(index=parts, columns=stations, fill_value=0)
    z = [[int(v) for v in row] for row in wide.to_numpy()]
    fig = go.Figure(go.Heatmap(
        z=z, x=stations, y=parts, text=[[str(v) if v else "" for v in row] for row in z], texttemplate="%{text}",
        colorscale=[[0, "#fff5f4"], [1, RED]], zmin=0, colorbar={"title": {"text": "任务数"}},
        hovertemplate="<b>%{x}</b> · %{y}<br>红码任务 %{z:,} 个<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-45 if len(stations) > 12 else 0, side="top")
    return _style(fig, title, rows_height(len(parts), 26, 190), subtitle)


def handoff_sankey(handoffs: pd.DataFrame) -> go.Figure:
    """Hand-offs (一键流转) from task category to government department."""
    title = "一键流转：任务类别 → 协同部门"
    if _is_empty(handoffs, "category_name", "department_name", "handoffs") or int(handoffs["handoffs"].sum()) == 0:
        return empty_figure(title, "暂无流转记录")
    sources = list(dict.fromkeys(handoffs["category_name"].tolist()))
    targets = list(dict.fromkeys(handoffs["department_name"].tolist()))
    labels = sources + [t for t in targets if t not in sources]
    index = {name: i for i, name in enumerate(labels)}
    colors = [CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)] for i in range(len(sources))]
    colors += ["#52606d"] * (len(labels) - len(sources))
    link_colors = [colors[index[s]].replace("#", "") for s in handoffs["category_name"]]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "color": colors, "pad": 18, "thickness": 16,
              "hovertemplate": "%{label}<br>流转 %{value:,} 次<extra></extra>"},
        link={"source": [index[s] for s in handoffs["category_name"]],
              "target": [index[t] for t in handoffs["department_name"]],
              "value": [int(v) for v in handoffs["handoffs"]],
              "color": [f"rgba({int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},0.35)" for c in link_colors],
              "hovertemplate": "%{source.label} → %{target.label}<br>流转 %{value:,} 次<extra></extra>"},
        valueformat=",d"))
    total = int(handoffs["handoffs"].sum())
    return _style(fig, title, max(320, 60 + 34 * max(len(sources), len(targets) - 0)),
                  f"民警完成任务时移交政府部门处置，共 {total:,} 次")


def merge_savings(merge: pd.DataFrame) -> go.Figure:
    """Requests (candidates) vs tasks issued per standard part: duplicate work avoided."""
    title = "归并同类项：重复工作减少"
    if _is_empty(merge, "part_name", "candidates", "objects", "issued") or int(merge["candidates"].sum()) == 0:
        return empty_figure(title)
    frame = merge.sort_values(["candidates", "part_name"], ascending=[False, True])
    candidates, issued = int(frame["candidates"].sum()), int(frame["issued"].sum())
    saved = 1 - issued / candidates
    fig = go.Figure()
    for column, name, color in (("candidates", "派单需求（条）", "#9fb3c8"), ("objects", "归并后（个）", "#627d98"),
                                ("issued", "实际下发（个）", BLUE)):
        fig.add_trace(go.Bar(
            y=_list(frame["part_name"]), x=_list(frame[column]), name=name, orientation="h",
            marker={"color": color},
            hovertemplate="<b>%{y}</b><br>" + name + " %{x:,}<extra></extra>"))
    fig.update_layout(barmode="group", bargap=0.25)
    _count_axis(fig, "x", frame["candidates"].max(), "数量")
    fig.update_yaxes(autorange="reversed")
    subtitle = (f"各部门需求 {fmt_count(candidates)} 条 → 实际下发 {fmt_count(issued)} 个，"
                f"减少重复工作 {fmt_pct(saved)}（同一对象合并、在办或冷却期内不重复下发）")
    return _style(fig, title, rows_height(len(frame), 48, 150), subtitle)
