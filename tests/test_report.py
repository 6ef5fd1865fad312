"""Leadership report: KPIs equal the marts, every chart draws in a real browser, no personal data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest
from browser import Browser, decode_png, distinct_colours
from report_sample import build_sample_analytics
from standard_parts.config import Settings
from standard_parts.report import build_report, figures, latest_page, render_pages, render_report
from standard_parts.report.data import load_report_data

ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")
PHONE = re.compile(r"(?<![0-9])1[0-9]{10}(?![0-9])")
KPI = re.compile(r'<div class="kpi[^"]*" id="kpi-([a-z-]+)" data-value="([^"]*)">.*?<div class="value">([^<]*)</div>')


def _settings(warehouse: Path) -> Settings:
    return Settings(warehouse=warehouse, landing=warehouse.parent / "landing")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("report") / "warehouse"
    sample = build_sample_analytics(warehouse)
    path = build_report(_settings(warehouse), sample.as_of)
    return sample, path


@pytest.fixture(scope="module")
def empty_report(tmp_path_factory):
    """Every marts table present but empty: the page must still build and draw."""
    warehouse = tmp_path_factory.mktemp("empty") / "warehouse"
    sample = build_sample_analytics(warehouse)
    con = duckdb.connect(str(sample.analytics))
    for (table,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall():
        con.execute(f"delete from marts.{table}")
    con.close()
    return build_report(_settings(warehouse), sample.as_of)


@pytest.fixture(scope="module")
def browser():
    # Pages are ~5 MB (plotly.js inline) and the machine is shared: a generous protocol timeout.
    with Browser(width=1400, height=3000, timeout=90) as b:
        yield b


def _without_plotly_js(html: str) -> str:
    """The page minus the embedded plotly.js bundle (a fixed library whose numeric constants are not data)."""
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert bundle in html, "plotly.js must be embedded (the page opens offline)"
    return html.replace(bundle, "")


def _expected_kpis(analytics: Path) -> dict:
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        as_of = con.execute("select max(as_of_date) from marts.completion_rate_daily").fetchone()[0]
        issued = con.execute("select count(*) from marts.fct_tasks where cast(issued_at as date) <= ?",
                             [as_of]).fetchone()[0]
        due, done, on_time = con.execute(
            "select sum(tasks_due), sum(tasks_completed), sum(tasks_on_time) from marts.completion_rate_daily "
            "where as_of_date = ?", [as_of]).fetchone()
        green, yellow, red = con.execute(
            "select sum(green), sum(yellow), sum(red) from marts.work_code_summary where as_of_date = ?",
            [as_of]).fetchone()
    finally:
        con.close()
    return {"issued": issued, "due": due, "completion-rate": done / due, "on-time-rate": on_time / due,
            "green": green, "yellow": yellow, "red": red}


# --- the page ---------------------------------------------------------------------------------------

def test_kpi_header_equals_the_marts(built):
    sample, path = built
    html = path.read_text(encoding="utf-8")
    shown = {key: (value, text) for key, value, text in KPI.findall(html)}
    expected = _expected_kpis(sample.analytics)
    assert set(expected) <= set(shown)
    for key, want in expected.items():
        value, text = shown[key]
        if isinstance(want, float):
            assert float(value) == pytest.approx(want, abs=1e-6), key
            assert text == f"{want * 100:.1f}%", key
        else:
            assert int(value) == want, key
            assert text == f"{want:,}", key
    # The sample's own truth: the as_of date is its last date, so every task is counted.
    con = duckdb.connect(str(sample.analytics), read_only=True)
    total, red = con.execute("select count(*), count(*) filter (where work_code = 'red') from marts.fct_tasks").fetchone()
    con.close()
    assert expected["issued"] == total and expected["red"] == red
    # The plain-language summary quotes the same numbers.
    assert f"本期下发任务 {total:,} 个" in html and f"完成率 {expected['completion-rate'] * 100:.1f}%" in html
    assert "97.6%基准" in html and "统计区间" in html


def test_red_task_list_matches_the_red_count(built):
    sample, path = built
    html = path.read_text(encoding="utf-8")
    table = html.split('id="red-tasks-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(T[^<]+)</td>", table)
    red = int(dict((k, v) for k, v, _ in KPI.findall(html))["red"])
    assert rows and len(rows) == red
    con = duckdb.connect(str(sample.analytics), read_only=True)
    want = {r[0] for r in con.execute("select task_id from marts.fct_tasks where work_code = 'red'").fetchall()}
    con.close()
    assert set(rows) == want


def test_report_draws_every_chart_offline_without_errors(built, browser, tmp_path):
    _, path = built
    page = browser.open(path)
    assert page.exceptions == [] and page.console_errors == []
    assert page.declared == page.expected == page.drawn == 13, page.drawn_ids
    offsite = [u for u in page.requests if not u.startswith(("file://", "data:"))]
    assert offsite == [], "the report must open offline (no CDN, no web fonts)"
    for key, kpi in page.kpis.items():
        assert kpi["text"] and kpi["text"] != "—", key
    assert "统计区间" in page.text and "暂无数据" not in page.text
    png = browser.screenshot(tmp_path / "report.png", scale=0.25)
    pixels = decode_png(png)
    assert pixels.shape[0] > 500 and pixels.shape[1] == 350
    assert distinct_colours(pixels) > 200, "screenshot looks blank"


def test_empty_marts_still_give_a_page_that_draws(empty_report, browser):
    html = empty_report.read_text(encoding="utf-8")
    assert "暂无数据" in html
    page = browser.open(empty_report)
    assert page.exceptions == [] and page.console_errors == []
    assert page.declared == page.expected == page.drawn > 0
    assert "暂无数据" in page.text


def test_no_personal_data_in_the_page(built):
    sample, path = built
    from standard_parts.pii_scan import known_persons, scan_text

    html = path.read_text(encoding="utf-8")
    for name_, id_number, phone in ((p[1], p[0], p[2]) for p in sample.persons):
        assert name_ not in html and id_number not in html and phone not in html
    page = _without_plotly_js(html)
    assert ID_NUMBER.findall(page) == []
    assert PHONE.findall(page) == []
    leaked = [o for o in sample.object_ids if o in html]
    assert leaked == [], "task objects (house/venue ids, person pseudonyms) must not be shown"
    ids, phones, names = known_persons(sample.analytics.parent / "operational.duckdb")
    assert scan_text(page, str(path), names, ids, phones) == []


def test_files_latest_and_index(built, tmp_path):
    sample, path = built
    reports = path.parent.parent
    assert path == reports / sample.as_of.isoformat() / "leadership.html"
    # latest.html is the city page with its links resolved inside the dated folder.
    latest = (reports / "latest.html").read_text(encoding="utf-8")
    assert latest == latest_page(path.read_text(encoding="utf-8"), sample.as_of)
    assert f'<base href="{sample.as_of.isoformat()}/">' in latest
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert f'href="{sample.as_of.isoformat()}/leadership.html"' in index and 'href="latest.html"' in index
    assert "未生成" in index  # no dbt docs / GX Data Docs in this warehouse
    assert not [p for p in reports.rglob(".*")], "no temporary files left behind"

    # A backfill of an earlier date adds its report but leaves latest.html on the newest one;
    # dbt docs appear in the index once they exist.
    # The report reads only analytics.duckdb: without the operational store it builds all the same.
    warehouse = tmp_path / "warehouse"
    build_sample_analytics(warehouse)
    (warehouse / "operational.duckdb").unlink()
    settings = _settings(warehouse)
    newest = build_report(settings, sample.as_of)
    (warehouse / "dbt_docs").mkdir()
    (warehouse / "dbt_docs" / "index.html").write_text("<html></html>")
    older = build_report(settings, date(2026, 10, 1))
    latest = (warehouse / "reports" / "latest.html").read_text(encoding="utf-8")
    assert latest == latest_page(newest.read_text(encoding="utf-8"), sample.as_of)
    assert newest.read_bytes() != older.read_bytes()
    index = (warehouse / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="../dbt_docs/index.html"' in index and 'href="2026-10-01/leadership.html"' in index
    assert "2026年10月1日" in older.read_text(encoding="utf-8")
    assert not (warehouse / "operational.duckdb").exists()


def test_same_data_same_bytes(built):
    """build_report drew the pages in forked processes (settings.report_processes); drawn again in
    this one process they are the same bytes."""
    sample, path = built
    settings = _settings(sample.analytics.parent)
    assert settings.report_processes == 2
    pages = render_pages(sample.analytics, sample.as_of, landing=settings.landing, warehouse=settings.warehouse,
                         processes=1)
    assert len(pages) > 2 and "/* standard-parts: plotly.js */" not in "".join(pages.values())
    assert pages["leadership.html"] == path.read_text(encoding="utf-8")
    for name, html in pages.items():
        assert (path.parent / name).read_text(encoding="utf-8") == html, name
    assert render_report(sample.analytics, sample.as_of).count('id="kpi"') == 1


def test_missing_optional_marts_leave_their_chart_out_with_a_note(tmp_path):
    warehouse = tmp_path / "warehouse"
    sample = build_sample_analytics(warehouse, with_dim_stations=False, with_handoffs=False)
    data = load_report_data(sample.analytics, sample.as_of)
    assert data.handoffs is None and not data.station_names
    html = build_report(_settings(warehouse), sample.as_of).read_text(encoding="utf-8")
    assert 'data-figures="12"' in html and 'id="fig-handoffs"' not in html
    assert "marts.handoffs_monthly" in html and "marts.dim_stations" in html


def test_missing_analytics_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="analytics"):
        build_report(_settings(tmp_path / "nowhere"), date(2026, 10, 1))


# --- figure functions (pure: DataFrame in, Figure out) ----------------------------------------------

def _texts(fig: go.Figure) -> str:
    return " ".join(a.text for a in fig.layout.annotations or ()) + " " + str(fig.layout.title.text)


EMPTY_CASES = [
    lambda f: figures.weekly_trend(f),
    lambda f: figures.district_map(None, f),
    lambda f: figures.completion_trend(f),
    lambda f: figures.work_code_trend(f),
    lambda f: figures.station_ranking(f),
    lambda f: figures.parts_completion(f),
    lambda f: figures.category_breakdown(f),
    lambda f: figures.officer_codes(f, None),
    lambda f: figures.red_heatmap(f),
    lambda f: figures.handoff_sankey(f),
    lambda f: figures.merge_savings(f),
]


@pytest.mark.parametrize("make", EMPTY_CASES)
def test_figures_say_no_data_for_an_empty_frame(make):
    fig = make(pd.DataFrame())
    assert isinstance(fig, go.Figure) and len(fig.data) == 0
    assert "暂无" in _texts(fig)
    fig.to_json()  # serialisable


def test_figures_from_real_frames(built):
    sample, _ = built
    settings = _settings(sample.analytics.parent)
    data = load_report_data(sample.analytics, sample.as_of, landing=settings.landing)
    from standard_parts.report.page import _red_matrix

    made = {
        "trend": figures.completion_trend(data.trend),
        "weekly": figures.weekly_trend(data.weeks),
        "codes": figures.work_code_trend(data.code_trend),
        "districts": figures.station_ranking(data.children, city_rate=data.city_rate),
        "stations": figures.station_ranking(data.stations, city_rate=data.city_rate),
        "map": figures.district_map(data.geojson, data.children),
        "parts": figures.parts_completion(data.parts),
        "categories": figures.category_breakdown(data.categories),
        "officers": figures.officer_codes(data.officer_codes, data.officer_month),
        "red": figures.red_heatmap(_red_matrix(data)),
        "handoffs": figures.handoff_sankey(data.handoffs),
        "merge": figures.merge_savings(data.merge),
        "gauges": figures.kpi_gauges(data.kpi.completion_rate, data.kpi.on_time_rate),
    }
    for name, fig in made.items():
        assert len(fig.data) > 0, name
        assert "暂无" not in _texts(fig), name
    # Chinese labels from the catalogue and the org feed, not ids.
    assert "房屋超10人居住核查" in {y for t in made["parts"].data for y in t.y}
    assert "思明派出所" in made["stations"].data[0].y and "思明区" in made["districts"].data[0].y
    assert "2026年10月" in made["officers"].layout.title.text
    trend = made["trend"].data[0]
    assert trend.y[-1] == pytest.approx(data.kpi.completion_rate, abs=1e-4)
    # The gauges are zoomed: their scale starts 5 points under the lowest rate (or the benchmark).
    low = made["gauges"].data[0].gauge.axis.range[0]
    assert 0 < low <= min(data.kpi.completion_rate, data.kpi.on_time_rate) * 100 - 5 < low + 5
    # The weekly trend moves: its rates differ week to week (the cumulative line is nearly flat).
    weekly = [v for v in made["weekly"].data[1].y if v is not None]
    assert len(weekly) >= 6 and max(weekly) - min(weekly) > 0.05
    # The figure does not modify its input.
    before = data.stations.copy()
    figures.station_ranking(data.stations)
    pd.testing.assert_frame_equal(before, data.stations)


@pytest.mark.parametrize("days", [2, 30])
def test_daily_axes_label_each_date_once(days):
    """Over a short span plotly would tick every few hours and print each date several times."""
    as_of = [date(2026, 10, 1) + timedelta(days=i) for i in range(days)]
    trend = pd.DataFrame({"as_of_date": as_of, "completion_rate": 0.95, "on_time_rate": 0.9, "tasks_due": 10,
                          "tasks_completed": 9})
    codes = pd.DataFrame({"as_of_date": as_of, "green": 5, "yellow": 1, "red": 1})
    for fig in (figures.completion_trend(trend), figures.work_code_trend(codes)):
        axis = fig.layout.xaxis
        assert axis.tickformat == "%-m月%-d日"
        assert (axis.dtick, axis.tick0) == ((figures.DAY_MS, "2026-10-01") if days <= 14 else (None, None))
        if days <= 14:  # room for the first and last labels (an area chart would end on them)
            assert tuple(axis.range) == ("2026-09-30 12:00", "2026-10-02 12:00")


def test_a_two_day_report_draws_its_date_axes_without_errors(tmp_path):
    """The first nights after a deployment: the daily charts of two dates draw in Chromium with no
    console error (an area chart ending on its edge labels once put its axis title at -Infinity)."""
    from plotly.offline import get_plotlyjs

    as_of = [date(2026, 10, 1), date(2026, 10, 2)]
    trend = pd.DataFrame({"as_of_date": as_of, "completion_rate": [1.0, 0.957], "on_time_rate": [1.0, 0.9],
                          "tasks_due": [3, 70], "tasks_completed": [3, 67]})
    codes = pd.DataFrame({"as_of_date": as_of, "green": [3, 64], "yellow": [0, 3], "red": [0, 3],
                          "pending": [50, 118]})
    divs = "".join(fig.to_html(full_html=False, include_plotlyjs=False)
                   for fig in (figures.completion_trend(trend), figures.work_code_trend(codes)))
    page = tmp_path / "axes.html"
    page.write_text(f"<html><head><meta charset='utf-8'><script>{get_plotlyjs()}</script></head>"
                    f"<body>{divs}</body></html>", encoding="utf-8")
    with Browser(width=1000, height=900) as browser:
        result = browser.open(page)
    assert (result.expected, result.drawn) == (2, 2)
    assert result.console_errors == [] and result.exceptions == []


def test_number_formats_for_chinese_readers():
    assert figures.fmt_int(12345) == "12,345"
    assert figures.fmt_count(368_000) == "36.8万" and figures.fmt_count(99_999) == "99,999"
    assert figures.fmt_pct(0.976) == "97.6%" and figures.fmt_pct(None) == "—"
    assert figures.fmt_vs_benchmark(0.98) == "高于97.6%基准0.4个百分点"
    assert figures.fmt_vs_benchmark(0.95) == "低于97.6%基准2.6个百分点"
    assert figures.fmt_vs_benchmark(0.976) == "与97.6%基准持平"
    assert figures.fmt_month(date(2026, 10, 1)) == "2026年10月"
    assert figures.fmt_date(date(2026, 10, 5)) == "2026年10月5日"


def test_an_earlier_date_is_judged_at_that_date(built):
    sample, _ = built
    data = load_report_data(sample.analytics, date(2026, 10, 1))
    k = data.kpi
    assert data.as_of == date(2026, 10, 1)
    assert data.red_total == k.red > 0  # red from fct_tasks at that date = the mart's red
    assert k.issued == k.green + k.yellow + k.red + k.pending
    assert data.trend["as_of_date"].max().date() == date(2026, 10, 1)


# --- report v2: pages per level, the KPI block, act-on lists, freshness ------------------------------

KPI_BLOCK = re.compile(r'<script type="application/json" id="kpi">(.*?)</script>', re.S)
HREF = re.compile(r'href="([^"#]+)"')


def _kpi_of(path: Path) -> dict:
    import json

    (block,) = KPI_BLOCK.findall(path.read_text(encoding="utf-8"))
    return json.loads(block)


def _pages(built) -> dict[tuple[str, str], Path]:
    _, path = built
    # every page of the folder but the department page (SPEC 12) is a SPEC 11 scope page
    return {(k["scope"], k["id"]): p for p in sorted(path.parent.glob("*.html")) if p.name != "departments.html"
            for k in [_kpi_of(p)]}


def _stations_by_district(analytics: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for station, district in duckdb.connect(str(analytics), read_only=True).execute(
            "select station_id, district from marts.dim_stations").fetchall():
        out.setdefault(district, set()).add(station)
    return out


def test_one_page_per_district_and_station_linked_both_ways(built):
    sample, city = built
    pages = _pages(built)
    districts = _stations_by_district(sample.analytics)
    stations = set().union(*districts.values())
    assert set(pages) == ({("city", "city")} | {("district", d) for d in districts}
                          | {("station", s) for s in stations})
    assert pages[("city", "city")] == city
    folder = city.parent

    def links(path: Path) -> set[Path]:
        hrefs = HREF.findall(_without_plotly_js(path.read_text(encoding="utf-8")))
        assert all(not h.startswith(("/", "http:", "https:", "file:")) for h in hrefs), hrefs
        return {(path.parent / h).resolve() for h in hrefs}

    down = links(city)
    assert {p.resolve() for k, p in pages.items() if k[0] != "city"} <= down
    for district, members in districts.items():
        page = pages[("district", district)]
        assert city.resolve() in links(page), "a district page links back to the city"
        assert {pages[("station", s)].resolve() for s in members} <= links(page)
        for station in members:
            up = links(pages[("station", station)])
            assert page.resolve() in up and city.resolve() in up, "a station page links back up"
    departments = folder / "departments.html"
    assert departments.resolve() in down and city.resolve() in links(departments), "city <-> department page"
    for page in folder.glob("*.html"):
        assert all(target.exists() for target in links(page)), page.name


def _expected_block(analytics: Path, stations: set[str], as_of: date) -> dict:
    """SPEC 11, computed here from the SPEC 7 / 6.1 marts: sums over the page's stations."""
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        marks = ",".join("?" * len(stations))
        due, done, on_time = con.execute(
            f"select sum(tasks_due), sum(tasks_completed), sum(tasks_on_time) from marts.completion_rate_daily "
            f"where as_of_date = ? and station_id in ({marks})", [as_of, *stations]).fetchone()
        codes = con.execute(f"select sum(green), sum(yellow), sum(red), sum(pending) from marts.work_code_summary "
                            f"where as_of_date = ? and station_id in ({marks})", [as_of, *stations]).fetchone()
        out = {"as_of_date": as_of.isoformat(), "tasks_due": due, "tasks_completed": done, "tasks_on_time": on_time,
               "green": codes[0], "yellow": codes[1], "red": codes[2], "pending": codes[3]}
        for table, key, name, last_day in (
                ("completion_rate_weekly", "week_start", "week", lambda d: d + timedelta(days=6)),
                ("completion_rate_monthly", "month", "month",
                 lambda d: (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))):
            periods = [r[0] for r in con.execute(
                f"select distinct {key} from marts.{table} where station_id in ({marks}) order by 1",
                [*stations]).fetchall()]
            complete = [p for p in periods if last_day(p) <= as_of]
            chosen = (complete or periods)[-1]
            sums = con.execute(f"select sum(tasks_due), sum(tasks_on_time), sum(tasks_completed) from marts.{table} "
                               f"where {key} = ? and station_id in ({marks})", [chosen, *stations]).fetchone()
            out[name] = {key: chosen.isoformat(), "tasks_due": sums[0], "tasks_on_time": sums[1],
                         "tasks_completed": sums[2]}
    finally:
        con.close()
    return out


