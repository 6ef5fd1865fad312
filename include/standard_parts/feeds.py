"""The landing contract (SPEC section 3): which files each feed delivers and their required columns.

Row rules live in SQL, one file per entity under ``ingest/sql/``; this module only says what
arrives where, in which order it must be validated (parents before children), and the key that
must be unique within a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class FileSpec:
    feed: str
    entity: str
    filename: str
    kind: Literal["snapshot", "incremental"]
    required: tuple[str, ...]
    key: str

    @property
    def fmt(self) -> Literal["csv", "jsonl"]:
        return "jsonl" if self.filename.endswith(".jsonl") else "csv"


# Validation order matters: a child's foreign keys are checked against its parents' results.
FILES: tuple[FileSpec, ...] = (
    FileSpec("org", "stations", "stations.csv", "snapshot",
             ("station_id", "station_name", "district", "branch_bureau"), "station_id"),
    FileSpec("org", "communities", "communities.csv", "snapshot",
             ("community_id", "community_name", "station_id"), "community_id"),
    FileSpec("org", "officers", "officers.csv", "snapshot",
             ("officer_id", "officer_name", "station_id", "community_id", "role", "active"), "officer_id"),
    FileSpec("population", "houses", "houses.csv", "snapshot",
             ("house_id", "address", "community_id", "house_use", "floor_area_m2", "owner_id_number",
              "verified_on"), "house_id"),
    FileSpec("population", "persons", "persons.csv", "snapshot",
             ("id_number", "name", "gender", "birth_date", "phone", "hukou_type", "house_id", "moved_in_on",
              "status"), "id_number"),
    FileSpec("venues", "venues", "venues.csv", "snapshot",
             ("venue_id", "venue_name", "venue_type", "community_id", "license_no", "license_expiry",
              "last_inspected_on", "open_violations"), "venue_id"),
    FileSpec("antifraud", "alerts", "alerts.jsonl", "incremental",
             ("alert_id", "raised_at", "id_number", "phone", "alert_type", "risk_level", "amount_at_risk_cny"),
             "alert_id"),
    FileSpec("instructions", "instructions", "instructions.csv", "incremental",
             ("instruction_id", "department", "standard_part_id", "object_type", "object_id", "reason",
              "issued_at"), "instruction_id"),
)

FEEDS: tuple[str, ...] = tuple(dict.fromkeys(f.feed for f in FILES))


def files_of(feed: str) -> tuple[FileSpec, ...]:
    found = tuple(f for f in (*FILES, *STAGE_FILES) if f.feed == feed)
    if not found:
        raise KeyError(f"unknown feed {feed!r}; known: {', '.join((*FEEDS, *(f.feed for f in STAGE_FILES)))}")
    return found


def date_folders(landing: Path, feed: str) -> list[date]:
    """The valid YYYY-MM-DD folders of a feed, oldest first (other names are ignored)."""
    root = landing / feed
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        try:
            found.append(date.fromisoformat(child.name))
        except ValueError:
            continue
    return sorted(found)


def select_file(landing: Path, spec: FileSpec, run_date: date) -> tuple[Path, date] | None:
    """Snapshot: the newest file on or before the run date. Incremental: the run date's file."""
    if spec.kind == "incremental":
        path = landing / spec.feed / run_date.isoformat() / spec.filename
        return (path, run_date) if path.is_file() else None
    for folder in reversed(date_folders(landing, spec.feed)):
        if folder <= run_date and (landing / spec.feed / folder.isoformat() / spec.filename).is_file():
            return landing / spec.feed / folder.isoformat() / spec.filename, folder
    return None

# The completions feed (SPEC section 3) is ingested by its own stage (``standard_parts.completions``),
# after generation, so it is not part of FILES/FEEDS (the nightly ingest order of the input feeds).
COMPLETIONS = FileSpec(
    "completions", "completions", "completions.jsonl", "incremental",
    ("completion_id", "task_id", "officer_id", "completed_at", "outcome", "steps", "evidence_count",
     "followup_needed", "handoff_department"),
    "completion_id",
)

# Hand-off events reported back by partner departments (SPEC sections 3 and 12): ingested by the
# ``ingest_handoffs`` stage after the night's completions (their hand-offs must be open first), through
# the same loader, row rules (``ingest/sql/handoff_events.sql``) and gate as the input feeds.
HANDOFFS = FileSpec(
    "handoffs", "handoff_events", "handoff_events.jsonl", "incremental",
    ("event_id", "handoff_id", "department", "event", "at", "note"),
    "event_id",
)

# Feeds ingested by their own stages of the night rather than in INGEST_ORDER.
STAGE_FILES: tuple[FileSpec, ...] = (COMPLETIONS, HANDOFFS)
