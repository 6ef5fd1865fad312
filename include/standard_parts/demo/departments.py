"""The partner departments' side of the demo (一键流转 closed loop, SPEC 12): their systems report back.

:func:`simulate_day` writes ``<landing>/handoffs/<day>/handoff_events.jsonl`` holding every event that
*arrives* on ``day``, for the hand-offs the officers opened in the completions files landed on or before
``day`` (the first copy of each completion_id naming a ``handoff_department``). The pipeline does not know
this module exists: the officers' hook (``demo.officers.officers_hook``) calls it after writing the next
day's completions.

Each hand-off's fate is a pure function of (seed, handoff_id), shaped by its department's profile: some
departments acknowledge within hours and resolve within days (消防救援), others take longer and leave more
open or reject more (街道/社区), so the department page shows the difference. Some resolutions come with no
separate acknowledgement, some events arrive a day late, and a few are re-sent (same event_id).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ..files import write_text

LOCAL = timezone(timedelta(hours=8))
FILE_NAME = "handoff_events.jsonl"
LATE_ARRIVAL = 0.08  # an event reported a day after it happened
RESENT = 0.02  # an event re-sent in the next day's file (same event_id)
NO_SEPARATE_ACK = 0.2  # resolved with no acknowledgement before it


@dataclass(frozen=True)
class Profile:
    """Hours from opened_at to the acknowledgement and to the resolution (uniform ranges), and the shares
    of hand-offs rejected and never answered."""

    ack: tuple[float, float]
    resolve: tuple[float, float]
    reject: float
    silent: float


PROFILES: dict[str, Profile] = {
    "fire_rescue": Profile((1, 14), (24, 120), 0.02, 0.01),
    "urban_management": Profile((2, 22), (36, 160), 0.05, 0.02),
    "market_regulation": Profile((6, 36), (72, 220), 0.05, 0.04),
    "health": Profile((12, 48), (96, 280), 0.08, 0.06),
    "subdistrict": Profile((18, 70), (120, 400), 0.10, 0.10),
}
DEFAULT = Profile((4, 40), (48, 240), 0.05, 0.05)


@dataclass(frozen=True)
class Event:
    event_id: str
    handoff_id: str
    department: str
    event: str
    at: datetime
    arrives_on: date

    def record(self) -> dict:
        return {"event_id": self.event_id, "handoff_id": self.handoff_id, "department": self.department,
                "event": self.event, "at": self.at.isoformat(), "note": None}


def simulate_day(landing: Path, day: date, seed: int) -> int:
    """Write the events arriving on ``day`` (rewriting the file; an empty file is a delivery of nothing)."""
    arriving: list[Event] = []
    for handoff_id, (department, opened_at, file_date) in opened_handoffs(Path(landing), day).items():
        arriving.extend(e for e in handoff_events(handoff_id, department, opened_at, file_date, seed)
                        if e.arrives_on == day)
    arriving.sort(key=lambda e: (e.at, e.event_id))
    folder = Path(landing) / "handoffs" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / FILE_NAME, "".join(json.dumps(e.record(), ensure_ascii=False) + "\n" for e in arriving))
    return len(arriving)


def opened_handoffs(landing: Path, day: date) -> dict[str, tuple[str, datetime, date]]:
    """handoff_id -> (department, opened_at, completions file date), from the files landed by ``day``."""
    root = landing / "completions"
    found: dict[str, tuple[str, datetime, date] | None] = {}
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for folder in folders:
        try:
            file_date = date.fromisoformat(folder.name)
        except ValueError:
            continue
        path = folder / "completions.jsonl"
        if file_date > day or not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                cid = row["completion_id"]
            except (ValueError, KeyError, TypeError):
                continue
            if cid in found:
                continue  # the first copy decides
            department = row.get("handoff_department")
            try:
                opened = datetime.fromisoformat(row["completed_at"])
            except (KeyError, TypeError, ValueError):
                opened = None
            found[cid] = (department, opened, file_date) if department and opened else None
    return {k: v for k, v in found.items() if v is not None}


def handoff_events(handoff_id: str, department: str, opened_at: datetime, file_date: date,
                   seed: int) -> list[Event]:
    """The events of one hand-off (deterministic). None arrives before its completions file landed."""
    rng = random.Random(int.from_bytes(hashlib.sha256(f"{seed}|dept|{handoff_id}".encode()).digest()[:8], "big"))
    profile = PROFILES.get(department, DEFAULT)
    u = rng.random()
    if u < profile.silent:
        return []
    ack_at = opened_at + timedelta(hours=rng.uniform(*profile.ack))
    happened: list[tuple[str, datetime]] = []
    if u < profile.silent + profile.reject:
        happened.append(("rejected", ack_at))
    else:
        resolve_at = opened_at + timedelta(hours=max(rng.uniform(*profile.resolve), profile.ack[1]))
        if rng.random() >= NO_SEPARATE_ACK:
            happened.append(("acknowledged", ack_at))
        happened.append(("resolved", resolve_at))
    events = []
    for n, (kind, at) in enumerate(happened):
        at = at.replace(microsecond=0).astimezone(LOCAL)
        arrives = max(at.date() + timedelta(days=1 if rng.random() < LATE_ARRIVAL else 0), file_date)
        event = Event(f"{handoff_id}-E{n}", handoff_id, department, kind, at, arrives)
        events.append(event)
        if rng.random() < RESENT:
            events.append(Event(event.event_id, handoff_id, department, kind, at, arrives + timedelta(days=1)))
    return events