def test_every_pages_kpi_block_reconciles_with_the_marts(built):
    sample, _ = built
    districts = _stations_by_district(sample.analytics)
    everything = set().union(*districts.values())
    for (scope, scope_id), path in _pages(built).items():
        block = _kpi_of(path)
        stations = {"city": everything, "district": districts.get(scope_id), "station": {scope_id}}[scope]
        expected = _expected_block(sample.analytics, stations, sample.as_of)
        assert {k: v for k, v in block.items() if k not in ("scope", "id")} == expected, (scope, scope_id)
    city = _kpi_of(_pages(built)[("city", "city")])
    # The sample's as_of (Monday 2026-10-05): the last complete week and month are the ones before.
    assert city["week"]["week_start"] == "2026-09-28" and city["month"]["month"] == "2026-09-01"
    assert city["week"]["tasks_due"] > 0 and city["red"] > 0


def test_period_tiles_show_the_change_against_the_period_before(built):
    sample, path = built
    html = path.read_text(encoding="utf-8")
    tile = html.split('id="tile-week"', 1)[1].split('id="tile-month"', 1)[0]
    con = duckdb.connect(str(sample.analytics), read_only=True)
    week, prev = (con.execute(
        "select sum(tasks_due), sum(tasks_completed), sum(tasks_on_time) from marts.completion_rate_weekly "
        "where week_start = ?", [d]).fetchone() for d in (date(2026, 9, 28), date(2026, 9, 21)))
    con.close()
    diff = round((week[2] / week[0] - prev[2] / prev[0]) * 100, 1)
    assert f"{week[2] / week[0] * 100:.1f}%" in tile
    assert (f"▲ {diff:.1f}个百分点" if diff > 0 else f"▼ {abs(diff):.1f}个百分点") in tile
    assert ('class="chg up"' if diff > 0 else 'class="chg down"') in tile
    assert f"上期 {prev[0]:,}" in tile and "累计完成率" in tile


