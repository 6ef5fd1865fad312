"""The demo city generator: landing layout, determinism, realistic good rows, planted bad rows."""

from __future__ import annotations

import collections
import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from standard_parts.demo import generate_city
from standard_parts.demo.badrows import KINDS
from standard_parts.demo.parts import load_parts
from standard_parts.demo.xiamen import PHONE_PREFIXES
from standard_parts.idnumber import is_valid_id_number

START = date(2026, 10, 1)

# SPEC section 3, copied here on purpose: the generator must match the contract, not itself.
CONTRACT = {
    ("org", "stations.csv"): ("snapshot", ["station_id", "station_name", "district", "branch_bureau"]),
    ("org", "communities.csv"): ("snapshot", ["community_id", "community_name", "station_id"]),
    ("org", "officers.csv"): ("snapshot", ["officer_id", "officer_name", "station_id", "community_id", "role",
                                           "active"]),
    ("population", "houses.csv"): ("snapshot", ["house_id", "address", "community_id", "house_use",
                                                "floor_area_m2", "owner_id_number", "verified_on"]),
    ("population", "persons.csv"): ("snapshot", ["id_number", "name", "gender", "birth_date", "phone",
                                                 "hukou_type", "house_id", "moved_in_on", "status"]),
    ("venues", "venues.csv"): ("snapshot", ["venue_id", "venue_name", "venue_type", "community_id", "license_no",
                                            "license_expiry", "last_inspected_on", "open_violations"]),
    ("antifraud", "alerts.jsonl"): ("incremental", ["alert_id", "raised_at", "id_number", "phone", "alert_type",
                                                    "risk_level", "amount_at_risk_cny"]),
    ("instructions", "instructions.csv"): ("incremental", ["instruction_id", "department", "standard_part_id",
                                                           "object_type", "object_id", "reason", "issued_at"]),
}
PHONE = re.compile(r"1[0-9]{10}")


def day(d: int) -> str:
    return (START + timedelta(days=d)).isoformat()


def is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        text = raw.decode("utf-8-sig")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_jsonl(path: Path) -> tuple[list[dict], list[str]]:
    good, broken = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            good.append(json.loads(line))
        except ValueError:
            broken.append(line)
    return good, broken


