"""Which bad rows the demo city plants in each landing file, and how many.

Every kind names the quarantine reason ingestion is expected to give (the first reason of the
row rules in ``ingest/sql``). Bad rows are extra rows with ids of their own (reserved ranges:
``ST8…``, ``CM8…``, ``OF8…``, ``H8…``, ``V8…``; unknown parents are ``ST9…``, ``CM9…``, ``H9…``,
``V9…``; made-up people carry area code 350200), so no good row ever points at one, except on
purpose: the houses of ``quarantined_parent_house`` are real houses with a corrupted owner id,
and the persons living there are quarantined as ``parent_quarantined``.

How many: about ``bad_row_share`` of a file's rows, spread over its kinds, at least one of each
kind (a duplicated id costs two rows, both bad). A cap (``max_file_bad_share``, default 4%) keeps
each file under the ingest gate's default 5% quarantine share; when a small file cannot hold every
kind, the kinds it does hold rotate from day to day so a run of several days shows them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Kind:
    name: str
    reason: str  # the quarantine reason ingestion gives
    rows: int = 1  # rows per instance (a duplicated id: 2)


STATIONS = "org/stations.csv"
COMMUNITIES = "org/communities.csv"
OFFICERS = "org/officers.csv"
HOUSES = "population/houses.csv"
PERSONS = "population/persons.csv"
VENUES = "venues/venues.csv"
ALERTS = "antifraud/alerts.jsonl"
INSTRUCTIONS = "instructions/instructions.csv"

# Planted kinds per file, most telling first (a capped small file shows the first ones first).
KINDS: dict[str, tuple[Kind, ...]] = {
    STATIONS: (
        Kind("missing_name", "missing_required"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
    COMMUNITIES: (
        Kind("unknown_station", "unknown_station"),
        Kind("missing_station", "missing_required"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
    OFFICERS: (
        Kind("unknown_community", "unknown_community"),
        Kind("unknown_station", "unknown_station"),
        Kind("bad_role", "bad_enum"),
        Kind("community_role_without_community", "missing_required"),
        Kind("bad_active", "bad_enum"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
    HOUSES: (
        Kind("unknown_community", "unknown_community"),
        Kind("bad_owner_check_character", "bad_id_number"),
        Kind("wrong_length_owner_id", "bad_id_number"),
        Kind("bad_house_use", "bad_enum"),
        Kind("bad_verified_on", "bad_date"),
        Kind("bad_floor_area", "bad_number"),
        Kind("missing_address", "missing_required"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
    PERSONS: (
        Kind("unknown_house", "unknown_house"),
        Kind("bad_check_character", "bad_id_number"),
        Kind("wrong_length_id", "bad_id_number"),
        Kind("bad_phone_length", "bad_phone"),
        Kind("bad_phone_prefix", "bad_phone"),
        Kind("bad_status", "bad_enum"),
        Kind("bad_birth_date", "bad_date"),
        Kind("bad_moved_in_on", "bad_date"),
        Kind("missing_name", "missing_required"),
        Kind("bad_gender", "bad_enum"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
    VENUES: (
        Kind("unknown_community", "unknown_community"),
        Kind("bad_venue_type", "bad_enum"),
        Kind("bad_license_expiry", "bad_date"),
        Kind("bad_last_inspected_on", "bad_date"),
        Kind("bad_open_violations", "bad_number"),
        Kind("missing_license_no", "missing_required"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
    ALERTS: (
        Kind("invalid_json", "malformed_row"),
        Kind("bad_check_character", "bad_id_number"),
        Kind("bad_phone", "bad_phone"),
        Kind("bad_risk_level", "bad_enum"),
        Kind("bad_raised_at", "bad_timestamp"),
        Kind("wrong_length_id", "bad_id_number"),
        Kind("bad_alert_type", "bad_enum"),
        Kind("bad_raised_at_calendar", "bad_timestamp"),
        Kind("missing_phone", "missing_required"),
        Kind("bad_amount", "bad_number"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
    INSTRUCTIONS: (
        Kind("unknown_object", "unknown_object"),
        Kind("object_type_mismatch", "object_type_mismatch"),
        Kind("unknown_part", "unknown_standard_part"),
        Kind("bad_object_type", "bad_enum"),
        Kind("bad_issued_at", "bad_timestamp"),
        Kind("missing_reason", "missing_required"),
        Kind("duplicate_id", "duplicate_id", 2),
    ),
}

# Not planted as extra rows but made by corrupting real houses (see the module docstring).
PARENT_HOUSE = Kind("quarantined_parent_house", "bad_id_number")
PARENT_PERSON = Kind("in_quarantined_house", "parent_quarantined")

EXPECTED_REASON: dict[str, dict[str, str]] = {
    file: {k.name: k.reason for k in kinds} for file, kinds in KINDS.items()
}
EXPECTED_REASON[HOUSES][PARENT_HOUSE.name] = PARENT_HOUSE.reason
EXPECTED_REASON[PERSONS][PARENT_PERSON.name] = PARENT_PERSON.reason


def budget(good_rows: int, cap: float | None) -> int | None:
    """Most bad rows a file of ``good_rows`` good rows may carry to stay at or under ``cap``."""
    if cap is None:
        return None
    if cap >= 1:
        return None
    return math.floor(cap * good_rows / (1 - cap) + 1e-9)


def plan(rng: np.random.Generator, file: str, good_rows: int, share: float, cap: float | None, day: int,
         reserved: int = 0) -> dict[str, int]:
    """Instances of each kind to plant in one file on one day (``reserved`` rows are already bad)."""
    kinds = KINDS[file]
    if share <= 0:
        return {}
    per_kind = share * good_rows / sum(k.rows for k in kinds)
    wanted = {k.name: max(1, int(rng.poisson(per_kind))) for k in kinds}
    room = budget(good_rows, cap)
    if room is None:
        return wanted
    room -= reserved
    if sum(wanted[k.name] * k.rows for k in kinds) <= room:
        return wanted
    # Too many for the cap: one instance per kind, in an order that rotates with the day.
    chosen: dict[str, int] = {}
    start = day % len(kinds)
    for k in kinds[start:] + kinds[:start]:
        if k.rows <= room:
            chosen[k.name] = 1
            room -= k.rows
    # Whatever room is left goes to the kinds already chosen, in order.
    while room > 0 and chosen:
        progressed = False
        for k in kinds:
            if k.name in chosen and chosen[k.name] < wanted[k.name] and k.rows <= room:
                chosen[k.name] += 1
                room -= k.rows
                progressed = True
        if not progressed:
            break
    return {k.name: chosen[k.name] for k in kinds if k.name in chosen}
