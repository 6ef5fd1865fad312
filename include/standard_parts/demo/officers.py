"""The officers' side of the demo: read the published packages, report completions back.

:func:`simulate_day` writes ``<landing>/completions/<day>/completions.jsonl`` holding every completion
that *arrives* on ``day``, computed from the officer packages published on or before ``day``
(``<packages_dir>/<run_date>/<officer_id>.json``, the ``folder:`` publish target). The pipeline does
not know this module exists: only the demo calls it, between publishing and the completions ingest.

Each task's fate is a pure function of (seed, task, officer): the same arguments always give the
same files, whichever day is simulated first, and a task's completions never depend on the
packages that happen to repeat it while it stays open. Fates (per-officer diligence shifts them):

* most tasks are done on time: every required step done, evidence >= min_evidence, no follow-up;
* some are late (after due_at), some done with short evidence or with a follow-up needed;
* some are first reported ``unable`` (or ``done`` with a required step missing) and done later;
* a few are never done (they turn red once due);
* a few completions are re-sent (same completion_id, in the same or a later file; rarely with
  other content), and rarely an officer of another station sends one (quarantined ``other_station``);
* some valid completions hand the matter off to a government department of the part's
  collaboration list (城管, 市场监管, 消防救援, 街道/社区, 卫健).

A completion arrives on its completed_at date (+08:00) mostly, sometimes one or two days later.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ..files import write_text

LOCAL = timezone(timedelta(hours=8))
FILE_NAME = "completions.jsonl"
# A task's last event is at most its due window + LATE_MAX + REDO_MAX + ARRIVAL_MAX after issue;
# packages older than this (and the longest due window, 336 h) cannot hold a task that still reports.
LOOKBACK_DAYS = 60
LATE_MAX = timedelta(hours=96)
ARRIVAL_WEIGHTS = ((0, 0.88), (1, 0.09), (2, 0.03))
GOVERNMENT_DEPARTMENTS = ("urban_management", "market_regulation", "fire_rescue", "subdistrict", "health")

# Officer tiers: (share of officers, {fate: probability}); the rest of the mass is "on_time".
TIERS: tuple[tuple[float, dict[str, float]], ...] = (
    (0.72, {"never": 0.014, "late": 0.012, "short_evidence": 0.008, "followup": 0.010,
            "unable_then_done": 0.020, "step_missing_then_done": 0.006}),
    (0.20, {"never": 0.040, "late": 0.035, "short_evidence": 0.015, "followup": 0.015,
            "unable_then_done": 0.030, "step_missing_then_done": 0.010}),
    (0.08, {"never": 0.100, "late": 0.070, "short_evidence": 0.030, "followup": 0.025,
            "unable_then_done": 0.040, "step_missing_then_done": 0.020}),
)
GOLDEN = 0.6180339887498949
RESEND_SAME = 0.02  # a completion re-sent unchanged (app retry)
RESEND_CHANGED = 0.003  # re-sent with other content: the first accepted copy counts
OTHER_STATION = 0.004  # an officer of another station also reports the task
HANDOFF = 0.08  # valid completions handed off to a government department


@dataclass(frozen=True)
class Task:
    task_id: str
    officer_id: str
    standard_part_id: str
    issued_at: datetime
    due_at: datetime
    min_evidence: int
    steps: tuple[tuple[str, bool], ...]  # (step id, required)
    collaboration: tuple[str, ...] = ()


@dataclass
class Completion:
    completion_id: str
    task_id: str
    officer_id: str
    completed_at: datetime
    outcome: str
    steps: list[dict]
    evidence_count: int
    followup_needed: bool
    handoff_department: str | None
    arrives_on: date
    order: int = 0  # tie-break inside a file (a re-send comes after the original)
    extra: dict = field(default_factory=dict)

    def record(self) -> dict:
        return {
            "completion_id": self.completion_id,
            "task_id": self.task_id,
            "officer_id": self.officer_id,
            "completed_at": self.completed_at.astimezone(LOCAL).isoformat(timespec="seconds"),
            "outcome": self.outcome,
            "steps": self.steps,
            "evidence_count": self.evidence_count,
            "followup_needed": self.followup_needed,
            "handoff_department": self.handoff_department,
        }


def simulate_day(landing: Path, packages_dir: Path, day: date, seed: int) -> int:
    """Write the completions arriving on ``day`` (rewriting the file); returns how many lines."""
    tasks = read_tasks(Path(packages_dir), day)
    others = _other_station_officers(Path(landing), day)
    arriving: list[Completion] = []
    for task in tasks.values():
        arriving.extend(c for c in task_completions(task, seed, others) if c.arrives_on == day)
    arriving.sort(key=lambda c: (c.completed_at, c.order, c.completion_id))
    folder = Path(landing) / "completions" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(c.record(), ensure_ascii=False) + "\n" for c in arriving)
    write_text(folder / FILE_NAME, text)
    return len(arriving)


def officers_hook(landing: Path, packages_dir: Path, seed: int) -> Callable[[date], int]:
    """What the demo passes as ``after_publish``: once run date D is published, the app receives
    it and the next day's completions file (arrivals on D + 1) can be written, and with it the
    partner departments' events file of D + 1 (``demo.departments``). Day D's own files were
    complete before D's run started, so a re-run of D sees the same data."""
    from . import departments

    def hook(day: date) -> int:
        written = simulate_day(landing, packages_dir, day + timedelta(days=1), seed)
        # the partner departments answer the hand-offs of the completions landed so far
        departments.simulate_day(landing, day + timedelta(days=1), seed)
        return written

    return hook