def test_act_on_lists_name_places_people_at_work_and_reasons(built, browser):
    sample, path = built
    html = path.read_text(encoding="utf-8")
    assert "未反馈完成情况" in html and "民警反馈无法完成" in html and "必填步骤未完成" in html
    assert "开元社区" in html and any(name in html for name in sample.officer_names.values())
    station = _pages(built)[("station", "S01")]
    page = browser.open(station)
    assert page.exceptions == []
    csv = browser.evaluate("spCsvText()")
    lines = csv.split("\r\n")
    assert lines[0].startswith("任务编号,清单,派出所,社区,责任民警,标准件,截止时间")
    con = duckdb.connect(str(sample.analytics), read_only=True)
    con.execute("set TimeZone = 'Asia/Shanghai'")  # the as_of is the end of the local date
    red, = con.execute("select count(*) from marts.fct_tasks where work_code = 'red' and station_id = 'S01'").fetchone()
    soon, = con.execute("select count(*) from marts.fct_tasks where station_id = 'S01' and work_code is null "
                        "and due_at <= cast(? as date) + interval 1 day + interval 48 hour", [sample.as_of]).fetchone()
    con.close()
    rows = lines[1:]
    assert sum(",逾期未完成," in r for r in rows) == red and sum(",48小时内到期," in r for r in rows) == soon
    assert all(",思明派出所," in r for r in rows)
    due = [r.split(",")[6] for r in rows if ",逾期未完成," in r]
    assert due == sorted(due), "oldest first"
    for _, name, phone in sample.persons:
        assert name not in csv and phone not in csv
    assert not [o for o in sample.object_ids if o in csv]


