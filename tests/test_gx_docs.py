"""GX Data Docs of the gates: a page per gate and run date, masked, bounded, offline, linked from the reports."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from standard_parts.errors import GateFailure
from standard_parts.gates import enforce, load_suite, record, validate_frame
from standard_parts.idnumber import check_character
from standard_parts.pii_scan import scan_files
from standard_parts.store import connect_ops

RUN = date(2026, 10, 1)
PLANTED_ID = "11010119900307123" + check_character("11010119900307123")
PLANTED_PHONE = "138001380001"  # 12 digits: fails the persons suite's length check
LINK = re.compile(r'(?:href|src)="([^"#]+)"')


def _persons(id_numbers: list[str], phones: list[str]) -> pd.DataFrame:
    n = len(id_numbers)
    frame = pd.DataFrame({"id_number": id_numbers, "phone": phones, "status": ["active"] * n,
                          "house_id": [f"H{i}" for i in range(n)]})
    # what the persons gate frame (ingest/sql/gate_frames.sql) adds: rows sharing the id number
    frame["id_number_copies"] = frame.groupby("id_number")["id_number"].transform("size")
    return frame


def _manifest(site: Path) -> list[dict]:
    return json.loads((site / "manifest.json").read_text(encoding="utf-8"))["validations"]


def _site_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file()]


def _broken_links(site: Path) -> list[str]:
    """Links inside the site that lead nowhere (the way back to the reports index is checked apart)."""
    broken = []
    for page in site.rglob("*.html"):
        for href in LINK.findall(page.read_text(encoding="utf-8")):
            if href != "../reports/index.html" and not (page.parent / unquote(href)).resolve().exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
    return broken


@pytest.fixture
def failed_site(settings):
    """One passing gate and one failing persons gate (a planted id number and phone) for RUN."""
    con = connect_ops(settings)
    try:
        good = validate_frame(load_suite(settings, "ingest.stations"),
                              pd.DataFrame({"station_id": ["S1", "S2"], "district": ["东区", "西区"]}))
        enforce(con, RUN, good, "stations")
        bad = _persons([PLANTED_ID, PLANTED_ID, "110101199001011237"], ["13800138000", PLANTED_PHONE, "13900139000"])
        with pytest.raises(GateFailure) as failure:
            enforce(con, RUN, validate_frame(load_suite(settings, "ingest.persons"), bad), "persons")
    finally:
        con.close()
    return settings.warehouse / "gx_docs", str(failure.value)


def test_every_gate_of_the_run_has_a_page_and_the_failure_shows(failed_site):
    site, _ = failed_site
    entries = {e["gate"]: e for e in _manifest(site)}
    assert set(entries) == {"ingest.stations", "ingest.persons"}
    assert entries["ingest.stations"]["success"] and not entries["ingest.persons"]["success"]
    assert entries["ingest.persons"]["failed"] == 2  # id numbers unique, phone length
    page = (site / entries["ingest.persons"]["page"]).read_text(encoding="utf-8")
    assert "Status:" in page and "Failed" in page and "2026-10-01" in page
    assert "id_number_copies" in page  # the uniqueness check (every id number on one row only)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{entries["ingest.persons"]["page"]}"' in index and "未通过" in index
    assert _broken_links(site) == []


def test_masked_values_of_personal_data_columns_never_reach_the_site(failed_site):
    site, message = failed_site
    for value in (PLANTED_ID, PLANTED_PHONE):
        assert value not in message
        leaked = [str(p) for p in _site_files(site) if value in p.read_text(encoding="utf-8", errors="replace")]
        assert leaked == [], f"{value[:3]}… in {leaked}"
    page = (site / next(e["page"] for e in _manifest(site) if e["gate"] == "ingest.persons")).read_text("utf-8")
    # the failing phone length check lists its example shown masked, like the gate's message
    assert PLANTED_PHONE[:3] + "*" * 7 + PLANTED_PHONE[-2:] in page
    assert scan_files(site.rglob("*.html"), (), {PLANTED_ID}, {PLANTED_PHONE}) == []


def test_the_site_opens_offline(failed_site, tmp_path):
    site, _ = failed_site
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), f"{page.name} loads from the network"
        assert "$(" not in html, f"{page.name} needs jQuery"
    from browser import Browser

    failing = site / next(e["page"] for e in _manifest(site) if not e["success"])
    with Browser(width=1200, height=1600) as browser:
        for path in (site / "index.html", failing):
            result = browser.open(path, budget_ms=200)
            assert result.exceptions == [] and result.console_errors == [], path.name
            assert [u for u in result.requests if not u.startswith(("file://", "data:"))] == [], path.name
        assert "Failed" in browser.open(failing, budget_ms=200).text
        shown = browser.call("Runtime.evaluate", {
            "expression": "spFilter(false); document.querySelectorAll('.text-success').length -"
                          " [...document.querySelectorAll('.text-success')].filter(e => !e.offsetParent).length",
            "returnByValue": True})["result"]["value"]
        assert shown == 0, "'Failed Only' hides the expectations that passed"


def test_the_site_stays_bounded_and_a_rerun_replaces_its_page(settings):
    suite = load_suite(settings, "ingest.stations")
    frame = pd.DataFrame({"station_id": ["S1"], "district": ["东区"]})
    outcome = validate_frame(suite, frame)
    files = validate_frame(load_suite(settings, "ingest.files"),
                           pd.DataFrame({"file": ["a.csv"], "rows_read": [3], "rows_accounted": [3],
                                         "quarantine_share": [0.0]}),
                           {"max_quarantine_share": 0.05})
    files.gate = "ingest.files.org"
    keep = 14
    con = connect_ops(settings)
    try:
        days = [RUN + timedelta(days=i) for i in range(keep + 6)]
        for day in days:
            for o in (outcome, files):
                record(con, day, o)
        site = settings.warehouse / "gx_docs"
        pages = list(site.glob("validations/**/*.html"))
        assert len(pages) == 2 * keep
        kept = {e["run_date"] for e in _manifest(site)}
        assert kept == {d.isoformat() for d in days[-keep:]}
        assert {p.parts[-3] for p in pages} == kept  # validations/<suite…>/<run date>/<run time>/<gate>.html
        before = {p.relative_to(site) for p in pages}

        (site / "validations" / "ingest" / "stations" / "1999-01-01").mkdir(parents=True)
        (site / "validations" / "ingest" / "stations" / "1999-01-01" / "left-by-a-crash.html").write_text("x")
        record(con, days[-1], outcome)  # a re-run of the newest date: its page is replaced, nothing added
        after = {p.relative_to(site) for p in site.glob("validations/**/*.html")}
        assert len(after) == 2 * keep and len(after - before) == 1 and len(before - after) == 1
        assert not (site / "validations" / "ingest" / "stations" / "1999-01-01").exists()

        record(con, days[0], outcome)  # a backfill of an expired date comes back, the oldest other goes
        kept = {e["run_date"] for e in _manifest(site)}
        assert days[0].isoformat() in kept and days[-keep].isoformat() not in kept and len(kept) == keep
    finally:
        con.close()
    assert [p for p in site.rglob(".*")] == [], "no temporary files left behind"
    assert len(_site_files(site)) <= 2 * keep + 4  # pages + 2 suite pages + index + manifest
    assert _broken_links(site) == []


def test_report_index_links_the_gx_data_docs(failed_site, tmp_path):
    from report_sample import build_sample_analytics
    from standard_parts.config import Settings
    from standard_parts.report import build_report

    site, _ = failed_site
    warehouse = site.parent
    sample = build_sample_analytics(tmp_path / "sample")
    (warehouse / "analytics.duckdb").write_bytes(sample.analytics.read_bytes())
    build_report(Settings(warehouse=warehouse, landing=tmp_path / "landing"), sample.as_of)
    reports = warehouse / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="../gx_docs/index.html"' in index
    assert (reports / "../gx_docs/index.html").resolve() == (site / "index.html").resolve()
    back = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="../reports/index.html"' in back and (site / "../reports/index.html").resolve().exists()


def test_an_in_memory_store_records_without_docs(settings):
    from importlib.resources import files

    import duckdb

    con = duckdb.connect()
    con.execute((files("standard_parts") / "sql" / "ops_schema.sql").read_text(encoding="utf-8"))
    outcome = validate_frame(load_suite(settings, "ingest.stations"),
                             pd.DataFrame({"station_id": ["S1"], "district": ["东区"]}))
    record(con, RUN, outcome)
    assert con.execute("select count(*) from ingest.gate_results").fetchone()[0] == 1
    assert not (settings.warehouse / "gx_docs").exists()