# ---------------------------------------------------------------------------------------- packages

def read_tasks(packages_dir: Path, day: date) -> dict[str, Task]:
    """Every task of the packages published on or before ``day`` (earliest package wins)."""
    tasks: dict[str, Task] = {}
    for folder in _package_folders(packages_dir, day):
        for path in sorted(folder.glob("*.json")):
            try:
                package = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a half-written or foreign file is not a package
            if not isinstance(package, dict) or "business_list" not in package:
                continue  # e.g. manifest.json
            collaboration = {
                c.get("task_id"): tuple(d["code"] if isinstance(d, dict) else str(d) for d in c.get("departments", []))
                for c in package.get("collaboration_list", []) if isinstance(c, dict)
            }
            for item in package["business_list"]:
                if item["task_id"] in tasks:
                    continue
                tasks[item["task_id"]] = Task(
                    task_id=item["task_id"],
                    officer_id=package["officer_id"],
                    standard_part_id=item.get("standard_part_id", ""),
                    issued_at=datetime.fromisoformat(item["issued_at"]),
                    due_at=datetime.fromisoformat(item["due_at"]),
                    min_evidence=int(item.get("min_evidence") or 0),
                    steps=tuple((s["id"], bool(s.get("required", True))) for s in item.get("steps", [])),
                    collaboration=collaboration.get(item["task_id"], ()),
                )
    return tasks


def _package_folders(packages_dir: Path, day: date) -> Iterator[Path]:
    if not packages_dir.is_dir():
        return
    found = []
    for child in packages_dir.iterdir():
        try:
            run_date = date.fromisoformat(child.name)
        except ValueError:
            continue
        if day - timedelta(days=LOOKBACK_DAYS) <= run_date <= day and child.is_dir():
            found.append((run_date, child))
    yield from (child for _, child in sorted(found))


def _other_station_officers(landing: Path, day: date) -> dict[str, list[str]]:
    """officer_id -> officers of other stations, from the newest officers snapshot on or before day."""
    root = landing / "org"
    stations: dict[str, str] = {}
    if root.is_dir():
        dated = sorted((d for d in root.iterdir() if _is_date(d.name) and date.fromisoformat(d.name) <= day),
                       reverse=True)
        for folder in dated:
            path = folder / "officers.csv"
            if path.is_file():
                stations = _read_officer_stations(path)
                break
    by_station: dict[str, list[str]] = {}
    for officer, station in sorted(stations.items()):
        by_station.setdefault(station, []).append(officer)
    return {officer: [o for s, os in sorted(by_station.items()) if s != station for o in os]
            for officer, station in stations.items()}


def _read_officer_stations(path: Path) -> dict[str, str]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return {}
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("officer_id") and row.get("station_id"):
            out[row["officer_id"]] = row["station_id"]
    return out


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------- fates

