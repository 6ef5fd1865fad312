"""Business time (business_time.py): the local zone is Settings.timezone, and it really decides.

Unit tests of the module and of its SQL twins (the DuckDB macros), a DST zone included; a tiny
city run twice, in the default zone and in UTC, whose issued_at, packages, quarantine and marts
differ exactly as local time says; and the repository rule that no other code names the zone.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from builders import Landing, id_number
from opsdata import completion, query, write_completions
from standard_parts import business_time as bt

REPO = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = "Europe/Berlin"


# ------------------------------------------------------------------------------------------ module

def test_default_zone_is_the_specs_local_time():
    from standard_parts.config import Settings

    assert bt.DEFAULT_TIMEZONE == "Asia/Shanghai" == Settings().timezone
    assert Settings().tz == SHANGHAI == bt.zone()
    assert bt.zone("UTC") == ZoneInfo("UTC") and bt.zone(SHANGHAI) is SHANGHAI


def test_an_unknown_zone_is_refused_at_settings_time():
    from pydantic import ValidationError
    from standard_parts.config import Settings

    with pytest.raises(ValueError, match="unknown time zone"):
        bt.zone("Mars/Olympus_Mons")
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(timezone="Mars/Olympus_Mons")
    assert Settings(timezone=BERLIN).tz == ZoneInfo(BERLIN)


def test_the_zone_comes_from_the_environment(monkeypatch):
    from standard_parts.config import Settings

    monkeypatch.setenv(bt.ENV_VAR, "Asia/Tokyo")
    assert Settings().timezone == "Asia/Tokyo" == bt.zone_name_from_environment()
    monkeypatch.delenv(bt.ENV_VAR)
    assert bt.zone_name_from_environment() == bt.DEFAULT_TIMEZONE


def test_as_of_and_issued_at_in_the_default_zone():
    d = date(2026, 10, 1)
    assert bt.as_of_at(d) == datetime(2026, 10, 1, 15, 59, 59, tzinfo=UTC)
    assert bt.issued_at(d) == datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
    assert bt.due_at(d, 168) == datetime(2026, 10, 8, 8, 0, tzinfo=SHANGHAI)
    assert bt.local_iso(bt.issued_at(d)) == "2026-10-01T08:00:00+08:00"
    assert bt.local_iso(bt.as_of_at(d)) == "2026-10-01T23:59:59+08:00"


def test_the_same_rules_in_another_zone():
    d = date(2026, 10, 1)
    assert bt.as_of_at(d, "UTC") == datetime(2026, 10, 1, 23, 59, 59, tzinfo=UTC)
    assert bt.issued_at(d, "UTC") - bt.issued_at(d) == timedelta(hours=8)
    assert bt.local_iso(bt.issued_at(d, "UTC"), "UTC") == "2026-10-01T08:00:00+00:00"
    assert bt.local_iso(bt.issued_at(d, "America/St_Johns"), "America/St_Johns") == "2026-10-01T08:00:00-02:30"


def test_local_dates_follow_the_zone():
    instant = datetime(2026, 10, 1, 16, 30, tzinfo=UTC)  # 00:30 the next day in +08:00
    assert bt.local_date(instant) == date(2026, 10, 2)
    assert bt.local_date(instant, "UTC") == date(2026, 10, 1)
    assert bt.local_minute(instant) == "2026-10-02 00:30" and bt.local_minute(None) == "—"
    assert bt.local_iso(instant) == "2026-10-02T00:30:00+08:00"
    with pytest.raises(ValueError, match="no zone"):
        bt.local_date(datetime(2026, 10, 1, 12, 0))


def test_a_dst_zone_in_python():
    # Europe/Berlin: CEST (+02:00) until 2026-10-25 03:00, then CET (+01:00); back to CEST on 2026-03-29.
    assert bt.local_iso(bt.issued_at(date(2026, 10, 24), BERLIN), BERLIN) == "2026-10-24T08:00:00+02:00"
    assert bt.local_iso(bt.issued_at(date(2026, 10, 26), BERLIN), BERLIN) == "2026-10-26T08:00:00+01:00"
    assert bt.as_of_at(date(2026, 10, 25), BERLIN) == datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC)
    assert bt.as_of_at(date(2026, 3, 29), BERLIN) == datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC)
    # due_at counts real hours: 24 h after 08:00 CEST is 07:00 CET on the day of the change.
    due = bt.due_at(date(2026, 10, 24), 24, BERLIN)
    assert bt.local_iso(due, BERLIN) == "2026-10-25T07:00:00+01:00"
    # (Python subtracts datetimes of one tzinfo as wall times: compare instants in UTC.)
    assert due.astimezone(UTC) - bt.issued_at(date(2026, 10, 24), BERLIN).astimezone(UTC) == timedelta(hours=24)
    # The day of the change has 25 hours: as_of to as_of.
    assert (bt.as_of_at(date(2026, 10, 25), BERLIN).astimezone(UTC)
            - bt.as_of_at(date(2026, 10, 24), BERLIN).astimezone(UTC)) == timedelta(hours=25)
    # Local dates around local midnight, in summer and in winter.
    assert bt.local_date(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), BERLIN) == date(2026, 7, 2)
    assert bt.local_date(datetime(2026, 12, 1, 22, 30, tzinfo=UTC), BERLIN) == date(2026, 12, 1)


ZONES = ["Asia/Shanghai", "UTC", BERLIN, "America/New_York", "Asia/Kolkata", "America/St_Johns"]
DATES = [date(2026, 1, 15), date(2026, 3, 8), date(2026, 3, 29), date(2026, 7, 1), date(2026, 10, 25),
         date(2026, 11, 1)]


@pytest.mark.parametrize("zone", ZONES)
def test_the_sql_macros_agree_with_python(zone):
    con = duckdb.connect()
    bt.configure(con, zone)
    assert bt.connection_zone(con) == ZoneInfo(zone)
    for d in DATES:
        as_of, issued, as_of_iso, issued_iso, due_iso, as_of_date, none_iso = con.execute(
            "select as_of_at($d), issued_at_of($d), local_iso(as_of_at($d)), local_iso(issued_at_of($d)), "
            "local_iso(issued_at_of($d) + to_hours(24)), local_date(as_of_at($d)), local_iso(null::timestamptz)",
            {"d": d}).fetchone()
        assert as_of == bt.as_of_at(d, zone) and issued == bt.issued_at(d, zone), (zone, d)
        assert as_of_iso == bt.local_iso(bt.as_of_at(d, zone), zone)
        assert issued_iso == bt.local_iso(bt.issued_at(d, zone), zone)
        assert due_iso == bt.local_iso(bt.due_at(d, 24, zone), zone)
        assert as_of_date == d and none_iso is None
    for hour in range(0, 24 * 400, 7):  # instants across a year and both DST changes
        instant = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour, minutes=hour % 60)
        local_date, local_ts, iso = con.execute("select local_date($t), local_ts($t), local_iso($t)",
                                                {"t": instant}).fetchone()
        assert local_date == bt.local_date(instant, zone), (zone, instant)
        assert local_ts == bt.local_time(instant, zone).replace(tzinfo=None)
        assert iso == bt.local_iso(instant, zone)
    con.close()


def test_macros_on_a_read_only_connection(tmp_path):
    path = tmp_path / "x.duckdb"
    duckdb.connect(str(path)).close()
    con = duckdb.connect(str(path), read_only=True)
    bt.configure(con, "UTC")
    assert con.execute("select local_iso(issued_at_of(date '2026-10-01'))").fetchone()[0] == "2026-10-01T08:00:00+00:00"
    con.close()


def test_the_dag_run_date_is_the_local_day_before():
    from standard_parts import orchestration

    fired = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)  # 02:00 on 2 October in +08:00
    assert orchestration.TIMEZONE == bt.zone_name_from_environment()
    if orchestration.TIMEZONE == bt.DEFAULT_TIMEZONE:
        assert orchestration.resolve_run_date(fired, None) == date(2026, 10, 1)
    assert bt.local_date(fired, "UTC") - timedelta(days=1) == date(2026, 9, 30)


# ----------------------------------------------------------------------------- a city in two zones

D0 = date(2026, 10, 10)
D1 = date(2026, 10, 11)
PERSON = id_number(10)  # an active resident of H1 in Landing.small_city


def _night_in(root: Path, zone: str) -> dict:
    """Two nights of a tiny city in ``zone``; what local time decides, as seen in the outputs."""
    from standard_parts.config import Settings
    from standard_parts.pipeline import run_date_stages

    settings = Settings(landing=root / "landing", warehouse=root / "warehouse", publish=f"folder:{root / 'out'}",
                        timezone=zone)
    land = Landing.small_city(settings.landing)
    # 01:00 on D0 in +08:00, still D0 - 1 in UTC: a FRAUD-DISSUADE alert of the run date only in +08:00.
    land.rows["alerts"] = [dict(alert_id="A1", raised_at="2026-10-09T17:00:00+00:00", id_number=PERSON,
                                phone="13800000000", alert_type="fraud_call", risk_level=3, amount_at_risk_cny=None)]
    land.write(D0)
    write_completions(settings.landing, D0, [])
    run_date_stages(settings, D0, build_marts=False)

    (task_id, officer), = query(settings.ops_path, "select task_id, officer_id from ops.tasks where run_date = ? "
                                                   "and standard_part_id = 'VENUE-INSPECT' and object_id = 'V2'", [D0])
    land.rows["alerts"] = []
    land.write(D1)
    write_completions(settings.landing, D1, [
        # 04:00 on D1 in +08:00, 20:00 on D0 in UTC: completed on D1 in +08:00, on D0 in UTC
        completion("early", task_id, "2026-10-10T20:00:00+00:00", officer=officer, part="VENUE-INSPECT"),
        # 02:00 on D1 + 1 in +08:00: after the end of the file's date there, not in UTC (a re-submission)
        completion("late", task_id, "2026-10-11T18:00:00+00:00", officer=officer, part="VENUE-INSPECT"),
    ])
    run_date_stages(settings, D1, build_marts=True)

    package = json.loads((root / "out" / D0.isoformat() / f"{officer}.json").read_text(encoding="utf-8"))
    mine = next(t for t in package["business_list"] if t["task_id"] == task_id)
    analytics = settings.analytics_path
    return {
        "issued_at": {r[0] for r in query(settings.ops_path, "select distinct issued_at from ops.tasks "
                                                             "where run_date = ?", [D0])},
        "fraud_tasks": query(settings.ops_path, "select count(*) from ops.tasks where standard_part_id = "
                                                "'FRAUD-DISSUADE'")[0][0],
        "package_issued_at": mine["issued_at"],
        "package_due_at": mine["due_at"],
        "quarantined": sorted(r[0] for r in query(settings.ops_path, "select reason from ingest.quarantine "
                                                                     "where entity = 'completions'")),
        "completed_on_d0": query(analytics, "select sum(tasks_completed) from marts.completion_rate_daily "
                                            "where as_of_date = ?", [D0])[0][0],
    }


@pytest.fixture(scope="module")
def two_zones(tmp_path_factory) -> dict[str, dict]:
    with pytest.MonkeyPatch.context() as mp:
        for name in ("LANDING", "WAREHOUSE", "PUBLISH", "PRODUCTION", "PSEUDONYM_KEY", "TIMEZONE"):
            mp.delenv(f"STANDARD_PARTS_{name}", raising=False)
        return {zone: _night_in(tmp_path_factory.mktemp(zone.replace("/", "_")), zone)
                for zone in ("Asia/Shanghai", "UTC")}


def test_issued_at_is_eight_oclock_local(two_zones):
    assert two_zones["Asia/Shanghai"]["issued_at"] == {datetime(2026, 10, 10, 0, 0, tzinfo=UTC)}
    assert two_zones["UTC"]["issued_at"] == {datetime(2026, 10, 10, 8, 0, tzinfo=UTC)}


def test_packages_carry_the_zones_offset(two_zones):
    assert two_zones["Asia/Shanghai"]["package_issued_at"] == "2026-10-10T08:00:00+08:00"
    assert two_zones["Asia/Shanghai"]["package_due_at"] == "2026-10-17T08:00:00+08:00"
    assert two_zones["UTC"]["package_issued_at"] == "2026-10-10T08:00:00+00:00"
    assert two_zones["UTC"]["package_due_at"] == "2026-10-17T08:00:00+00:00"


def test_an_alert_falls_on_its_local_date(two_zones):
    assert two_zones["Asia/Shanghai"]["fraud_tasks"] == 1
    assert two_zones["UTC"]["fraud_tasks"] == 0


def test_the_end_of_a_files_date_is_local(two_zones):
    assert two_zones["Asia/Shanghai"]["quarantined"] == ["completed_after_file_date"]
    assert two_zones["UTC"]["quarantined"] == []


def test_the_marts_judge_at_the_local_as_of(two_zones):
    # "early" counts from the local date of its completed_at: D1 in +08:00, D0 in UTC (dbt's local_time macros).
    assert two_zones["Asia/Shanghai"]["completed_on_d0"] == 0
    assert two_zones["UTC"]["completed_on_d0"] == 1


# ------------------------------------------------------------------------------ repository hygiene

ZONE_LITERALS = re.compile(r"Asia/Shanghai|(?<!U)\+08(?::?00)?\b|hours=8\b|interval 8 hour|15:59:59")
ALLOWED = {  # the default zone, named once for Python (business_time.py) and once for dbt by-hand runs
    "include/standard_parts/business_time.py",
    "dbt/profiles.yml",
}


def test_only_the_business_time_module_names_the_zone():
    """Code, SQL, comments and YAML under include/, dags/ and dbt/ say "local time" (Settings.timezone);
    the demo generator (it writes a +08:00 city's landing files) keeps its own literals."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "include", "dags", "dbt"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in listed:
        path = REPO / name
        if name.startswith("include/standard_parts/demo/") or name in ALLOWED or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{name}:{i}: {line.strip()}" for i, line in enumerate(text.splitlines(), 1)
                      if ZONE_LITERALS.search(line)]
    assert not offenders, "business time named outside business_time.py:\n" + "\n".join(offenders)
    assert time(8, 0) == bt.ISSUE_TIME and time(23, 59, 59) == bt.END_OF_DAY