def planted(stats: dict, file: str, *kinds: str) -> int:
    found = stats["bad_rows"].get(file, {})
    return sum(found.get(k, 0) for k in kinds)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A 12k-resident city over 3 days with the default settings."""
    landing = tmp_path_factory.mktemp("city") / "landing"
    return landing, generate_city(landing, 12_000, START, 3, progress=False)


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory):
    """A 10k-resident city over 2 days without the per-file cap: every bad-row kind every day."""
    landing = tmp_path_factory.mktemp("every_kind") / "landing"
    return landing, generate_city(landing, 10_000, START, 2, progress=False, max_file_bad_share=None)


@pytest.fixture(scope="module")
def busy_day(tmp_path_factory):
    """A 200k-resident city for one day: enough alerts to measure shares."""
    landing = tmp_path_factory.mktemp("busy") / "landing"
    return landing, generate_city(landing, 200_000, START, 1, progress=False)


def test_layout_and_required_columns_in_order(city):
    landing, stats = city
    for (feed, name), (_, required) in CONTRACT.items():
        for d in range(3):
            path = landing / feed / day(d) / name
            assert path.is_file(), path
            if name.endswith(".jsonl"):
                rows, _ = read_jsonl(path)
                assert rows, path
                assert all(list(r)[: len(required)] == required for r in rows), path
            else:
                rows = read_csv(path)
                assert list(rows[0])[: len(required)] == required, path
    assert not (landing / "completions").exists()
    assert sorted(p.name for p in landing.iterdir()) == ["antifraud", "instructions", "org", "population", "venues"]
    # Row counts in the stats are the records in the files (RFC 4180: records may span lines).
    assert stats["rows"]["population/persons.csv"] == sum(
        len(read_csv(landing / "population" / day(d) / "persons.csv")) for d in range(3))
    assert stats["rows"]["population/houses.csv"] == sum(
        len(read_csv(landing / "population" / day(d) / "houses.csv")) for d in range(3))


def test_snapshots_follow_snapshot_every_days(tmp_path):
    generate_city(tmp_path, 3_000, START, 3, seed=7, progress=False)  # an earlier city, daily snapshots
    stats = generate_city(tmp_path, 3_000, START, 3, seed=7, snapshot_every_days=2, progress=False)
    assert stats["stale_snapshots_removed"] == 6  # day 1's six snapshot files would shadow day 0's
    for (feed, name), (kind, _) in CONTRACT.items():
        written = sorted(p.parent.name for p in (tmp_path / feed).glob(f"*/{name}"))
        assert written == ([day(0), day(2)] if kind == "snapshot" else [day(0), day(1), day(2)]), (feed, name)
    assert stats["days"] == 3 and stats["rows_total"] == sum(stats["rows"].values())


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_city(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate_city(tmp_path / name, 3_000, START, 2, seed=seed, progress=False)
    generate_city(tmp_path / "short", 3_000, START, 1, seed=5, progress=False)
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert a == b
    short = _tree(tmp_path / "short")
    assert short == {k: v for k, v in a.items() if day(0) in k}  # more days never change earlier ones
    assert a.keys() == c.keys()
    assert a["population/2026-10-01/persons.csv"] != c["population/2026-10-01/persons.csv"]
    assert a["antifraud/2026-10-02/alerts.jsonl"] != c["antifraud/2026-10-02/alerts.jsonl"]


def test_good_id_numbers_are_valid_and_match_birth_date_and_sex(city):
    landing, stats = city
    invalid = inconsistent = checked = duplicated = 0
    for d in range(3):
        rows = read_csv(landing / "population" / day(d) / "persons.csv")
        counts = collections.Counter(r["id_number"] for r in rows)
        duplicated += sum(n for n in counts.values() if n > 1)
        phones = collections.Counter(r["phone"] for r in rows)
        assert max(phones.values()) <= 2  # unique, but for the planted duplicated person rows
        for row in rows:
            idn = row["id_number"]
            if not is_valid_id_number(idn):
                invalid += 1
                continue
            if is_date(row["birth_date"]) and row["gender"] in ("M", "F"):
                checked += 1
                birth_ok = idn[6:14] == row["birth_date"].replace("-", "")
                sex_ok = (int(idn[16]) % 2 == 1) == (row["gender"] == "M")
                inconsistent += not (birth_ok and sex_ok)
    assert checked > 30_000
    assert inconsistent == 0
    assert invalid == planted(stats, "population/persons.csv", "bad_check_character", "wrong_length_id") > 0
    assert duplicated == planted(stats, "population/persons.csv", "duplicate_id") > 0

    owners_bad = sum(not is_valid_id_number(r["owner_id_number"]) for d in range(3)
                     for r in read_csv(landing / "population" / day(d) / "houses.csv"))
    assert owners_bad == planted(stats, "population/houses.csv", "bad_owner_check_character",
                                 "wrong_length_owner_id", "quarantined_parent_house") > 0


def test_area_codes_are_xiamen_for_locals_and_elsewhere_for_most_floating(city):
    landing, _ = city
    rows = [r for r in read_csv(landing / "population" / day(0) / "persons.csv")
            if is_valid_id_number(r["id_number"]) and r["status"] == "active"]
    local = [r["id_number"][:4] == "3502" for r in rows if r["hukou_type"] == "local"]
    floating = [r["id_number"][:4] != "3502" for r in rows if r["hukou_type"] == "floating"]
    assert sum(local) / len(local) > 0.99
    assert sum(floating) / len(floating) > 0.99
    assert 0.35 <= len(floating) / len(rows) <= 0.45  # Xiamen's floating share


def test_phones_are_valid_mobile_numbers(city):
    landing, stats = city
    prefixes = {str(p) for p in PHONE_PREFIXES}
    bad = 0
    for d in range(3):
        for row in read_csv(landing / "population" / day(d) / "persons.csv"):
            if PHONE.fullmatch(row["phone"]):
                assert row["phone"][:3] in prefixes, row["phone"]
            else:
                bad += 1
    assert bad == planted(stats, "population/persons.csv", "bad_phone_length", "bad_phone_prefix") > 0


def test_every_bad_row_kind_is_planted_and_visible_in_the_files(every_kind):
    landing, stats = every_kind
    for file, kinds in KINDS.items():
        for kind in kinds:
            assert stats["bad_rows"][file].get(kind.name, 0) >= kind.rows, (file, kind.name)
    assert stats["bad_rows"]["population/houses.csv"]["quarantined_parent_house"] >= 1
    assert stats["bad_rows"]["population/persons.csv"]["in_quarantined_house"] >= 1

    d0 = landing / "org" / day(0)
    persons = read_csv(landing / "population" / day(0) / "persons.csv")
    houses = read_csv(landing / "population" / day(0) / "houses.csv")
    venues = read_csv(landing / "venues" / day(0) / "venues.csv")
    instructions = read_csv(landing / "instructions" / day(0) / "instructions.csv")
    alerts, broken = read_jsonl(landing / "antifraud" / day(0) / "alerts.jsonl")
    assert {"palace"} <= {h["house_use"] for h in houses}
    assert {"gone"} <= {p["status"] for p in persons}
    assert "2026-13-45" in {p["birth_date"] for p in persons} and "yesterday" in {p["moved_in_on"] for p in persons}
    assert "casino" in {v["venue_type"] for v in venues}
    assert 5 in {a["risk_level"] for a in alerts} and "yesterday" in {a["raised_at"] for a in alerts}
    assert len(broken) >= 1
    assert "building" in {i["object_type"] for i in instructions}
    assert "" in {i["reason"] for i in instructions}
    station_ids = {s["station_id"] for s in read_csv(d0 / "stations.csv")}
    assert any(c["station_id"] not in station_ids | {""} for c in read_csv(d0 / "communities.csv"))
    for rows, key in ((persons, "id_number"), (houses, "house_id"), (venues, "venue_id"),
                      (read_csv(d0 / "officers.csv"), "officer_id"), (read_csv(d0 / "stations.csv"), "station_id"),
                      (read_csv(d0 / "communities.csv"), "community_id"), (instructions, "instruction_id"),
                      (alerts, "alert_id")):
        counts = collections.Counter(r[key] for r in rows)
        assert any(n == 2 for n in counts.values()), key


def test_venues_are_gb18030_and_instructions_carry_a_bom(city):
    landing, _ = city
    raw = (landing / "venues" / day(0) / "venues.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.startswith("venue_id,venue_name,") and "\r\n" in text and "酒店" in text
    assert (landing / "instructions" / day(0) / "instructions.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for path in (landing / "population" / day(0)).iterdir():
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


def test_addresses_need_rfc4180_quoting(city):
    landing, _ = city
    raw = (landing / "population" / day(0) / "houses.csv").read_text(encoding="utf-8")
    addresses = [r["address"] for r in read_csv(landing / "population" / day(0) / "houses.csv")]
    assert any("," in a for a in addresses) and any("\n" in a for a in addresses)
    assert any('"' in a for a in addresses) or any('"' in r for r in addresses)
    assert '号, ' in raw and '"厦门市' in raw


def test_snapshots_change_from_day_to_day(city):
    landing, _ = city

    def load(d, feed, name):
        return read_csv(landing / feed / day(d) / name)

    p0 = {r["id_number"]: r for r in load(0, "population", "persons.csv")}
    p1 = {r["id_number"]: r for r in load(1, "population", "persons.csv")}
    arrived = [r for k, r in p1.items() if k not in p0 and not k.startswith("350200")]  # 350200: planted rows
    assert any(r["hukou_type"] == "floating" and r["moved_in_on"] >= day(-3) for r in arrived)
    assert any(p0[k]["status"] == "active" and r["status"] == "moved_out" for k, r in p1.items() if k in p0)
    v0 = {r["venue_id"]: r for r in load(0, "venues", "venues.csv")}
    v1 = {r["venue_id"]: r for r in load(1, "venues", "venues.csv")}
    assert any(v1[k]["last_inspected_on"] != v0[k]["last_inspected_on"] for k in v1.keys() & v0.keys()
               if not k.startswith("V8"))
    h0 = {r["house_id"]: r["verified_on"] for r in load(0, "population", "houses.csv")}
    h1 = {r["house_id"]: r["verified_on"] for r in load(1, "population", "houses.csv")}
    assert any(h1[k] != h0[k] and h1[k] >= day(-2) for k in h1.keys() & h0.keys() if not k.startswith("H8"))
    o0 = {r["officer_id"]: r["active"] for r in load(0, "org", "officers.csv")}
    o1 = {r["officer_id"]: r["active"] for r in load(1, "org", "officers.csv")}
    assert any(o1[k] != o0[k] for k in o1.keys() & o0.keys() if not k.startswith("OF8"))


def test_reference_rules_have_candidates_every_day(city):
    landing, _ = city
    limits = {"entertainment": 15, "hotel": 30, "internet_cafe": 30}
    for d in range(3):
        run = START + timedelta(days=d)
        persons = read_csv(landing / "population" / day(d) / "persons.csv")
        active = collections.Counter(p["house_id"] for p in persons if p["status"] == "active")
        assert any(n > 10 for n in active.values())
        assert any(p["status"] == "active" and p["hukou_type"] == "floating"
                   and day(d - 6) <= p["moved_in_on"] <= day(d) for p in persons)
        overdue = [v for v in read_csv(landing / "venues" / day(d) / "venues.csv")
                   if v["last_inspected_on"] == "" or (
                       is_date(v["last_inspected_on"])
                       and date.fromisoformat(v["last_inspected_on"])
                       < run - timedelta(days=limits.get(v["venue_type"], 90)))]
        assert overdue


def test_each_community_has_officers_but_a_few_have_no_active_community_officer(city):
    landing, stats = city
    officers = [o for o in read_csv(landing / "org" / day(0) / "officers.csv") if not o["officer_id"].startswith("OF8")]
    communities = [c["community_id"] for c in read_csv(landing / "org" / day(0) / "communities.csv")
                   if not c["community_id"].startswith("CM8")]
    covered = {o["community_id"] for o in officers if o["role"] == "community" and o["active"] == "true"}
    uncovered = sorted(set(communities) - covered)
    assert uncovered and uncovered == stats["communities_without_active_officer"]
    assert len(uncovered) < len(communities) / 4
    assert {o["role"] for o in officers} == {"community", "patrol", "leader"}
    assert any(o["active"] == "false" for o in officers)


def test_alert_volume_and_shape(busy_day):
    landing, stats = busy_day
    alerts, broken = read_jsonl(landing / "antifraud" / day(0) / "alerts.jsonl")
    good = [a for a in alerts if not (a["id_number"] or "").startswith("350200")]  # 350200: planted rows
    assert len(alerts) - len(good) + len(broken) == sum(stats["bad_rows"]["antifraud/alerts.jsonl"].values())
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", a["raised_at"]) for a in good)
    assert all(PHONE.fullmatch(a["phone"]) for a in good)
    expected = 2_000 * 200_000 / 5_300_000  # ~75 a day
    assert 0.7 * expected <= len(good) <= 1.3 * expected
    assert 0.15 <= sum(a["id_number"] is None for a in good) / len(good) <= 0.45
    assert {a["alert_type"] for a in good} <= {"fraud_call", "fraud_sms", "fraud_app", "suspicious_transfer",
                                              "phishing_site"}
    assert {a["risk_level"] for a in good} == {1, 2, 3}
    assert any(a["amount_at_risk_cny"] is None for a in good) and any(a["amount_at_risk_cny"] for a in good)
    assert any(a["raised_at"].startswith(day(-1)) for a in good)  # arrived a day late
    persons = read_csv(landing / "population" / day(0) / "persons.csv")
    phones = {p["phone"] for p in persons}
    ids = {p["id_number"]: p["phone"] for p in persons}
    assert sum(a["phone"] in phones for a in good) / len(good) > 0.6
    assert all(a["id_number"] in ids for a in good if a["id_number"])


def test_instructions_name_catalogue_parts_and_real_objects(city):
    landing, stats = city
    parts = {p.id: p.object_type for p in load_parts()}
    unresolved = merged = total = 0
    for d in range(3):
        objects = {
            "house": {r["house_id"] for r in read_csv(landing / "population" / day(d) / "houses.csv")},
            "person": {r["id_number"] for r in read_csv(landing / "population" / day(d) / "persons.csv")},
            "venue": {r["venue_id"] for r in read_csv(landing / "venues" / day(d) / "venues.csv")},
            "community": {r["community_id"] for r in read_csv(landing / "org" / day(d) / "communities.csv")},
        }
        persons = read_csv(landing / "population" / day(d) / "persons.csv")
        crowded = {h for h, n in collections.Counter(p["house_id"] for p in persons if p["status"] == "active").items()
                   if n > 10}
        new_floating = {p["id_number"] for p in persons if p["status"] == "active" and p["hukou_type"] == "floating"
                        and day(d - 6) <= p["moved_in_on"] <= day(d)}
        for row in read_csv(landing / "instructions" / day(d) / "instructions.csv"):
            total += 1
            ok = (parts.get(row["standard_part_id"]) == row["object_type"]
                  and row["object_id"] in objects.get(row["object_type"], ()))
            unresolved += not ok
            assert row["issued_at"] == "yesterday" or row["issued_at"].startswith(day(d) + "T")
            assert row["issued_at"] == "yesterday" or row["issued_at"].endswith("+08:00")
            merged += (row["standard_part_id"], row["object_id"]) in (
                {("HOUSE-OVER10", h) for h in crowded} | {("FLOATING-NEW", p) for p in new_floating})
    assert total >= 60
    assert unresolved == planted(stats, "instructions/instructions.csv", "unknown_object", "object_type_mismatch",
                                 "unknown_part", "bad_object_type") > 0
    assert merged >= 1


def test_default_cap_keeps_every_file_under_the_gate(city):
    _, stats = city
    for file, kinds in stats["bad_rows"].items():
        assert sum(kinds.values()) <= 0.04 * stats["rows"][file] + 1e-9, file


def test_no_bad_rows_when_the_share_is_zero(tmp_path):
    stats = generate_city(tmp_path, 3_000, START, 2, bad_row_share=0, progress=False)
    assert not any(stats["bad_rows"].values())
    for d in range(2):
        persons = read_csv(tmp_path / "population" / day(d) / "persons.csv")
        assert all(is_valid_id_number(p["id_number"]) and PHONE.fullmatch(p["phone"]) for p in persons)
        houses = read_csv(tmp_path / "population" / day(d) / "houses.csv")
        assert all(is_valid_id_number(h["owner_id_number"]) for h in houses)
        alerts, broken = read_jsonl(tmp_path / "antifraud" / day(d) / "alerts.jsonl")
        assert not broken and all(a["id_number"] is None or is_valid_id_number(a["id_number"]) for a in alerts)


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate_city(tmp_path, 1_000, START, 0, progress=False)
    with pytest.raises(ValueError):
        generate_city(tmp_path, 1_000, START, 1, snapshot_every_days=0, progress=False)


def _ingest_and_count(settings, days: int) -> collections.Counter:
    import duckdb
    from standard_parts.pipeline import INGEST_ORDER, ingest

    for d in range(days):
        for feed in INGEST_ORDER:
            ingest(settings, feed, START + timedelta(days=d))  # raises GateFailure when a gate fails
    with duckdb.connect(str(settings.ops_path), read_only=True) as con:
        rows = con.execute("select file, reason, count(*) from ingest.quarantine group by all").fetchall()
    found: collections.Counter = collections.Counter()
    for file, reason, n in rows:
        parts = Path(file).parts
        found[(f"{parts[0]}/{parts[-1]}", reason)] += n
    return found


def _expected(stats) -> collections.Counter:
    expected: collections.Counter = collections.Counter()
    for file, kinds in stats["bad_rows"].items():
        for kind, n in kinds.items():
            expected[(file, stats["bad_row_reasons"][file][kind])] += n
    return expected


@pytest.mark.integration
def test_ingest_quarantines_exactly_the_planted_rows_and_gates_pass(city, settings):
    landing, stats = city
    settings.landing = landing
    assert _ingest_and_count(settings, 3) == _expected(stats)


@pytest.mark.integration
def test_ingest_gives_the_expected_reason_for_every_kind(every_kind, settings):
    landing, stats = every_kind
    settings.landing = landing
    settings.max_quarantine_share = 1.0  # uncapped: small files are mostly bad on purpose
    found = _ingest_and_count(settings, 2)
    assert found == _expected(stats)
    reasons = {r for (_, r) in found}
    assert reasons >= {"missing_required", "duplicate_id", "bad_id_number", "bad_phone", "bad_enum", "bad_date",
                       "bad_timestamp", "bad_number", "unknown_station", "unknown_community", "unknown_house",
                       "unknown_object", "unknown_standard_part", "object_type_mismatch", "malformed_row",
                       "parent_quarantined"}