def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("|".join([str(seed), *parts]).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def officer_tier(seed: int, officer_id: str) -> int:
    """The officer's diligence tier. Numbered officers (OF00001, ...) are spread by a golden-ratio
    sequence, so a small city still gets the tiers' shares (a plain hash of 40 officers may give
    no weak officer at all); other ids fall back to a hash."""
    numbered = re.search(r"(\d+)$", officer_id)
    if numbered:
        u = (_rng(seed, "officers").random() + int(numbered.group(1)) * GOLDEN) % 1.0
    else:
        u = _rng(seed, "officer", officer_id).random()
    acc = 0.0
    for tier, (share, _) in enumerate(TIERS):
        acc += share
        if u < acc:
            return tier
    return len(TIERS) - 1


def task_fate(seed: int, task: Task) -> str:
    probs = TIERS[officer_tier(seed, task.officer_id)][1]
    u = _rng(seed, "fate", task.task_id).random()
    acc = 0.0
    for fate, p in probs.items():
        acc += p
        if u < acc:
            return fate
    return "on_time"


def task_completions(task: Task, seed: int, other_officers: dict[str, list[str]] | None = None) -> list[Completion]:
    """Every completion the task will ever get (each with its arrival date)."""
    rng = _rng(seed, "task", task.task_id)
    fate = task_fate(seed, task)
    window = task.due_at - task.issued_at
    # Officers work from the task's (nominal) issued_at, but the run date's own completions file is
    # complete before its nightly run publishes the task: what an officer reports on the run date
    # itself reaches the pipeline with the next day's file (completed_at unchanged).
    first_arrival = task.issued_at.astimezone(LOCAL).date() + timedelta(days=1)
    out: list[Completion] = []
    counter = iter(range(1, 100))

    def cid() -> str:
        n = next(counter)
        return "CP" + hashlib.sha256(f"{seed}|{task.task_id}|{n}".encode()).hexdigest()[:16].upper()

    def at_fraction(lo: float, hi: float) -> datetime:
        return _whole_second(task.issued_at + window * rng.uniform(lo, hi))

    def late_time(after: datetime) -> datetime:
        return _whole_second(max(after, task.due_at) + timedelta(seconds=rng.uniform(600, LATE_MAX.total_seconds())))

    def make(completed_at: datetime, outcome: str = "done", all_steps: bool = True, evidence: int | None = None,
             followup: bool = False, officer: str | None = None, handoff: bool = True) -> Completion:
        steps = []
        dropped = rng.choice([s for s, req in task.steps if req]) if not all_steps and any(
            req for _, req in task.steps) else None
        for step_id, required in task.steps:
            if outcome == "unable":
                done = rng.random() < 0.3
            elif step_id == dropped:
                done = False
            else:
                done = True if required else rng.random() < 0.7
            steps.append({"step_id": step_id, "done": done})
        if evidence is None:
            evidence = task.min_evidence + _extra_evidence(rng)
        department = None
        if handoff and rng.random() < (HANDOFF if not followup else 0.5):
            pool = task.collaboration or (GOVERNMENT_DEPARTMENTS if rng.random() < 0.2 else ())
            department = rng.choice(pool) if pool else None
        return Completion(cid(), task.task_id, officer or task.officer_id, completed_at, outcome, steps, evidence,
                          followup, department, max(_arrival(rng, completed_at), first_arrival))

    if fate == "on_time":
        out.append(make(at_fraction(0.02, 0.9)))
    elif fate == "late":
        out.append(make(late_time(task.due_at)))
    elif fate == "short_evidence":
        if task.min_evidence > 0:
            out.append(make(at_fraction(0.05, 0.9), evidence=task.min_evidence - 1))
        else:
            out.append(make(at_fraction(0.05, 0.9), followup=True))
    elif fate == "followup":
        out.append(make(at_fraction(0.05, 0.9), followup=True))
    elif fate in ("unable_then_done", "step_missing_then_done"):
        first_at = at_fraction(0.02, 0.5)
        if fate == "unable_then_done":
            out.append(make(first_at, outcome="unable", evidence=0, handoff=True))
        else:
            out.append(make(first_at, all_steps=False, handoff=False))
        second_at = at_fraction(0.55, 0.98) if rng.random() < 0.7 else late_time(first_at)
        out.append(make(max(second_at, first_at + timedelta(minutes=30))))
    elif fate == "never":
        if rng.random() < 0.3:
            out.append(make(at_fraction(0.1, 0.8), outcome="unable", evidence=0))

    extra: list[Completion] = []
    for c in out:
        u = rng.random()
        if u < RESEND_SAME:
            # the app retries: the same record again, in the same file or the next day's
            extra.append(Completion(c.completion_id, c.task_id, c.officer_id, c.completed_at, c.outcome, c.steps,
                                    c.evidence_count, c.followup_needed, c.handoff_department,
                                    c.arrives_on + timedelta(days=rng.choice((0, 1))), order=1))
        elif u < RESEND_SAME + RESEND_CHANGED:
            extra.append(Completion(c.completion_id, c.task_id, c.officer_id, c.completed_at, c.outcome, c.steps,
                                    c.evidence_count + 1, c.followup_needed, c.handoff_department,
                                    c.arrives_on + timedelta(days=1), order=1))
    candidates = (other_officers or {}).get(task.officer_id) or []
    if out and candidates and rng.random() < OTHER_STATION:
        extra.append(make(out[-1].completed_at, officer=rng.choice(candidates), handoff=False))
    return out + extra


def _extra_evidence(rng: random.Random) -> int:
    u = rng.random()
    return 0 if u < 0.45 else 1 if u < 0.8 else 2 if u < 0.95 else 3


def _arrival(rng: random.Random, completed_at: datetime) -> date:
    u = rng.random()
    acc = 0.0
    delay = 0
    for days, p in ARRIVAL_WEIGHTS:
        acc += p
        if u < acc:
            delay = days
            break
    return completed_at.astimezone(LOCAL).date() + timedelta(days=delay)


def _whole_second(ts: datetime) -> datetime:
    return ts.replace(microsecond=0)
