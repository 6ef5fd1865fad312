"""The demo city: deterministic synthetic landing data for a Xiamen-like city (SPEC section 3).

``generate_city`` builds the city on the start date (stations, communities, officers, houses,
residents, regulated venues), then lets it live day by day: floating residents arrive and leave,
babies are born, people die or move house, houses are verified, venues are inspected and renew
their licences, officers go on leave. It writes

* the snapshot feeds (``org``, ``population``, ``venues``) on the first day and every
  ``snapshot_every_days`` days after, each the full state on that date;
* the incremental feeds (``antifraud/alerts.jsonl``, ``instructions/instructions.csv``) every day;

with a small share of bad rows of every kind ingestion quarantines (see :mod:`.badrows`).
It never writes ``completions`` (the officer simulator does).

Everything is drawn from numpy ``Generator(PCG64)`` streams seeded by (seed, purpose, day), so the
same arguments give byte-identical files. Encodings: ``venues.csv`` is GB18030 with CRLF line
ends (a Windows export), ``instructions.csv`` UTF-8 with a BOM (an Excel export), the rest UTF-8.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import badrows, idnumbers, people
from .badrows import ALERTS, COMMUNITIES, HOUSES, INSTRUCTIONS, OFFICERS, PERSONS, STATIONS, VENUES
from .boundaries import write_district_boundaries
from .parts import Part, load_parts
from .writer import as_text, write_csv, write_jsonl
from .xiamen import (
    ALERT_SOURCES,
    COMMUNITY_QUALIFIERS,
    COMMUNITY_STEMS,
    DEPARTMENT_ISSUER,
    DEPARTMENTS,
    DISTRICTS,
    ESTATE_STEMS,
    ESTATE_SUFFIXES,
    REASON_QUOTED_VARIANTS,
    REASONS,
    VENUE_LICENCE_PREFIX,
    VENUE_STEMS,
    VENUE_SUFFIXES,
    VENUE_TYPE_SHARE,
    VENUE_TYPES,
)

FULL_SCALE = 5_300_000
FULL_STATIONS = 50
RESIDENTS_PER_COMMUNITY = 4_000
MIN_STATIONS = 6  # one per district
MIN_COMMUNITIES_PER_STATION = 4
PERSONS_PER_HOUSE = 2.3
VENUES_AT_FULL_SCALE = 20_000
MIN_VENUES = 50
ALERTS_AT_FULL_SCALE = 2_000  # per day
INSTRUCTIONS_PER_RESIDENT = 0.00004  # per day (~210 at full scale)
MIN_INSTRUCTIONS = 20
LATE_ALERT_SHARE = 0.04  # raised the previous day, delivered in this day's file



@dataclass(frozen=True)
class Rates:
    """The city's event rates: what its landing files change by from day to day, hence how many
    tasks a night issues. Daily rates are per resident."""

    arrivals: float  # floating residents moving in
    departures: float
    births: float
    deaths: float
    house_moves: float
    floating_stay_days: float  # mean time floating residents on file have lived at their address
    alert_outsider_share: float  # alerts about people not on the city's file (visitors, commuters)
    alert_risk: tuple[float, float, float]  # shares of risk levels 1, 2, 3
    venue_routine_inspection: float  # daily chance a venue not yet overdue is inspected anyway


# The demo's city: a dense, mobile floating population and every alert about a resident, so that a
# 100k-resident month fills its charts (~320 tasks a night, 30x the seed's rate per resident).
DEMO_RATES = Rates(arrivals=0.0004, departures=0.00035, births=0.000025, deaths=0.000016, house_moves=0.0002,
                   floating_stay_days=900, alert_outsider_share=0.0, alert_risk=(0.45, 0.35, 0.20),
                   venue_routine_inspection=0.01)
# The seed's city (what the benchmark measures): ~1,000 tasks a day at 5.3M residents. Floating
# residents on file stay years, few move a day, and most 96110 alerts concern people who do not
# live here or are low risk; venues are mostly inspected before they fall due.
SEED_RATES = Rates(arrivals=0.00003, departures=0.000027, births=0.000025, deaths=0.000016, house_moves=0.00003,
                   floating_stay_days=15000, alert_outsider_share=0.8, alert_risk=(0.60, 0.28, 0.12),
                   venue_routine_inspection=0.05)

USES = ("residential", "rental", "group_rental", "commercial", "vacant")
RESIDENTIAL, RENTAL, GROUP_RENTAL, COMMERCIAL, VACANT = range(5)
USE_SHARE = (0.68, 0.20, 0.02, 0.05, 0.05)
FLOATING_SHARE_BY_USE = np.array([0.25, 0.80, 0.95, 0.70, 0.5])
STATUSES = ("active", "moved_out", "deceased")
ACTIVE, MOVED_OUT, DECEASED = range(3)
ROLES = ("community", "patrol", "leader")
NO_DATE = np.iinfo(np.int32).min  # an empty date
# VENUE-INSPECT's overdue thresholds by venue type (days): entertainment 15, hotel/internet 30, others 90.
INSPECT_DAYS = np.array([30, 30, 15, 90, 90, 90, 90])
SNAPSHOT_FILES = (("org", "stations.csv"), ("org", "communities.csv"), ("org", "officers.csv"),
                  ("population", "houses.csv"), ("population", "persons.csv"), ("venues", "venues.csv"))
REFERENCE_RULE_PARTS = ("HOUSE-OVER10", "FRAUD-DISSUADE", "VENUE-INSPECT", "VENUE-LICENSE", "FLOATING-NEW")
PART_DEPARTMENTS = {
    "HOUSE": ("population", "fire_safety"), "POP": ("population", "criminal_investigation"),
    "FLOATING": ("population",), "FRAUD": ("anti_fraud",), "VENUE": ("public_order",),
    "FIRE": ("fire_safety",), "COMM": ("community_policing",), "DISPUTE": ("community_policing",),
    "CRIM": ("criminal_investigation",), "CI": ("criminal_investigation",),
}
OBJECT_DEPARTMENTS = {
    "house": ("population", "fire_safety"), "person": ("population", "criminal_investigation"),
    "venue": ("public_order", "fire_safety"), "community": ("community_policing",),
}
_HOUR_WEIGHTS = np.array([2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 8, 8, 8, 8, 8, 9, 9, 8, 6, 4], dtype=float)


def _day_str(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _dates(days: np.ndarray) -> pa.Array:
    """Days since epoch (NO_DATE = empty) -> YYYY-MM-DD strings."""
    days = np.asarray(days, dtype=np.int32)
    mask = days == NO_DATE
    arr = pa.array(days, type=pa.int32(), mask=mask if mask.any() else None).cast(pa.date32())
    return arr.cast(pa.string())


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers, vectorised (``H`` + 8 digits -> H00000001)."""
    padded = pa.array(np.asarray(numbers, dtype=np.int64) + 10**width).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_slice_codeunits(padded, 1), "")