def test_map_only_with_district_boundaries(built, tmp_path):
    _, path = built
    assert 'id="fig-map"' in path.read_text(encoding="utf-8")
    warehouse = tmp_path / "warehouse"
    sample = build_sample_analytics(warehouse)
    for geo in sample.landing.rglob("districts.geojson"):
        geo.unlink()
    html = build_report(_settings(warehouse), sample.as_of).read_text(encoding="utf-8")
    assert 'id="fig-map"' not in html and "districts.geojson" in html and 'id="fig-district-ranking"' in html


def test_freshness_banner_from_run_status_and_supervised_counts(tmp_path):
    import json

    warehouse = tmp_path / "warehouse"
    sample = build_sample_analytics(warehouse)
    status = {"dates": [
        {"run_date": "2026-10-06", "state": "failed", "failed_gate": "population", "message": "persons.csv missing",
         "snapshots": {}, "tasks_issued": 0, "packages_delivered": 0},
        {"run_date": "2026-10-05", "state": "succeeded", "failed_gate": None, "message": None,
         "snapshots": {"org": "2026-08-24", "population": "2026-10-05"}, "tasks_issued": 23,
         "packages_delivered": 8}]}
    (warehouse / "run_status.json").write_text(json.dumps(status), encoding="utf-8")
    con = duckdb.connect(str(sample.analytics))
    con.execute("create or replace table marts.escalations as select task_id, station_id, standard_part_id, officer_id, "
                "cast(due_at as date) + 3 as escalated_on, 'OFF012' as leader_officer_id, completed_at "
                "from marts.fct_tasks where station_id = 'S01' and due_at < timestamptz '2026-09-20 00:00:00+08' "
                "and (completed_at is null or standard_part_id = 'FRAUD-DISSUADE')")
    supervised, still_open = con.execute("select count(*), count(*) filter (where completed_at is null) "
                                         "from marts.escalations").fetchone()
    con.close()
    assert supervised > still_open > 0
    html = build_report(_settings(warehouse), sample.as_of).read_text(encoding="utf-8")
    assert "2026年10月6日的夜间处理失败（质量关卡：population）" in html
    assert "org 数据使用的是2026年8月24日的快照" in html and "population 数据使用" not in html
    assert "当日夜间处理：成功" in html
    table = html.split('id="supervised-table"', 1)[1].split("</table>", 1)[0]
    assert f'<td>思明派出所</td><td class="num">{supervised}</td><td class="num">{still_open}</td>' in table
    station = (warehouse / "reports" / sample.as_of.isoformat() / "station-S03.html").read_text(encoding="utf-8")
    assert "暂无督办任务" in station and 'class="stamp"' in station


