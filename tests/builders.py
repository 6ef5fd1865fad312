"""Tiny hand-made landing folders for tests: every row written is one the test chose."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from standard_parts.feeds import FILES
from standard_parts.idnumber import check_character

SPECS = {f.entity: f for f in FILES}


def id_number(serial: int, birth: str = "19900101", area: str = "350203", male: bool = True) -> str:
    """A valid 18-digit id number, unique per ``serial`` (0..99,999: hundreds shift the birth date)."""
    from datetime import datetime, timedelta

    born = datetime.strptime(birth, "%Y%m%d") + timedelta(days=serial // 100)
    seq = f"{serial % 100:02d}{1 if male else 0}"
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + check_character(first17)


def phone(serial: int) -> str:
    return f"138{serial:08d}"


@dataclass
class Landing:
    root: Path
    rows: dict[str, list[dict]] = field(default_factory=dict)

    @classmethod
    def small_city(cls, root: Path) -> Landing:
        """2 stations (ST2 is empty), 2 communities (C2 has no community officer), 3 houses, 4 persons (2 in H1, 2 in H3), 2 venues."""
        land = cls(root)
        land.rows = {
            "stations": [
                dict(station_id="ST1", station_name="开元派出所", district="思明区", branch_bureau="思明分局"),
                dict(station_id="ST2", station_name="鹭江派出所", district="思明区", branch_bureau="思明分局"),
            ],
            "communities": [
                dict(community_id="C1", community_name="百家村社区", station_id="ST1"),
                dict(community_id="C2", community_name="东区社区", station_id="ST1"),
            ],
            "officers": [
                dict(officer_id="O1", officer_name="王警官", station_id="ST1", community_id="C1", role="community",
                     active="true"),
                dict(officer_id="O2", officer_name="李警官", station_id="ST1", community_id="C1", role="community",
                     active="true"),
                dict(officer_id="O3", officer_name="陈所长", station_id="ST1", community_id="", role="leader",
                     active="true"),
            ],
            "houses": [
                dict(house_id="H1", address="思明区百家村路1号", community_id="C1", house_use="residential",
                     floor_area_m2="90", owner_id_number=id_number(1), verified_on="2026-01-01"),
                dict(house_id="H2", address="思明区百家村路2号, 301", community_id="C1", house_use="rental",
                     floor_area_m2="40", owner_id_number=id_number(2), verified_on=""),
                dict(house_id="H3", address="思明区东区路3号", community_id="C2", house_use="residential",
                     floor_area_m2="120", owner_id_number=id_number(3), verified_on=""),
            ],
            "persons": [
                dict(id_number=id_number(10 + i), name=f"张{i}", gender="M", birth_date="1990-01-01",
                     phone=phone(i), hukou_type="local", house_id="H1" if i < 2 else "H3", moved_in_on="2020-01-01",
                     status="active")
                for i in range(4)
            ],
            "venues": [
                dict(venue_id="V1", venue_name="鹭江宾馆", venue_type="hotel", community_id="C1", license_no="L1",
                     license_expiry="2027-12-31", last_inspected_on="2026-09-20", open_violations="0"),
                dict(venue_id="V2", venue_name="星光网吧", venue_type="internet_cafe", community_id="C2",
                     license_no="L2", license_expiry="2027-12-31", last_inspected_on="", open_violations="1"),
            ],
            "alerts": [],
            "instructions": [],
        }
        return land

    def write(self, day: date, entities: list[str] | None = None, encoding: str = "utf-8") -> None:
        """Write the chosen entities' files into ``<feed>/<day>/`` (snapshots and incrementals alike)."""
        for entity in entities or list(self.rows):
            spec = SPECS[entity]
            folder = self.root / spec.feed / day.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / spec.filename
            rows = self.rows[entity]
            if spec.fmt == "jsonl":
                with path.open("w", encoding="utf-8") as fh:
                    for row in rows:
                        fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
            else:
                with path.open("w", encoding=encoding, newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=list(spec.required), extrasaction="ignore")
                    writer.writeheader()
                    writer.writerows(rows)