def _timestamp(day: int, seconds: int) -> str:
    h, rem = divmod(int(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{_day_str(day)}T{h:02d}:{m:02d}:{s:02d}+08:00"


def _largest_remainder(weights: np.ndarray, total: int, minimum: int = 0) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (each at least ``minimum``)."""
    base = np.full(len(weights), minimum, dtype=np.int64)
    rest = total - base.sum()
    if rest <= 0:
        return base
    exact = weights / weights.sum() * rest
    counts = np.floor(exact).astype(np.int64)
    short = rest - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return base + counts


@dataclass
class _Snapshot:
    """What the newest written snapshots held: department instructions must name objects in them."""

    day: int
    n_persons: int
    status: np.ndarray
    floating: np.ndarray
    moved_in: np.ndarray
    house_use: np.ndarray
    house_active: np.ndarray
    n_venues: int
    venue_open: np.ndarray
    venue_last: np.ndarray
    venue_expiry: np.ndarray


class City:
    def __init__(self, residents: int, start: date, seed: int, bad_row_share: float,
                 max_file_bad_share: float | None, parts: tuple[Part, ...], rates: Rates = DEMO_RATES):
        if residents < 100:
            raise ValueError("residents must be at least 100")
        if seed < 0:
            raise ValueError("seed must be non-negative")
        self.n = residents
        self.seed = seed
        self.share = bad_row_share
        self.cap = max_file_bad_share
        self.rates = rates
        self.parts = parts
        self.day0 = (start - date(1970, 1, 1)).days
        self.rows: dict[str, int] = {}
        self.bad: dict[str, dict[str, int]] = {}
        self.snap: _Snapshot | None = None
        self.today_alert_persons: np.ndarray = np.array([], dtype=np.int64)

    def rng(self, purpose: str, day: int = 0) -> np.random.Generator:
        entropy = [self.seed, zlib.crc32(purpose.encode()), day]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))

    # ------------------------------------------------------------------------------------------
    # Day 0: organisation, houses, residents, venues
    # ------------------------------------------------------------------------------------------

    def build(self) -> None:
        self._build_org()
        self._build_houses()
        self._build_persons()
        self._build_venues()

    def _build_org(self) -> None:
        rng = self.rng("org")
        # Stations interleaved across districts so any prefix of the list covers them fairly.
        order = []
        for di, d in enumerate(DISTRICTS):
            for rank, name in enumerate(d.stations):
                order.append(((rank + 0.5) / len(d.stations), di, rank, name))
        order.sort()
        n_st = int(np.clip(round(FULL_STATIONS * self.n / FULL_SCALE), MIN_STATIONS, len(order)))
        chosen = sorted(order[:n_st], key=lambda x: (x[1], x[2]))
        self.st_district = np.array([c[1] for c in chosen], dtype=np.int64)
        self.st_names = [f"{c[3]}派出所" for c in chosen]
        self.st_ids = [f"ST{i + 1:04d}" for i in range(n_st)]
        per_district = np.bincount(self.st_district, minlength=len(DISTRICTS))
        weight = np.array([DISTRICTS[d].population / per_district[d] for d in self.st_district], dtype=float)
        weight *= rng.uniform(0.75, 1.25, n_st)
        st_pop = weight / weight.sum() * self.n

        # Communities: ~1 per 4,000 residents, at least MIN_COMMUNITIES_PER_STATION per station.
        per_station = np.maximum(MIN_COMMUNITIES_PER_STATION, np.round(st_pop / RESIDENTS_PER_COMMUNITY)).astype(int)
        self.cm_station = np.repeat(np.arange(n_st), per_station)
        n_cm = len(self.cm_station)
        share = rng.gamma(4.0, 1.0, n_cm)
        for s in range(n_st):
            sel = self.cm_station == s
            share[sel] /= share[sel].sum()
        self.cm_pop = share * st_pop[self.cm_station]
        stems = [stem + q for q in COMMUNITY_QUALIFIERS for stem in COMMUNITY_STEMS]
        perm = rng.permutation(len(stems))
        # Unique names: stem + qualifier (莲花五村), numbered past the pool's size.
        self.cm_stem = [stems[perm[i % len(stems)]] + ("" if i < len(stems) else str(i // len(stems) + 1))
                        for i in range(n_cm)]
        self.cm_names = [f"{stem}社区" for stem in self.cm_stem]
        self.cm_ids = [f"CM{i + 1:06d}" for i in range(n_cm)]

        # Officers: leaders and patrol per station; 1-2 community officers per community, except a
        # few communities with no active one (their tasks go to the station and are flagged).
        n_flagged = max(1, round(0.03 * n_cm))
        self.flagged = np.sort(rng.choice(n_cm, n_flagged, replace=False))
        flagged = set(self.flagged.tolist())
        officers: list[tuple[int, int, int, bool]] = []  # (station, community or -1, role, active)
        for s in range(n_st):
            for _ in range(2 + int(rng.random() < 0.5)):  # 所长, 教导员, sometimes a deputy
                officers.append((s, -1, 2, True))
            for _ in range(max(2, round(st_pop[s] / 8000))):
                officers.append((s, -1, 1, bool(rng.random() > 0.05)))
            for c in np.flatnonzero(self.cm_station == s):
                if c in flagged:
                    if rng.random() < 0.5:  # the post is held by an officer on long leave
                        officers.append((s, c, 0, False))
                    continue
                for _ in range(1 + int(rng.random() < 0.35)):
                    officers.append((s, c, 0, True))
                if rng.random() < 0.05:
                    officers.append((s, c, 0, False))
        of_station, of_comm, of_role, of_active = zip(*officers, strict=True)
        self.of_station = np.array(of_station)
        self.of_comm = np.array(of_comm)
        self.of_role = np.array(of_role)
        self.of_active = np.array(of_active)
        n_of = len(of_station)
        self.of_ids = [f"OF{i + 1:05d}" for i in range(n_of)]
        self.of_names = people.names(rng, rng.random(n_of) < 0.8).to_pylist()

    def _build_houses(self) -> None:
        rng = self.rng("houses")
        n_h = max(len(self.cm_ids), round(self.n / PERSONS_PER_HOUSE))
        self.h_comm = np.repeat(np.arange(len(self.cm_ids)),
                                _largest_remainder(self.cm_pop, n_h, minimum=1)).astype(np.int32)
        self.h_use = rng.choice(len(USES), n_h, p=USE_SHARE).astype(np.int8)
        use = self.h_use
        # Some group rentals are crowded: most with more than 10 people, some with 7-10 people in
        # too little space (under 4 m² each, the fire-safety rule).
        u = rng.random(n_h)
        crowded = (use == GROUP_RENTAL) & (u < 0.12)
        over10 = crowded & (u < 0.08)
        occupants = np.select(
            [use == RESIDENTIAL, use == RENTAL, use == GROUP_RENTAL, use == COMMERCIAL],
            [1 + rng.poisson(1.45, n_h), 1 + rng.poisson(1.3, n_h),
             np.where(over10, 11 + rng.poisson(4, n_h),
                      np.where(crowded, 7 + rng.integers(0, 4, n_h), 4 + rng.poisson(2.5, n_h))),
             rng.poisson(0.4, n_h)],
            0,
        ).astype(np.int64)
        big_family = (use == RESIDENTIAL) & (rng.random(n_h) < 0.0005)
        occupants[big_family] = 11 + rng.integers(0, 3, int(big_family.sum()))
        self.occupants = self._fit_total(rng, occupants, self.n, (use == RESIDENTIAL) | (use == RENTAL))

        area = np.select(
            [use == RESIDENTIAL, use == RENTAL, use == COMMERCIAL, use == VACANT],
            [np.clip(rng.lognormal(np.log(85), 0.35, n_h), 25, 300), np.clip(rng.lognormal(np.log(55), 0.4, n_h), 12, 200),
             np.clip(rng.lognormal(np.log(80), 0.6, n_h), 15, 1000), np.clip(rng.lognormal(np.log(85), 0.35, n_h), 25, 300)],
            rng.uniform(40, 120, n_h),
        )
        crowded_now = crowded & (self.occupants >= 2)
        area[crowded_now] = self.occupants[crowded_now] * rng.uniform(2.2, 3.8, int(crowded_now.sum()))
        self.h_area = np.round(area, 1)
        self.h_verified = np.where(rng.random(n_h) < 0.15, NO_DATE,
                                   self.day0 - rng.integers(0, 3 * 365, n_h)).astype(np.int32)
        self.h_ids = _ids("H", np.arange(1, n_h + 1), 8)
        self.h_address = self._addresses(rng)
        # Houses whose owner id is corrupted in every snapshot: their residents are quarantined as
        # parent_quarantined. Small residential houses, never used as targets of moves.
        self.bad_houses = np.array([], dtype=np.int64)
        if self.share > 0:
            small = np.flatnonzero((use == RESIDENTIAL) & (self.occupants >= 1) & (self.occupants <= 4))
            k = min(len(small), max(1, round(n_h * self.share / 200)))
            self.bad_houses = np.sort(rng.choice(small, k, replace=False))
        self.h_good = np.ones(n_h, dtype=bool)
        self.h_good[self.bad_houses] = False

    @staticmethod
    def _fit_total(rng: np.random.Generator, occupants: np.ndarray, total: int, ordinary: np.ndarray) -> np.ndarray:
        """Add or remove residents of ordinary homes until the occupants sum to ``total``."""
        occupants = occupants.copy()
        for _ in range(1000):
            diff = total - int(occupants.sum())
            if diff == 0:
                return occupants
            if diff > 0:
                pool = np.flatnonzero(ordinary & (occupants >= 1) & (occupants < 8))
                if len(pool) == 0:
                    pool = np.arange(len(occupants))
                np.add.at(occupants, rng.choice(pool, diff), 1)
            else:
                pool = np.flatnonzero(ordinary & (occupants >= 2) & (occupants <= 8))
                if len(pool) == 0:
                    pool = np.flatnonzero(occupants >= 1)
                pick = rng.choice(pool, min(-diff, len(pool)), replace=False)
                occupants[pick] -= 1
        raise RuntimeError("could not fit house occupants to the number of residents")

    def _addresses(self, rng: np.random.Generator) -> pa.Array:
        """Apartment addresses (road, number, estate, building, room) and urban-village houses;
        a few typed with a comma, a few with the estate in double quotes, one with a line break."""
        n_h = len(self.h_comm)
        n_cm = len(self.cm_ids)
        district = self.st_district[self.cm_station]  # per community
        # Each community has three roads of its district and three estates.
        first_road = np.cumsum([0] + [len(d.roads) for d in DISTRICTS])
        roads = pa.array([r for d in DISTRICTS for r in d.roads])
        cm_road = np.array([first_road[district[c]] + rng.choice(len(DISTRICTS[district[c]].roads), 3, replace=False)
                            for c in range(n_cm)])
        estates = pa.array([s + x for s in ESTATE_STEMS for x in ESTATE_SUFFIXES])
        cm_estate = rng.integers(0, len(estates), (n_cm, 3))
        pick = rng.integers(0, 3, n_h)
        comm = self.h_comm
        road = roads.take(pa.array(cm_road[comm, pick]))
        estate = estates.take(pa.array(cm_estate[comm, pick]))
        dist = pa.array([d.name for d in DISTRICTS]).take(pa.array(district[comm]))
        village = pa.array(self.cm_stem).take(pa.array(comm))
        no = pa.array(rng.integers(1, 400, n_h)).cast(pa.string())
        bldg = pa.array(rng.integers(1, 30, n_h)).cast(pa.string())
        room = pa.array(rng.integers(1, 33, n_h) * 100 + rng.integers(1, 6, n_h)).cast(pa.string())
        floor = pa.array(rng.integers(1, 8, n_h)).cast(pa.string())
        u = rng.random(n_h)
        in_village = u < np.where(self.h_use == GROUP_RENTAL, 0.9, 0.2)
        style = np.where(in_village, 0, np.where(u > 0.999, 2, np.where(u > 0.95, 1, 0)))  # 1: comma, 2: quotes
        style[rng.integers(0, n_h)] = 3  # pasted with a line break
        in_village[style == 3] = False
        after_no = pa.array(["号", "号, ", '号"', "号\n"]).take(pa.array(style))
        after_estate = pa.array(["", "", '"', ""]).take(pa.array(style))
        apartment = pc.binary_join_element_wise("厦门市", dist, road, no, after_no, estate, after_estate, bldg, "栋",
                                                room, "室", "")
        village_house = pc.binary_join_element_wise("厦门市", dist, village, "社", no, "号", floor, "楼", "")
        return as_text(pc.if_else(pa.array(in_village), village_house, apartment))

    def _build_persons(self) -> None:
        rng = self.rng("persons")
        today = self.day0
        n_h = len(self.h_comm)
        house = np.repeat(np.arange(n_h), self.occupants).astype(np.int32)
        n_active = len(house)
        floating = rng.random(n_active) < FLOATING_SHARE_BY_USE[self.h_use[house]]
        # History: residents who moved out (mostly floating) and who died (mostly old locals).
        n_out, n_dead = round(0.04 * self.n), round(0.006 * self.n)
        old_house = rng.choice(np.flatnonzero(self.h_good), n_out + n_dead).astype(np.int32)
        house = np.concatenate([house, old_house])
        floating = np.concatenate([floating, rng.random(n_out) < 0.7, rng.random(n_dead) < 0.1])
        status = np.concatenate([np.full(n_active, ACTIVE), np.full(n_out, MOVED_OUT),
                                 np.full(n_dead, DECEASED)]).astype(np.int8)
        age = people.ages(rng, floating)
        age[status == DECEASED] = 60 + rng.integers(0, 36, n_dead)
        district = self.st_district[self.cm_station[self.h_comm[house]]]
        p = people.make_people(rng, floating, district, age, today, None, None)

        born_here = (~floating) & (rng.random(len(house)) < 0.4)
        age_days = today - p.birth
        local_move = today - (rng.random(len(house)) * age_days).astype(np.int64)
        adult_days = np.maximum(age_days - 16 * 365, age_days // 2)
        float_move = today - np.minimum(rng.exponential(self.rates.floating_stay_days, len(house)).astype(np.int64), adult_days)
        moved_in = np.where(floating, float_move, np.where(born_here, p.birth, local_move)).astype(np.int32)
        moved_in = np.maximum(moved_in, p.birth)
        left = status != ACTIVE
        moved_in[left] = np.minimum(moved_in[left], today - 30 - rng.integers(0, 3000, int(left.sum())))
        moved_in = np.maximum(moved_in, p.birth)

        self.p_f17 = p.f17
        self.p_ids = p.ids
        self.p_name = p.name
        self.p_male = p.male
        self.p_birth = p.birth
        self.p_phone = p.phone
        self.p_floating = p.floating
        self.p_ethnic = p.ethnic
        self.p_house = house
        self.p_moved_in = moved_in
        self.p_status = status
        self.sorted_f17 = np.sort(p.f17)
        self.sorted_phone = np.sort(p.phone)

        # Owners: the first resident when a local adult, else a landlord (some own several houses).
        first = np.concatenate([[0], np.cumsum(self.occupants)[:-1]])
        has = self.occupants > 0
        first_ok = np.zeros(n_h, dtype=bool)
        idx = first[has]
        first_ok[has] = (~floating[idx]) & (today - p.birth[idx] >= 22 * 365)
        n_land = max(10, n_h // 4)
        lr = self.rng("landlords")
        l_male = lr.random(n_land) < 0.55
        l_birth = people.birth_days(lr, 35 + lr.integers(0, 45, n_land), today)
        l_area = people.area_codes(lr, np.zeros(n_land, dtype=bool),
                                   lr.integers(0, len(DISTRICTS), n_land))
        l_f17 = idnumbers.unique_first17(lr, l_area, l_birth, l_male, self.sorted_f17)
        landlord = lr.integers(0, n_land, n_h)
        owner_f17 = np.where(first_ok, p.f17[np.minimum(first, len(p.f17) - 1)], l_f17[landlord])
        self.h_owner = idnumbers.id_strings(owner_f17)

    def _build_venues(self) -> None:
        rng = self.rng("venues")
        n_v = max(MIN_VENUES, round(VENUES_AT_FULL_SCALE * self.n / FULL_SCALE))
        vtype = rng.choice(len(VENUE_TYPES), n_v, p=VENUE_TYPE_SHARE)
        vtype[: len(VENUE_TYPES)] = np.arange(len(VENUE_TYPES))
        self.v_type = vtype.astype(np.int8)
        self.v_comm = rng.choice(len(self.cm_ids), n_v, p=self.cm_pop / self.cm_pop.sum()).astype(np.int32)
        self.v_name, self.v_licence, self.v_address = [], [], []
        for i in range(n_v):
            self._describe_venue(rng, i)
        self.v_expiry = (self.day0 + rng.integers(-45, 3 * 365, n_v)).astype(np.int32)
        limit = INSPECT_DAYS[self.v_type]
        last = self.day0 - np.floor(rng.random(n_v) * 1.25 * limit).astype(np.int64)
        self.v_last = np.where(rng.random(n_v) < 0.04, NO_DATE, last).astype(np.int32)
        self.v_violations = rng.poisson(0.3, n_v).astype(np.int32)
        self.v_open = np.ones(n_v, dtype=bool)

    def _describe_venue(self, rng: np.random.Generator, i: int) -> None:
        t = int(self.v_type[i])
        district = DISTRICTS[self.st_district[self.cm_station[self.v_comm[i]]]]
        road = district.roads[rng.integers(0, len(district.roads))]
        name = VENUE_STEMS[rng.integers(0, len(VENUE_STEMS))] + VENUE_SUFFIXES[t][rng.integers(0, len(VENUE_SUFFIXES[t]))]
        if rng.random() < 0.3:
            name += f"({road.removesuffix('路').removesuffix('道').removesuffix('街')}店)"
        year = 2015 + int(rng.integers(0, 11))
        self.v_name.append(name)
        self.v_licence.append(f"{VENUE_LICENCE_PREFIX[t]}{district.code}{year}{i + 1:06d}")
        self.v_address.append(f"厦门市{district.name}{road}{int(rng.integers(1, 400))}号")

    # ------------------------------------------------------------------------------------------
    # A day of city life
    # ------------------------------------------------------------------------------------------

    def evolve(self, d: int) -> None:
        today = self.day0 + d
        rng = self.rng("evolve", d)
        self._evolve_persons(rng, today)
        self._evolve_houses(rng, today)
        self._evolve_venues(rng, today)
        # Officers going on or back from leave (patrol officers only: community posts stay stable).
        patrol = np.flatnonzero(self.of_role == 1)
        k = max(1, round(0.005 * len(patrol)))
        flip = rng.choice(patrol, min(k, len(patrol)), replace=False)
        self.of_active[flip] = ~self.of_active[flip]

    def _housing_targets(self) -> np.ndarray:
        return self.h_good & ((self.h_use == RENTAL) | (self.h_use == GROUP_RENTAL))

    def _evolve_persons(self, rng: np.random.Generator, today: int) -> None:
        n = self.n
        active = np.flatnonzero(self.p_status == ACTIVE)
        age_days = today - self.p_birth[active]
        # Departures (floating residents four times as likely) and deaths (the old).
        k_out = min(len(active), int(rng.poisson(n * self.rates.departures)))
        w = np.where(self.p_floating[active], 4.0, 1.0)
        leave = rng.choice(active, k_out, replace=False, p=w / w.sum())
        self.p_status[leave] = MOVED_OUT
        old = active[age_days >= 60 * 365]
        k_dead = min(len(old), int(rng.poisson(n * self.rates.deaths)))
        if k_dead:
            self.p_status[rng.choice(old, k_dead, replace=False)] = DECEASED
        # Moves within the city.
        still = np.flatnonzero(self.p_status == ACTIVE)
        targets = np.flatnonzero(self.h_good & (self.h_use != VACANT) & (self.h_use != COMMERCIAL))
        k_move = min(len(still), int(rng.poisson(n * self.rates.house_moves)))
        movers = rng.choice(still, k_move, replace=False)
        movers = movers[self.h_good[self.p_house[movers]]]
        self.p_house[movers] = rng.choice(targets, len(movers)).astype(np.int32)
        self.p_moved_in[movers] = today - rng.integers(0, 3, len(movers))

        # Arrivals: floating residents renting rooms (group rentals three times as likely).
        rentals = np.flatnonzero(self._housing_targets())
        k_in = int(rng.poisson(n * self.rates.arrivals))
        k_born = int(rng.poisson(n * self.rates.births))
        if len(rentals) == 0:
            k_in = 0
        w = np.where(self.h_use[rentals] == GROUP_RENTAL, 3.0, 1.0)
        house_in = rng.choice(rentals, k_in, p=w / w.sum()) if k_in else np.array([], dtype=np.int64)
        locals_ = still[(~self.p_floating[still]) & self.h_good[self.p_house[still]]]
        house_born = self.p_house[rng.choice(locals_, k_born)] if (k_born and len(locals_)) else np.array([], np.int64)
        k_born = len(house_born)
        house_new = np.concatenate([house_in, house_born]).astype(np.int32)
        if len(house_new) == 0:
            return
        floating = np.concatenate([np.ones(k_in, bool), np.zeros(k_born, bool)])
        age = np.concatenate([people.ages(rng, np.ones(k_in, bool)), np.zeros(k_born, np.int64)])
        district = self.st_district[self.cm_station[self.h_comm[house_new]]]
        p = people.make_people(rng, floating, district, age, today, self.sorted_f17, self.sorted_phone)
        birth = p.birth.copy()
        birth[k_in:] = today - rng.integers(0, 20, k_born)  # babies are registered within weeks
        if k_born:
            f17 = idnumbers.unique_first17(rng, p.f17[k_in:] // 10**11, birth[k_in:], p.male[k_in:],
                                           idnumbers.insert_sorted(self.sorted_f17, p.f17[:k_in]))
            p.f17 = np.concatenate([p.f17[:k_in], f17])
            p.ids = idnumbers.id_strings(p.f17)
        p.birth = birth.astype(np.int32)
        moved_in = np.where(floating, today - rng.integers(0, 5, len(floating)), p.birth)
        moved_in = np.maximum(moved_in, p.birth).astype(np.int32)

        self.p_f17 = np.concatenate([self.p_f17, p.f17])
        self.p_ids = pa.concat_arrays([self.p_ids, p.ids])
        self.p_name = pa.concat_arrays([self.p_name, p.name])
        self.p_male = np.concatenate([self.p_male, p.male])
        self.p_birth = np.concatenate([self.p_birth, p.birth])
        self.p_phone = np.concatenate([self.p_phone, p.phone])
        self.p_floating = np.concatenate([self.p_floating, floating])
        self.p_ethnic = np.concatenate([self.p_ethnic, p.ethnic])
        self.p_house = np.concatenate([self.p_house, house_new])
        self.p_moved_in = np.concatenate([self.p_moved_in, moved_in])
        self.p_status = np.concatenate([self.p_status, np.full(len(house_new), ACTIVE, np.int8)])
        self.sorted_f17 = idnumbers.insert_sorted(self.sorted_f17, p.f17)
        self.sorted_phone = idnumbers.insert_sorted(self.sorted_phone, p.phone)

    def _evolve_houses(self, rng: np.random.Generator, today: int) -> None:
        n_h = len(self.h_comm)
        k = int(rng.poisson(n_h * 0.002))
        if k:
            verified = rng.choice(n_h, k, replace=False)
            self.h_verified[verified] = today - rng.integers(0, 3, k)
        k_use = int(rng.poisson(n_h * 0.0001))
        if k_use:
            change = rng.choice(np.flatnonzero(self.h_good), k_use, replace=False)
            use = self.h_use[change]
            self.h_use[change] = np.where(use == RESIDENTIAL, RENTAL, np.where(use == RENTAL, RESIDENTIAL, use))

    def _evolve_venues(self, rng: np.random.Generator, today: int) -> None:
        n_v = len(self.v_type)
        overdue = (self.v_last == NO_DATE) | (self.v_last < today - INSPECT_DAYS[self.v_type])
        inspected = self.v_open & (rng.random(n_v) < np.where(overdue, 0.08, self.rates.venue_routine_inspection))
        due = np.flatnonzero(self.v_open & overdue)
        if not inspected.any() and len(due):  # a small city still inspects one venue a day
            inspected[rng.choice(due)] = True
        k = int(inspected.sum())
        self.v_last[inspected] = np.maximum(self.v_last[inspected], today - rng.integers(0, 2, k))
        u = rng.random(k)
        new_violations = rng.poisson(1.0, k)
        self.v_violations[inspected] = np.where(u < 0.15, self.v_violations[inspected] + new_violations,
                                                np.where(u < 0.65, 0, self.v_violations[inspected]))
        expiring = self.v_open & (self.v_expiry < today + 30)
        renew = expiring & (rng.random(n_v) < 0.04)
        self.v_expiry[renew] = np.maximum(self.v_expiry[renew], today) + 3 * 365
        # Openings (not yet inspected) and closings.
        k_close = int(rng.poisson(n_v * 0.0003))
        if k_close:
            self.v_open[rng.choice(np.flatnonzero(self.v_open), k_close, replace=False)] = False
        k_open = int(rng.poisson(n_v * 0.0005))
        if k_open:
            t = rng.choice(len(VENUE_TYPES), k_open, p=VENUE_TYPE_SHARE).astype(np.int8)
            comm = rng.choice(len(self.cm_ids), k_open, p=self.cm_pop / self.cm_pop.sum()).astype(np.int32)
            self.v_type = np.concatenate([self.v_type, t])
            self.v_comm = np.concatenate([self.v_comm, comm])
            for i in range(n_v, n_v + k_open):
                self._describe_venue(rng, i)
            self.v_expiry = np.concatenate([self.v_expiry, np.full(k_open, today + 3 * 365, np.int32)])
            self.v_last = np.concatenate([self.v_last, np.full(k_open, NO_DATE, np.int32)])
            self.v_violations = np.concatenate([self.v_violations, np.zeros(k_open, np.int32)])
            self.v_open = np.concatenate([self.v_open, np.ones(k_open, bool)])

    # ------------------------------------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------------------------------------

    def _count(self, file: str, rows: int, planted: dict[str, int]) -> None:
        """Rows written to ``file`` and bad rows planted in it, by kind (a duplicate counts twice)."""
        self.rows[file] = self.rows.get(file, 0) + rows
        bad = self.bad.setdefault(file, {})
        width = {k.name: k.rows for k in badrows.KINDS[file]}
        for kind, n in planted.items():
            if n:
                bad[kind] = bad.get(kind, 0) + n * width.get(kind, 1)

    def _mix(self, rng: np.random.Generator, good: dict[str, pa.Array], bad: list[dict]) -> dict[str, pa.Array]:
        """Good columns with the bad rows (dicts of text) slipped in at random places."""
        if not bad:
            return good
        n = len(next(iter(good.values())))
        b = len(bad)
        at = np.zeros(n + b, dtype=bool)
        at[rng.choice(n + b, b, replace=False)] = True
        order = np.empty(n + b, dtype=np.int64)
        order[~at] = np.arange(n)
        order[at] = n + np.arange(b)
        take = pa.array(order)
        out = {}
        for col, values in good.items():
            text = as_text(values)
            extra = pa.array([row.get(col) for row in bad], type=pa.string())
            out[col] = pa.concat_arrays([text, extra]).take(take)
        return out

    @staticmethod
    def _planted_rows(plan: dict[str, int], make) -> list[dict]:
        """The rows ``make(kind)`` builds for each planted instance, kind by kind."""
        rows: list[dict] = []
        for kind, count in plan.items():
            for _ in range(count):
                rows.extend(make(kind))
        return rows

    def write_snapshots(self, landing: Path, d: int) -> None:
        today = self.day0 + d
        folder = _day_str(today)
        rng = self.rng("bad-snapshots", d)
        self._write_org(landing / "org" / folder, rng, d)
        self._write_houses(landing / "population" / folder, rng, d)
        self._write_persons(landing / "population" / folder, rng, d, today)
        self._write_venues(landing / "venues" / folder, rng, d, today)
        house_active = np.bincount(self.p_house[self.p_status == ACTIVE], minlength=len(self.h_comm))
        self.snap = _Snapshot(
            day=today, n_persons=len(self.p_status), status=self.p_status.copy(), floating=self.p_floating,
            moved_in=self.p_moved_in.copy(), house_use=self.h_use.copy(), house_active=house_active,
            n_venues=len(self.v_type), venue_open=self.v_open.copy(), venue_last=self.v_last.copy(),
            venue_expiry=self.v_expiry.copy(),
        )

    def _write_org(self, folder: Path, rng: np.random.Generator, d: int) -> None:
        counter = iter(range(1, 10**6))
        n_st, n_cm, n_of = len(self.st_ids), len(self.cm_ids), len(self.of_ids)

        def station(kind: str) -> list[dict]:
            base = dict(station_id=f"ST8{next(counter):03d}", station_name="筹建派出所", district="思明区",
                        branch_bureau="思明分局")
            if kind == "missing_name":
                return [{**base, "station_name": ""}]
            return [base, {**base, "station_name": "筹建派出所(重复)"}]

        plan = badrows.plan(rng, STATIONS, n_st, self.share, self.cap, d)
        bad = self._planted_rows(plan, station)
        dist = [DISTRICTS[i] for i in self.st_district]
        cols = self._mix(rng, {
            "station_id": pa.array(self.st_ids), "station_name": pa.array(self.st_names),
            "district": pa.array([x.name for x in dist]), "branch_bureau": pa.array([x.branch for x in dist]),
        }, bad)
        self._count(STATIONS, write_csv(folder / "stations.csv", cols), plan)

        def community(kind: str) -> list[dict]:
            s = int(rng.integers(0, n_st))
            base = dict(community_id=f"CM8{next(counter):05d}", community_name="新设社区", station_id=self.st_ids[s])
            if kind == "unknown_station":
                return [{**base, "station_id": f"ST9{int(rng.integers(0, 1000)):03d}"}]
            if kind == "missing_station":
                return [{**base, "station_id": ""}]
            return [base, {**base, "community_name": "新设社区二"}]

        plan = badrows.plan(rng, COMMUNITIES, n_cm, self.share, self.cap, d)
        bad = self._planted_rows(plan, community)
        cols = self._mix(rng, {
            "community_id": pa.array(self.cm_ids), "community_name": pa.array(self.cm_names),
            "station_id": pa.array([self.st_ids[s] for s in self.cm_station]),
        }, bad)
        self._count(COMMUNITIES, write_csv(folder / "communities.csv", cols), plan)

        def officer(kind: str) -> list[dict]:
            c = int(rng.integers(0, n_cm))
            base = dict(officer_id=f"OF8{next(counter):04d}", officer_name="林警官",
                        station_id=self.st_ids[self.cm_station[c]], community_id=self.cm_ids[c], role="community",
                        active="true")
            if kind == "unknown_community":
                return [{**base, "community_id": f"CM9{int(rng.integers(0, 10**5)):05d}"}]
            if kind == "unknown_station":
                return [{**base, "station_id": f"ST9{int(rng.integers(0, 1000)):03d}", "community_id": "",
                         "role": "patrol"}]
            if kind == "bad_role":
                return [{**base, "role": "chief"}]
            if kind == "community_role_without_community":
                return [{**base, "community_id": ""}]
            if kind == "bad_active":
                return [{**base, "active": "yes"}]
            return [base, {**base, "officer_name": "林警官(重复)"}]

        plan = badrows.plan(rng, OFFICERS, n_of, self.share, self.cap, d)
        bad = self._planted_rows(plan, officer)
        cols = self._mix(rng, {
            "officer_id": pa.array(self.of_ids), "officer_name": pa.array(self.of_names),
            "station_id": pa.array([self.st_ids[s] for s in self.of_station]),
            "community_id": pa.array([self.cm_ids[c] if c >= 0 else "" for c in self.of_comm]),
            "role": pa.array([ROLES[r] for r in self.of_role]),
            "active": pa.array(np.where(self.of_active, "true", "false")),
        }, bad)
        self._count(OFFICERS, write_csv(folder / "officers.csv", cols), plan)
        write_district_boundaries(folder, [DISTRICTS[i].name for i in sorted(set(self.st_district.tolist()))])

    def _write_houses(self, folder: Path, rng: np.random.Generator, d: int) -> None:
        n_h = len(self.h_comm)
        counter = iter(range(1, 10**7))
        owners = self.h_owner
        if len(self.bad_houses):
            # The quarantined parents: the owner id's check character is off by one.
            f17 = np.array([int(s[:17]) for s in owners.take(pa.array(self.bad_houses)).to_pylist()], np.int64)
            wrong = idnumbers.id_strings(f17, (idnumbers.check_index(f17) + 1) % 11)
            mask = np.zeros(n_h, dtype=bool)
            mask[self.bad_houses] = True
            owners = pc.replace_with_mask(owners, pa.array(mask), wrong)
        good_houses = np.flatnonzero(self.h_good)

        def house(kind: str) -> list[dict]:
            h = int(rng.choice(good_houses))
            f17 = next(fake)
            base = dict(house_id=f"H8{next(counter):07d}", address=self.h_address[h].as_py(),
                        community_id=self.cm_ids[self.h_comm[h]], house_use="residential",
                        floor_area_m2="88.5", owner_id_number=idnumbers.id_strings(np.array([f17]))[0].as_py(),
                        verified_on="")
            if kind == "unknown_community":
                return [{**base, "community_id": f"CM9{int(rng.integers(0, 10**5)):05d}"}]
            if kind == "bad_owner_check_character":
                chk = (idnumbers.check_index(np.array([f17]))[0] + 1) % 11
                return [{**base, "owner_id_number": idnumbers.id_strings(np.array([f17]), np.array([chk]))[0].as_py()}]
            if kind == "wrong_length_owner_id":
                return [{**base, "owner_id_number": base["owner_id_number"][:17]}]
            if kind == "bad_house_use":
                return [{**base, "house_use": "palace"}]
            if kind == "bad_verified_on":
                return [{**base, "verified_on": "2026-13-45"}]
            if kind == "bad_floor_area":
                return [{**base, "floor_area_m2": "约90平"}]
            if kind == "missing_address":
                return [{**base, "address": ""}]
            return [base, {**base, "floor_area_m2": "66"}]

        reserved = len(self.bad_houses)
        plan = badrows.plan(rng, HOUSES, n_h, self.share, self.cap, d, reserved=reserved)
        fake = iter(people.fake_ids(rng, sum(plan.values()), self.day0 + d)[0].tolist())
        bad = self._planted_rows(plan, house)
        if reserved:
            plan = {**plan, badrows.PARENT_HOUSE.name: reserved}
        cols = self._mix(rng, {
            "house_id": self.h_ids, "address": self.h_address,
            "community_id": pa.array(self.cm_ids).take(pa.array(self.h_comm)),
            "house_use": pa.array(USES).take(pa.array(self.h_use)),
            "floor_area_m2": pa.array(self.h_area).cast(pa.string()),
            "owner_id_number": owners, "verified_on": _dates(self.h_verified),
        }, bad)
        self._count(HOUSES, write_csv(folder / "houses.csv", cols), plan)

    def _write_persons(self, folder: Path, rng: np.random.Generator, d: int, today: int) -> None:
        n_p = len(self.p_status)
        good_houses = np.flatnonzero(self.h_good)

        def person(kind: str) -> list[dict]:
            i = next(fake)
            f17 = fake_f17[i: i + 1]
            h = int(rng.choice(good_houses))
            phone = str(int(idnumbers.unique_phones(rng, 1, self.sorted_phone)[0]))
            base = dict(id_number=idnumbers.id_strings(f17)[0].as_py(), name="郑志明" if fake_male[i] else "郑丽华",
                        gender="M" if fake_male[i] else "F", birth_date=_day_str(fake_birth[i]), phone=phone,
                        hukou_type="floating", house_id=self.h_ids[h].as_py(),
                        moved_in_on=_day_str(today - int(rng.integers(30, 900))), status="active",
                        ethnicity="汉族")
            if kind == "unknown_house":
                return [{**base, "house_id": f"H9{int(rng.integers(0, 10**7)):07d}"}]
            if kind == "bad_check_character":
                chk = (idnumbers.check_index(f17) + 1) % 11
                return [{**base, "id_number": idnumbers.id_strings(f17, chk)[0].as_py()}]
            if kind == "wrong_length_id":
                return [{**base, "id_number": base["id_number"][:17]}]
            if kind == "bad_phone_length":
                return [{**base, "phone": phone[:10]}]
            if kind == "bad_phone_prefix":
                return [{**base, "phone": f"0592{int(rng.integers(0, 10**7)):07d}"}]
            if kind == "bad_status":
                return [{**base, "status": "gone"}]
            if kind == "bad_birth_date":
                return [{**base, "birth_date": "2026-13-45"}]
            if kind == "bad_moved_in_on":
                return [{**base, "moved_in_on": "yesterday"}]
            if kind == "missing_name":
                return [{**base, "name": ""}]
            if kind == "bad_gender":
                return [{**base, "gender": "U"}]
            return [base, {**base, "name": "郑志强" if fake_male[i] else "郑丽娟"}]

        in_bad_house = int(np.isin(self.p_house, self.bad_houses).sum()) if len(self.bad_houses) else 0
        plan = badrows.plan(rng, PERSONS, n_p, self.share, self.cap, d, reserved=in_bad_house)
        fake_f17, fake_birth, fake_male = people.fake_ids(rng, sum(plan.values()), today)
        fake = iter(range(len(fake_f17)))
        bad = self._planted_rows(plan, person)
        if in_bad_house:
            plan = {**plan, badrows.PARENT_PERSON.name: in_bad_house}
        cols = self._mix(rng, {
            "id_number": self.p_ids, "name": self.p_name,
            "gender": pa.array(["F", "M"]).take(pa.array(self.p_male.astype(np.int8))),
            "birth_date": _dates(self.p_birth), "phone": pa.array(self.p_phone).cast(pa.string()),
            "hukou_type": pa.array(["local", "floating"]).take(pa.array(self.p_floating.astype(np.int8))),
            "house_id": self.h_ids.take(pa.array(self.p_house)), "moved_in_on": _dates(self.p_moved_in),
            "status": pa.array(STATUSES).take(pa.array(self.p_status)),
            "ethnicity": people.ETHNIC_NAMES.take(pa.array(self.p_ethnic)),
        }, bad)
        self._count(PERSONS, write_csv(folder / "persons.csv", cols), plan)

    def _write_venues(self, folder: Path, rng: np.random.Generator, d: int, today: int) -> None:
        open_ = np.flatnonzero(self.v_open)
        counter = iter(range(1, 10**6))

        def venue(kind: str) -> list[dict]:
            i = int(rng.choice(open_))
            base = dict(venue_id=f"V8{next(counter):05d}", venue_name=self.v_name[i] + "(分店)",
                        venue_type=VENUE_TYPES[self.v_type[i]], community_id=self.cm_ids[self.v_comm[i]],
                        license_no=self.v_licence[i] + "B", license_expiry=_day_str(today + 400),
                        last_inspected_on=_day_str(today - 3), open_violations="0", address=self.v_address[i])
            if kind == "unknown_community":
                return [{**base, "community_id": f"CM9{int(rng.integers(0, 10**5)):05d}"}]
            if kind == "bad_venue_type":
                return [{**base, "venue_type": "casino"}]
            if kind == "bad_license_expiry":
                return [{**base, "license_expiry": "2026-13-45"}]
            if kind == "bad_last_inspected_on":
                return [{**base, "last_inspected_on": "yesterday"}]
            if kind == "bad_open_violations":
                return [{**base, "open_violations": "-1"}]
            if kind == "missing_license_no":
                return [{**base, "license_no": ""}]
            return [base, {**base, "open_violations": "2"}]

        plan = badrows.plan(rng, VENUES, len(open_), self.share, self.cap, d)
        bad = self._planted_rows(plan, venue)
        take = pa.array(open_)
        cols = self._mix(rng, {
            "venue_id": _ids("V", open_ + 1, 6),
            "venue_name": pa.array(self.v_name).take(take),
            "venue_type": pa.array(VENUE_TYPES).take(pa.array(self.v_type[open_])),
            "community_id": pa.array(self.cm_ids).take(pa.array(self.v_comm[open_])),
            "license_no": pa.array(self.v_licence).take(take),
            "license_expiry": _dates(self.v_expiry[open_]),
            "last_inspected_on": _dates(self.v_last[open_]),
            "open_violations": pa.array(self.v_violations[open_]).cast(pa.string()),
            "address": pa.array(self.v_address).take(take),
        }, bad)
        # A Windows export: GB18030 with CRLF line ends.
        self._count(VENUES, write_csv(folder / "venues.csv", cols, encoding="gb18030", newline="\r\n"), plan)

    # ------------------------------------------------------------------------------------------
    # Incremental feeds
    # ------------------------------------------------------------------------------------------

    def write_alerts(self, landing: Path, d: int) -> None:
        today = self.day0 + d
        rng = self.rng("alerts", d)
        n = int(rng.poisson(ALERTS_AT_FULL_SCALE * self.n / FULL_SCALE))
        active = np.flatnonzero(self.p_status == ACTIVE)
        age = (today - self.p_birth[active]) / 365.25
        w = np.select([age < 16, age < 36, age >= 60], [0.1, 1.5, 2.0], 1.0)
        victim = rng.choice(active, n, p=w / w.sum()) if len(active) else np.zeros(n, np.int64)
        # An outsider's alert carries no id number and a phone not on file: no resident matches it.
        share = self.rates.alert_outsider_share  # drawn only when used: the demo's city stays as it was
        outsider = rng.random(n) < share if share > 0 else np.zeros(n, dtype=bool)
        has_id = (rng.random(n) >= 0.30) & ~outsider
        own_phone = (rng.random(n) < np.where(has_id, 0.9, 0.75)) & ~outsider
        other_phone = idnumbers.unique_phones(rng, n, self.sorted_phone)
        late = rng.random(n) < LATE_ALERT_SHARE
        hours = rng.choice(24, n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
        secs = hours * 3600 + rng.integers(0, 3600, n)
        secs = np.where(late, 20 * 3600 + rng.integers(0, 4 * 3600, n), secs)
        day_of = np.where(late, today - 1, today)
        order = np.lexsort((secs, day_of))
        alert_type = rng.choice(5, n, p=[0.35, 0.2, 0.2, 0.15, 0.1])
        risk = rng.choice(3, n, p=list(self.rates.alert_risk)) + 1
        amount = np.round(rng.lognormal(7.5 + risk, 1.0), 2)
        no_amount = rng.random(n) < 0.35
        source = rng.integers(0, len(ALERT_SOURCES), n)
        types = ("fraud_call", "fraud_sms", "fraud_app", "suspicious_transfer", "phishing_site")
        ymd = _day_str(today).replace("-", "")
        ids = self.p_ids.take(pa.array(victim)).to_pylist() if n else []
        lines: list[dict | str] = []
        for seq, i in enumerate(order, start=1):
            v = victim[i]
            lines.append({
                "alert_id": f"AL{ymd}{seq:06d}",
                "raised_at": _timestamp(day_of[i], secs[i]),
                "id_number": ids[i] if has_id[i] else None,
                "phone": str(int(self.p_phone[v] if own_phone[i] else other_phone[i])),
                "alert_type": types[alert_type[i]],
                "risk_level": int(risk[i]),
                "amount_at_risk_cny": None if no_amount[i] else float(amount[i]),
                "source": ALERT_SOURCES[source[i]],
            })
        # Persons with a risk >= 2 alert of today matched by id number: FRAUD-DISSUADE candidates.
        hit = has_id & (risk >= 2) & ~late
        self.today_alert_persons = np.unique(victim[hit]) if n else np.array([], np.int64)

        counter = iter(range(len(lines) + 1, 10**6))

        def alert(kind: str) -> list[dict | str]:
            f17 = np.array([next(fake)])
            base = {
                "alert_id": f"AL{ymd}{next(counter):06d}",
                "raised_at": _timestamp(today, int(rng.integers(0, 86400))),
                "id_number": idnumbers.id_strings(f17)[0].as_py(),
                "phone": str(int(idnumbers.unique_phones(rng, 1, self.sorted_phone)[0])),
                "alert_type": "fraud_call", "risk_level": 2, "amount_at_risk_cny": 5000.0, "source": "96110",
            }
            if kind == "invalid_json":
                return [json.dumps(base, ensure_ascii=False)[:-25]]  # a truncated line
            if kind == "bad_check_character":
                chk = (idnumbers.check_index(f17) + 1) % 11
                return [{**base, "id_number": idnumbers.id_strings(f17, chk)[0].as_py()}]
            if kind == "wrong_length_id":
                return [{**base, "id_number": base["id_number"] + "0"}]
            if kind == "bad_phone":
                return [{**base, "phone": base["phone"][:10]}]
            if kind == "bad_risk_level":
                return [{**base, "risk_level": 5}]
            if kind == "bad_alert_type":
                return [{**base, "alert_type": "lottery"}]
            if kind == "bad_raised_at":
                return [{**base, "raised_at": "yesterday"}]
            if kind == "bad_raised_at_calendar":
                return [{**base, "raised_at": _day_str(today)[:4] + "-13-45T10:00:00+08:00"}]
            if kind == "missing_phone":
                return [{**base, "phone": None}]
            if kind == "bad_amount":
                return [{**base, "amount_at_risk_cny": "lots"}]
            return [base, {**base, "risk_level": 3}]

        plan = badrows.plan(rng, ALERTS, len(lines), self.share, self.cap, d)
        fake = iter(people.fake_ids(rng, sum(plan.values()), today)[0].tolist())
        bad = self._planted_rows(plan, alert)
        for row in bad:
            lines.insert(int(rng.integers(0, len(lines) + 1)), row)
        self._count(ALERTS, write_jsonl(landing / "antifraud" / _day_str(today) / "alerts.jsonl", lines), plan)

    def write_instructions(self, landing: Path, d: int) -> None:
        today = self.day0 + d
        rng = self.rng("instructions", d)
        snap = self.snap
        assert snap is not None
        n_p = snap.n_persons
        good_person = (snap.status == ACTIVE) & self.h_good[self.p_house[:n_p]]
        persons = np.flatnonzero(good_person)
        houses = np.flatnonzero(self.h_good)
        venues = np.flatnonzero(snap.venue_open)
        vtype = self.v_type[: snap.n_venues]
        # Objects the reference rules will request today, so instructions can merge with them.
        use = snap.house_use
        crowded = self.h_good & ((snap.house_active > 10) | (
            ((use == RENTAL) | (use == GROUP_RENTAL)) & (snap.house_active >= 1)
            & (self.h_area < 4 * snap.house_active)))
        candidates = {
            "HOUSE-OVER10": np.flatnonzero(crowded),
            "FRAUD-DISSUADE": self.today_alert_persons[
                (self.today_alert_persons < n_p) & good_person[np.minimum(self.today_alert_persons, n_p - 1)]],
            "VENUE-INSPECT": np.flatnonzero(snap.venue_open & (
                (snap.venue_last == NO_DATE) | (snap.venue_last < today - INSPECT_DAYS[vtype]))),
            "VENUE-LICENSE": np.flatnonzero(snap.venue_open & (snap.venue_expiry < today + 30)),
            "FLOATING-NEW": np.flatnonzero(good_person & snap.floating[:n_p] & (snap.moved_in >= today - 6)
                                           & (snap.moved_in <= today)),
        }
        pool = {"house": houses, "person": persons, "venue": venues,
                "community": np.arange(len(self.cm_ids))}
        parts = [p for p in self.parts if len(pool[p.object_type])]
        by_id = {p.id: p for p in parts}

        def object_id(object_type: str, i: int) -> str:
            if object_type == "house":
                return self.h_ids[int(i)].as_py()
            if object_type == "person":
                return self.p_ids[int(i)].as_py()
            if object_type == "venue":
                return f"V{int(i) + 1:06d}"
            return self.cm_ids[int(i)]

        def departments(part: Part) -> tuple[str, ...]:
            known = tuple(x for x in part.departments if x in DEPARTMENTS)
            return known or PART_DEPARTMENTS.get(part.id.split("-")[0], OBJECT_DEPARTMENTS[part.object_type])

        def reason(part: Part) -> str:
            name = part.name_zh or part.id
            texts = REASONS.get(part.id) or (f"请开展{name}工作", f"专项工作部署：请按标准件要求开展{name}",
                                            f"上级交办：请开展{name}，按时反馈")
            text = texts[int(rng.integers(0, len(texts)))]
            if rng.random() < 0.05:
                text = REASON_QUOTED_VARIANTS[int(rng.integers(0, len(REASON_QUOTED_VARIANTS)))] + text
            return text

        picks: list[tuple[Part, str, str]] = []  # (part, department, object id)
        lam = max(MIN_INSTRUCTIONS, self.n * INSTRUCTIONS_PER_RESIDENT)
        for _ in range(int(rng.poisson(lam))):
            part = parts[int(rng.integers(0, len(parts)))]
            deps = departments(part)
            obj = pool[part.object_type][int(rng.integers(0, len(pool[part.object_type])))]
            picks.append((part, deps[int(rng.integers(0, len(deps)))], object_id(part.object_type, obj)))
        # Requests for what a rule will also request today (merged into one task), sometimes from
        # two departments at once.
        for part_id in REFERENCE_RULE_PARTS:
            part, found = by_id.get(part_id), candidates[part_id]
            if part is None or not len(found):
                continue
            for _ in range(int(rng.poisson(max(0.8, lam * 0.05)))):
                obj = object_id(part.object_type, found[int(rng.integers(0, len(found)))])
                deps = departments(part)
                picks.append((part, deps[int(rng.integers(0, len(deps)))], obj))
                if rng.random() < 0.3:
                    other = [x for x in DEPARTMENTS if x != picks[-1][1]]
                    picks.append((part, other[int(rng.integers(0, len(other)))], obj))

        secs = np.sort(8 * 3600 + rng.integers(0, 13 * 3600, len(picks)))
        order = rng.permutation(len(picks))
        ymd = _day_str(today).replace("-", "")
        rows = []
        for seq, (k, s) in enumerate(zip(order, secs, strict=True), start=1):
            part, dep, obj = picks[k]
            rows.append(dict(instruction_id=f"IN{ymd}{seq:05d}", department=dep, standard_part_id=part.id,
                             object_type=part.object_type, object_id=obj, reason=reason(part),
                             issued_at=_timestamp(today, s), issuer=DEPARTMENT_ISSUER[dep]))

        counter = iter(range(len(rows) + 1, 10**6))
        fake_f17, _, _ = people.fake_ids(rng, 16, today, min_age=110)  # nobody else is that old

        def instruction(kind: str) -> list[dict]:
            part = parts[int(rng.integers(0, len(parts)))]
            obj = object_id(part.object_type, pool[part.object_type][int(rng.integers(0, len(pool[part.object_type])))])
            base = dict(instruction_id=f"IN{ymd}{next(counter):05d}", department=departments(part)[0],
                        standard_part_id=part.id, object_type=part.object_type, object_id=obj,
                        reason=reason(part), issued_at=_timestamp(today, int(rng.integers(8 * 3600, 20 * 3600))),
                        issuer=DEPARTMENT_ISSUER[departments(part)[0]])
            if kind == "unknown_object":
                unknown = {"house": f"H9{int(rng.integers(0, 10**7)):07d}", "venue": f"V9{int(rng.integers(0, 10**5)):05d}",
                           "community": f"CM9{int(rng.integers(0, 10**5)):05d}",
                           "person": idnumbers.id_strings(fake_f17[:1])[0].as_py()}
                return [{**base, "object_id": unknown[part.object_type]}]
            if kind == "object_type_mismatch":
                other = next((p for p in parts if p.object_type != part.object_type), None)
                if other is None:
                    return [{**base, "object_type": "community", "object_id": self.cm_ids[0]}]
                return [{**base, "standard_part_id": other.id}]
            if kind == "unknown_part":
                return [{**base, "standard_part_id": part.id + "-X"}]
            if kind == "bad_object_type":
                return [{**base, "object_type": "building"}]
            if kind == "bad_issued_at":
                return [{**base, "issued_at": "yesterday"}]
            if kind == "missing_reason":
                return [{**base, "reason": ""}]
            return [base, {**base, "reason": base["reason"] + "(重复发送)"}]

        plan = badrows.plan(rng, INSTRUCTIONS, len(rows), self.share, self.cap, d)
        bad = self._planted_rows(plan, instruction)
        names = ("instruction_id", "department", "standard_part_id", "object_type", "object_id", "reason",
                 "issued_at", "issuer")
        cols = self._mix(rng, {c: pa.array([r[c] for r in rows], type=pa.string()) for c in names}, bad)
        path = landing / "instructions" / _day_str(today) / "instructions.csv"
        # An Excel export: UTF-8 with a byte-order mark.
        self._count(INSTRUCTIONS, write_csv(path, cols, encoding="utf-8-sig"), plan)


def generate_city(landing: Path, residents: int, start: date, days: int, seed: int = 42,
                  bad_row_share: float = 0.002, snapshot_every_days: int = 1, progress: bool = True,
                  *, max_file_bad_share: float | None = 0.04, parts: tuple[Part, ...] | None = None,
                  rates: Rates = DEMO_RATES) -> dict:
    """Write ``days`` days of landing files for a city of ``residents`` residents from ``start``.

    ``bad_row_share`` of each file's rows (at least one of each planted kind while it is positive)
    are bad rows that ingestion must quarantine; ``max_file_bad_share`` caps them per file (None:
    no cap) so the default 5% ingest gate passes. Returns row counts per file, the planted bad
    rows per file and kind with the reason ingestion should give, and the speed.

    Files of the dates generated are overwritten; a snapshot file an earlier generation left on a
    date that now gets none is removed (it would shadow this city's snapshot). Other dates and the
    ``completions`` feed are left alone.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if snapshot_every_days < 1:
        raise ValueError("snapshot_every_days must be at least 1")
    if not 0 <= bad_row_share < 1:
        raise ValueError("bad_row_share must be in [0, 1)")
    from tqdm import tqdm

    began = time.perf_counter()
    landing = Path(landing)
    city = City(residents, start, seed, bad_row_share, max_file_bad_share, parts or load_parts(), rates)
    steps = 1 + days * 3
    removed = 0
    with tqdm(total=steps, desc="demo city", unit="step", disable=not progress, leave=False) as bar:
        bar.set_postfix_str("building")
        city.build()
        bar.update(1)
        for d in range(days):
            day = start + timedelta(days=d)
            if d:
                city.evolve(d)
            if d % snapshot_every_days == 0:
                bar.set_postfix_str(f"{day} snapshots")
                city.write_snapshots(landing, d)
            else:
                # A snapshot left here by an earlier generation would shadow this city's newest one.
                for feed, name in SNAPSHOT_FILES:
                    stale = landing / feed / day.isoformat() / name
                    if stale.is_file():
                        stale.unlink()
                        removed += 1
            bar.update(1)
            bar.set_postfix_str(f"{day} alerts")
            city.write_alerts(landing, d)
            bar.update(1)
            bar.set_postfix_str(f"{day} instructions")
            city.write_instructions(landing, d)
            bar.update(1)
    seconds = time.perf_counter() - began
    total = sum(city.rows.values())
    feeds: dict[str, int] = {}
    for file, n in city.rows.items():
        feeds[file.split("/")[0]] = feeds.get(file.split("/")[0], 0) + n
    return {
        "landing": str(landing),
        "residents": residents,
        "start": start.isoformat(),
        "days": days,
        "seed": seed,
        "snapshot_every_days": snapshot_every_days,
        "stations": len(city.st_ids),
        "communities": len(city.cm_ids),
        "communities_without_active_officer": [city.cm_ids[c] for c in city.flagged],
        "officers": len(city.of_ids),
        "houses": len(city.h_comm),
        "persons": len(city.p_status),
        "venues": len(city.v_type),
        "parts": len(city.parts),
        "rows": dict(sorted(city.rows.items())),
        "rows_per_feed": dict(sorted(feeds.items())),
        "bad_rows": {f: dict(sorted(k.items())) for f, k in sorted(city.bad.items())},
        "bad_row_reasons": badrows.EXPECTED_REASON,
        "rows_total": total,
        "stale_snapshots_removed": removed,
        "seconds": round(seconds, 3),
        "rows_per_second": round(total / seconds) if seconds > 0 else None,
    }


__all__ = ["City", "generate_city"]