SHOTS = Path(__file__).resolve().parents[1] / "build" / "report-screenshots"


@pytest.mark.parametrize("level", ["city", "district", "station"])
def test_every_level_draws_in_chromium(built, browser, level):
    """Each level renders with every chart drawn, CJK text (not boxes) and gauge labels apart; the
    screenshots are kept under build/report-screenshots/ for a person to look at."""
    sample, _ = built
    path = next(p for k, p in sorted(_pages(built).items()) if k[0] == level)
    page = browser.open(path)
    assert page.exceptions == [] and page.console_errors == []
    assert page.declared == page.expected == page.drawn > 6, page.drawn_ids
    assert [u for u in page.requests if not u.startswith(("file://", "data:"))] == []
    assert "标准件工作质效报告" in page.text and "待办清单" in page.text
    # A CJK font is installed (fonts-noto-cjk), so Chinese is drawn in it, not as boxes.
    import subprocess

    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert "Noto Sans CJK SC" in families, "install fonts-noto-cjk (scripts/system-deps.sh)"
    # The two gauges' tick labels never overlap one another.
    overlaps = browser.evaluate("""(() => {
        const boxes = [...document.querySelectorAll('#fig-kpi-gauges text')].filter(t => t.textContent.trim())
            .map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
        let n = 0;
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) n++;
        }
        return n; })()""")
    assert overlaps == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = browser.screenshot(SHOTS / f"{level}.png", scale=0.5)
    pixels = decode_png(png)
    assert pixels.shape[0] > 1000 and distinct_colours(pixels) > 200
    _ = sample


