"""Input trust (SPEC section 3.1): what a run date's landing files must satisfy before any stage writes.

The checks are generic over the landing contract in :mod:`standard_parts.feeds`: every ``FileSpec``
there (the input feeds, completions and any feed added later, e.g. hand-off events) is checked for

* **landing**: at least one file of any feed dated the run date, else the date is refused;
* **age**: a snapshot feed's newest file on or before the run date is at most
  ``max_snapshot_age_days.<feed>`` days old (a feed with no snapshot at all fails);
* **delivery**: an incremental feed that delivered a file for an earlier date has one for the run
  date (an empty or header-only file is a delivery of nothing);
* **readable / columns**: the file's first record can be read and names every required column.

The **volume** check (a snapshot's data rows against the previous accepted snapshot of the same
file) needs the exact count of data rows the reader reads, so it runs in the ingest of that file
(:func:`check_volume`), before the file is stored. A failing volume check fails the date exactly
like a failing preflight check: the whole date is rolled back (see :mod:`standard_parts.rundates`).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import feeds
from .config import Settings
from .errors import GateFailure
from .feeds import FileSpec, date_folders, select_file

log = logging.getLogger(__name__)

HEAD_BYTES = 1 << 16  # enough for any header row; the full file is read by the ingest itself


@dataclass(frozen=True)
class Problem:
    check: str  # landing | age | delivery | readable | columns | volume
    feed: str
    file: str  # relative to the landing folder (or the expected path when missing)
    message: str

    @property
    def gate(self) -> str:
        return f"inputs.{self.check}"


class InputsRefused(GateFailure):
    """One or more input checks failed; ``problems`` lists every one of them."""

    def __init__(self, run_date: date, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        lines = "; ".join(f"[{p.gate}] {p.message}" for p in problems)
        super().__init__(first.gate, f"run date {run_date} refused: {lines}")
        self.feed = first.feed
        self.file = first.file


def file_specs() -> tuple[FileSpec, ...]:
    """Every file of the landing contract: the ingest feeds plus the ones ingested by their own
    stages (completions, hand-off events)."""
    return (*feeds.FILES, *feeds.STAGE_FILES)


def snapshot_dates(settings: Settings, run_date: date) -> dict[str, str]:
    """The date of the snapshot each snapshot feed uses for the run date (the oldest of its files)."""
    out: dict[str, date] = {}
    for spec in file_specs():
        if spec.kind != "snapshot":
            continue
        selected = select_file(settings.landing, spec, run_date)
        if selected is not None:
            out[spec.feed] = min(out.get(spec.feed, selected[1]), selected[1])
    return {feed: day.isoformat() for feed, day in out.items()}


def _rel(settings: Settings, path: Path) -> str:
    try:
        return path.relative_to(settings.landing).as_posix()
    except ValueError:
        return str(path)


def landed_on(settings: Settings, run_date: date) -> list[str]:
    """The landing files of any feed dated the run date (relative paths)."""
    found = []
    for spec in file_specs():
        path = settings.landing / spec.feed / run_date.isoformat() / spec.filename
        if path.is_file():
            found.append(_rel(settings, path))
    return found


def check_landing_folder(settings: Settings) -> None:
    if not settings.landing.is_dir():
        raise GateFailure("inputs.landing", f"landing folder {settings.landing} does not exist (set --landing or "
                                            "STANDARD_PARTS_LANDING to the folder holding <feed>/<YYYY-MM-DD>/<file>)")


def preflight(settings: Settings, run_date: date) -> list[Problem]:
    """Every input problem of the run date (empty: the inputs may be ingested)."""
    check_landing_folder(settings)
    if not landed_on(settings, run_date):
        where = settings.landing
        return [Problem("landing", "*", f"*/{run_date}/*",
                        f"no landing file of any feed is dated {run_date} under {where} "
                        f"(expected e.g. {where}/antifraud/{run_date}/alerts.jsonl); nothing was run")]
    problems: list[Problem] = []
    for spec in file_specs():
        if spec.kind == "snapshot":
            problems += _check_snapshot(settings, spec, run_date)
        else:
            problems += _check_incremental(settings, spec, run_date)
    return problems


def _check_snapshot(settings: Settings, spec: FileSpec, run_date: date) -> list[Problem]:
    selected = select_file(settings.landing, spec, run_date)
    if selected is None:
        return [Problem("age", spec.feed, f"{spec.feed}/*/{spec.filename}",
                        f"{spec.feed}: no {spec.filename} snapshot on or before {run_date} under "
                        f"{settings.landing / spec.feed}")]
    path, file_date = selected
    display = _rel(settings, path)
    limit = settings.max_snapshot_age_days.for_feed(spec.feed)
    age = (run_date - file_date).days
    if age > limit:
        return [Problem("age", spec.feed, display,
                        f"{spec.feed}: newest {spec.filename} snapshot {display} is {age} days older than run "
                        f"date {run_date} (limit {limit} days, STANDARD_PARTS_MAX_SNAPSHOT_AGE_DAYS__"
                        f"{spec.feed.upper()})")]
    return _check_readable(settings, spec, path, display)


def _check_incremental(settings: Settings, spec: FileSpec, run_date: date) -> list[Problem]:
    path = settings.landing / spec.feed / run_date.isoformat() / spec.filename
    display = _rel(settings, path)
    if path.is_file():
        return _check_readable(settings, spec, path, display)
    earlier = [d for d in date_folders(settings.landing, spec.feed)
               if d < run_date and (settings.landing / spec.feed / d.isoformat() / spec.filename).is_file()]
    if not earlier:
        return []  # never delivered: the feed has not started yet
    last = max(earlier)
    return [Problem("delivery", spec.feed, display,
                    f"{spec.feed}: {display} is missing for run date {run_date}; the feed last delivered on {last} "
                    f"(an empty file would be a delivery of nothing)")]


def _check_readable(settings: Settings, spec: FileSpec, path: Path, display: str) -> list[Problem]:
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        return [Problem("readable", spec.feed, display, f"{spec.feed}: cannot read {display}: {exc.strerror}")]
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    text = _decode_head(head)
    if spec.fmt == "jsonl":
        return _check_jsonl_head(spec, display, text)
    if not text.strip():
        if spec.kind == "incremental":
            return []  # an empty incremental file: a delivery of nothing
        return [Problem("readable", spec.feed, display, f"{spec.feed}: {display} is empty (no header row)")]
    first_line = text.splitlines()[0] if text.splitlines() else ""
    try:
        header = next(csv.reader(io.StringIO(first_line)))
    except (csv.Error, StopIteration) as exc:
        return [Problem("readable", spec.feed, display, f"{spec.feed}: {display}:1 header is not valid CSV: {exc}")]
    header = [h.strip() for h in header]
    missing = [c for c in spec.required if c not in header]
    if missing:
        return [Problem("columns", spec.feed, display,
                        f"{spec.feed}: {display}:1 lacks required column(s) {', '.join(missing)} "
                        f"({len(missing)} of {len(spec.required)} missing; header: {', '.join(header)})")]
    return []


def _decode_head(head: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 4 and len(head) == HEAD_BYTES:
                return head[:exc.start].decode("utf-8")  # a character cut by the read size
    return head.decode("utf-8", errors="replace")


def _check_jsonl_head(spec: FileSpec, display: str, text: str) -> list[Problem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            if number == len(text.splitlines()) and len(text.encode()) >= HEAD_BYTES - 4:
                return []  # the first record is longer than the head we read: the ingest judges it
            return [Problem("readable", spec.feed, display,
                            f"{spec.feed}: {display}:{number} first record is not JSON; the file cannot be read")]
        if not isinstance(record, dict):
            return [Problem("readable", spec.feed, display,
                            f"{spec.feed}: {display}:{number} first record is not a JSON object")]
        missing = [c for c in spec.required if c not in record]
        if missing:
            return [Problem("columns", spec.feed, display,
                            f"{spec.feed}: {display}:{number} first record lacks required field(s) "
                            f"{', '.join(missing)} ({len(missing)} of {len(spec.required)} missing)")]
        return []
    if spec.kind == "incremental":
        return []
    return [Problem("readable", spec.feed, display, f"{spec.feed}: {display} holds no record")]


def check_volume(con, settings: Settings, spec: FileSpec, display: str, file_date: date, rows_read: int,
                 run_date: date) -> None:
    """A snapshot file's data rows against the previous accepted snapshot of the same file.

    ``ingest.files`` holds only files of dates that succeeded (a failed date is rolled back), so its
    newest earlier row for the entity is the previous accepted snapshot. Records the outcome when
    the drop exceeds the limit (failed, or accepted by the operator with ``--accept-drop``)."""
    from .gates import GateOutcome, record

    row = con.execute(
        "select file, rows_read from ingest.files where entity = ? and file_date < ? "
        "order by file_date desc limit 1", [spec.entity, file_date]).fetchone()
    if row is None or not row[1]:
        return
    previous_file, previous = row[0], int(row[1])
    drop = (previous - rows_read) / previous
    if drop <= settings.max_snapshot_drop:
        return
    name = f"{spec.feed}/{spec.filename}"
    figures = (f"{display} has {rows_read:,} data rows against {previous:,} in the previous accepted snapshot "
               f"{previous_file} (a drop of {drop:.1%}, limit {settings.max_snapshot_drop:.0%} "
               f"STANDARD_PARTS_MAX_SNAPSHOT_DROP)")
    gate = f"inputs.volume.{spec.feed}.{spec.entity}"
    if name in settings.accept_drop:
        record(con, run_date, GateOutcome(gate, True, 1, 0, f"{figures}; accepted by the operator (--accept-drop "
                                                             f"{name})"))
        log.warning("%s: drop accepted by the operator (--accept-drop %s)", figures, name)
        return
    message = (f"{spec.feed}: {figures} for run date {run_date}; if the drop is real, re-run with "
               f"--accept-drop {name}")
    raise InputsRefused(run_date, [Problem("volume", spec.feed, display, message)])


def validate_accept_drop(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``FEED/FILE`` of a snapshot file of the landing contract, else ValueError (a typo must not
    silently accept nothing)."""
    known = {f"{s.feed}/{s.filename}" for s in file_specs() if s.kind == "snapshot"}
    for value in values:
        if value not in known:
            raise ValueError(f"--accept-drop {value!r} names no snapshot file; known: {', '.join(sorted(known))}")
    return tuple(values)
