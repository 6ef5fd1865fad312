"""Business time: the one owner of the local zone and of the instants the SPEC derives from a date.

Local time is the zone of ``Settings.timezone`` (env ``STANDARD_PARTS_TIMEZONE``; default
``Asia/Shanghai``, i.e. +08:00, as SPEC section 3 assumes). Every date of the pipeline (run date,
file date, as_of date) is a local date, and:

* a date's **as_of** instant (SPEC 6) is 23:59:59 local of that date (:func:`as_of_at`);
* a run date's **issued_at** (SPEC 5) is 08:00 local of that date (:func:`issued_at`), and
  ``due_at = issued_at + due_hours`` counts real hours (:func:`due_at`);
* an instant falls on the local date of its wall time in the zone (:func:`local_date`);
* timestamps handed to officers and partner departments are ISO 8601 with the zone's offset at that
  instant, to the second (:func:`local_iso`, e.g. ``2026-10-01T08:00:00+08:00``).

SQL gets the same rules from ``sql/business_time.sql``: :func:`configure` sets a DuckDB connection's
``TimeZone`` to the zone and defines the macros ``local_ts``, ``local_date``, ``local_instant``,
``as_of_at``, ``issued_at_of`` and ``local_iso`` on it (temporary, per connection). Every connection
that runs the pipeline's SQL is configured through ``store.configure`` or this function. The dbt
project does the same with ``dbt/macros/local_time.sql`` (the zone arrives as ``var('timezone')``).

Only this module, ``config.py``'s default and ``dbt/profiles.yml`` name the default zone; the demo
generator (``demo/``) keeps its own literals (it writes landing files as a city in +08:00 would).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"
ENV_VAR = "STANDARD_PARTS_TIMEZONE"  # what Settings.timezone is read from (env_prefix + field name)

ISSUE_TIME = time(8, 0)  # SPEC 5: tasks are issued at 08:00 local of the run date
END_OF_DAY = time(23, 59, 59)  # SPEC 6: as_of is the end of a date, 23:59:59 local

MACROS_SQL = "sql/business_time.sql"

Zone = str | ZoneInfo | None


def zone(tz: Zone = None) -> ZoneInfo:
    """The zone named ``tz`` (``None``: the default zone). An unknown name raises ``ValueError``."""
    if isinstance(tz, ZoneInfo):
        return tz
    name = DEFAULT_TIMEZONE if tz is None else str(tz)
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Berlin or UTC)") from exc


def zone_name_from_environment() -> str:
    """The zone ``Settings().timezone`` would hold, without building the settings: for DAG files,
    which parse in milliseconds and must not fail on settings a task alone needs."""
    return os.environ.get(ENV_VAR) or DEFAULT_TIMEZONE


def at_local(d: date, wall: time, tz: Zone = None) -> datetime:
    """The instant of the local wall time ``wall`` on date ``d``."""
    return datetime.combine(d, wall, tzinfo=zone(tz))


def as_of_at(d: date, tz: Zone = None) -> datetime:
    """SPEC 6: the as_of instant of a date, 23:59:59 local (also the end of a landing file's date:
    nothing in a file may have happened later)."""
    return at_local(d, END_OF_DAY, tz)


def issued_at(run_date: date, tz: Zone = None) -> datetime:
    """SPEC 5: a run date's issued_at, 08:00 local."""
    return at_local(run_date, ISSUE_TIME, tz)


def due_at(run_date: date, due_hours: int, tz: Zone = None) -> datetime:
    """SPEC 5: issued_at + due_hours real hours (across a DST change too, as DuckDB's
    ``issued_at + to_hours(due_hours)``), in local time."""
    return (issued_at(run_date, tz).astimezone(UTC) + timedelta(hours=due_hours)).astimezone(zone(tz))


def local_time(ts: datetime, tz: Zone = None) -> datetime:
    """An instant in local time (a naive ``ts`` is refused: its zone would be a guess)."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"{ts!r} has no zone; business times are instants")
    return ts.astimezone(zone(tz))


def local_date(ts: datetime, tz: Zone = None) -> date:
    """The local date an instant falls on."""
    return local_time(ts, tz).date()


def local_iso(ts: datetime, tz: Zone = None) -> str:
    """ISO 8601 to the second with the zone's offset at that instant: ``2026-10-01T08:00:00+08:00``
    (the same text as the SQL macro ``local_iso``)."""
    return local_time(ts, tz).isoformat(timespec="seconds")


def local_minute(ts: datetime | None, tz: Zone = None, none: str = "—") -> str:
    """Local wall time to the minute, ``2026-10-01 08:00``, for pages (``none`` for a missing value)."""
    return none if ts is None else local_time(ts, tz).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------------------------------ DuckDB

def configure(con, tz: Zone = None) -> None:
    """Make ``tz`` the business zone of a DuckDB connection: its ``TimeZone`` (casts of timestamptz
    to date or timestamp, strftime) and the macros of ``sql/business_time.sql``, which read it.
    Works on read-only connections too (the macros are temporary)."""
    name = zone(tz).key
    if "'" in name:  # ZoneInfo keys are paths of tz data files; never quote characters
        raise ValueError(f"unusable time zone name {name!r}")
    con.execute(f"set TimeZone = '{name}'")
    con.execute(files("standard_parts").joinpath(MACROS_SQL).read_text(encoding="utf-8"))


def connection_zone(con) -> ZoneInfo:
    """The business zone a configured DuckDB connection uses."""
    return zone(con.execute("select current_setting('TimeZone')").fetchone()[0])