def test_no_personal_data_on_any_page(built):
    sample, path = built
    from standard_parts.pii_scan import known_persons, scan_text

    ids, phones, names = known_persons(sample.analytics.parent / "operational.duckdb")
    for page in path.parent.glob("*.html"):
        text = _without_plotly_js(page.read_text(encoding="utf-8"))
        assert scan_text(text, page.name, names, ids, phones) == [], page.name
        assert ID_NUMBER.findall(text) == [] and PHONE.findall(text) == []
        assert [o for o in sample.object_ids if o in text] == [], page.name


def test_old_report_folders_and_gone_pages_are_pruned(tmp_path):
    """Each page carries plotly.js (~5 MB): only the newest report_keep_dates folders stay, and a
    re-rendered date keeps no page of a station that is gone."""
    warehouse = tmp_path / "warehouse"
    sample = build_sample_analytics(warehouse)
    reports = warehouse / "reports"
    for day in ("2026-09-01", "2026-09-02", "2026-09-03"):
        (reports / day).mkdir(parents=True)
        (reports / day / "leadership.html").write_text("<html></html>", encoding="utf-8")
    gone = reports / sample.as_of.isoformat() / "station-GONE.html"
    gone.parent.mkdir(parents=True, exist_ok=True)
    gone.write_text("<html></html>", encoding="utf-8")
    settings = _settings(warehouse).model_copy(update={"report_keep_dates": 2})
    build_report(settings, sample.as_of)
    kept = sorted(p.name for p in reports.iterdir() if p.is_dir())
    assert kept == ["2026-09-03", sample.as_of.isoformat()]
    assert not gone.exists() and (reports / sample.as_of.isoformat() / "leadership.html").exists()
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "2026-09-01/leadership.html" not in index and "2026-09-03/leadership.html" in index


