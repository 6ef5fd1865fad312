"""Leadership report: KPIs equal the marts, every chart draws in a real browser, no personal data."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest
from browser import Browser, decode_png, distinct_colours
from report_sample import build_sample_analytics
from standard_parts.config import Settings
from standard_parts.report import build_report, figures, render_report
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
    with Browser(width=1400, height=3000) as b:
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
    assert page.declared == page.expected == page.drawn == 11, page.drawn_ids
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
    assert (reports / "latest.html").read_bytes() == path.read_bytes()
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
    latest = (warehouse / "reports" / "latest.html").read_bytes()
    assert latest == newest.read_bytes() != older.read_bytes()
    index = (warehouse / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="../dbt_docs/index.html"' in index and 'href="2026-10-01/leadership.html"' in index
    assert "2026年10月1日" in older.read_text(encoding="utf-8")
    assert not (warehouse / "operational.duckdb").exists()


def test_same_data_same_bytes(built):
    sample, path = built
    assert render_report(sample.analytics, sample.as_of) == path.read_text(encoding="utf-8")


def test_missing_optional_marts_leave_their_chart_out_with_a_note(tmp_path):
    warehouse = tmp_path / "warehouse"
    sample = build_sample_analytics(warehouse, with_dim_stations=False, with_handoffs=False)
    data = load_report_data(sample.analytics, sample.as_of)
    assert data.handoffs is None and not data.station_names
    assert set(data.stations["station"]) == {"S01", "S02", "S03", "S04"}
    html = build_report(_settings(warehouse), sample.as_of).read_text(encoding="utf-8")
    assert 'data-figures="10"' in html and 'id="fig-handoffs"' not in html
    assert "marts.handoffs_monthly" in html and "marts.dim_stations" in html


def test_missing_analytics_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="analytics"):
        build_report(_settings(tmp_path / "nowhere"), date(2026, 10, 1))


# --- figure functions (pure: DataFrame in, Figure out) ----------------------------------------------

def _texts(fig: go.Figure) -> str:
    return " ".join(a.text for a in fig.layout.annotations or ()) + " " + str(fig.layout.title.text)


EMPTY_CASES = [
    lambda f: figures.completion_trend(f),
    lambda f: figures.work_code_trend(f),
    lambda f: figures.station_ranking(f),
    lambda f: figures.station_category_heatmap(f),
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
    data = load_report_data(sample.analytics, sample.as_of)
    made = {
        "trend": figures.completion_trend(data.trend),
        "codes": figures.work_code_trend(data.code_trend),
        "stations": figures.station_ranking(data.stations),
        "heatmap": figures.station_category_heatmap(data.station_category),
        "parts": figures.parts_completion(data.parts),
        "categories": figures.category_breakdown(data.categories),
        "officers": figures.officer_codes(data.officer_codes, data.officer_month),
        "red": figures.red_heatmap(data.red_matrix),
        "handoffs": figures.handoff_sankey(data.handoffs),
        "merge": figures.merge_savings(data.merge),
        "gauges": figures.kpi_gauges(data.kpi.completion_rate, data.kpi.on_time_rate),
    }
    for name, fig in made.items():
        assert len(fig.data) > 0, name
        assert "暂无" not in _texts(fig), name
    # Chinese labels from the catalogue, not ids.
    assert "房屋超10人居住核查" in set(made["parts"].data[0].y) | {y for t in made["parts"].data for y in t.y}
    assert "思明派出所" in made["stations"].data[0].y
    assert "2026年10月" in made["officers"].layout.title.text
    trend = made["trend"].data[0]
    assert trend.y[-1] == pytest.approx(data.kpi.completion_rate, abs=1e-4)
    # The figure does not modify its input.
    before = data.stations.copy()
    figures.station_ranking(data.stations)
    pd.testing.assert_frame_equal(before, data.stations)


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