def test_hours_overdue_count_from_the_end_of_the_local_as_of_date(built):
    """An open task due at 23:00 local on the as_of date is 1.0 h overdue at the end of that date, not
    9.0 (the end of the date read as UTC midnight)."""
    from datetime import datetime, timedelta

    from standard_parts.report.data import load_report_data

    sample, _ = built
    data = load_report_data(sample.analytics, sample.as_of)
    overdue = data.open_tasks[data.open_tasks["is_due"]]
    assert len(overdue) > 0
    day_end = datetime.combine(sample.as_of + timedelta(days=1), datetime.min.time())
    for due_at, hours in zip(overdue["due_at"], overdue["hours_overdue"], strict=True):
        expected = (day_end - datetime.strptime(due_at, "%Y-%m-%d %H:%M")).total_seconds() / 3600
        assert abs(hours - expected) < 0.06, (due_at, hours, expected)  # due_at is shown to the minute


def test_a_failing_page_process_fails_the_report_and_leaves_no_child():
    """A share that raises in a forked page process comes back as the report's error (with the
    child's traceback), and every child is reaped."""
    import psutil
    from standard_parts import report

    before = {p.pid for p in psutil.Process().children()}

    def draw(share):
        if share == ["bad"]:
            raise ValueError("no such station")
        return {s: s.upper() for s in share}

    assert report._fork_map(draw, [["a"], ["b", "c"]]) == [{"a": "A"}, {"b": "B", "c": "C"}]
    with pytest.raises(RuntimeError, match="ValueError: no such station"):
        report._fork_map(draw, [["a"], ["bad"]])
    assert {p.pid for p in psutil.Process().children()} == before  # every page process reaped
