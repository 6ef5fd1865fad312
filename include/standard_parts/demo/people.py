"""Vectorised people: names, sexes, ages, id numbers and phones for the demo city."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from faker.providers.person.zh_CN import Provider as _ZhNames

from . import idnumbers
from .xiamen import DISTRICTS, ETHNICITIES, ORIGINS

# Name pools, read once from Faker's zh_CN data (calling Faker per row would be far too slow).
_SURNAMES = pa.array(list(_ZhNames.last_names.keys()))
_SURNAME_P = np.array(list(_ZhNames.last_names.values()), dtype=float)
_SURNAME_P /= _SURNAME_P.sum()
_MALE = pa.array(list(_ZhNames.first_names_male))
_FEMALE = pa.array(list(_ZhNames.first_names_female))
_SINGLE_MALE = pa.array([n for n in _ZhNames.first_names_male if len(n) == 1])
_SINGLE_FEMALE = pa.array([n for n in _ZhNames.first_names_female if len(n) == 1])

ETHNIC_NAMES = pa.array([e for e, _ in ETHNICITIES])
_ETHNIC_P = np.array([p for _, p in ETHNICITIES])
_ETHNIC_P /= _ETHNIC_P.sum()

XIAMEN_CODES = np.array([d.code for d in DISTRICTS], dtype=np.int64)
_PROVINCE_P = np.array([w for _, w, _ in ORIGINS])
_PROVINCE_P /= _PROVINCE_P.sum()
# Never given to a real resident: marks the made-up people of bad rows and unknown objects.
FAKE_AREA = 350200

# Age bands (years, inclusive) and their shares, for locals and for floating residents.
_BANDS = np.array([[0, 14], [15, 24], [25, 44], [45, 59], [60, 74], [75, 95]])
_LOCAL_BAND_P = np.array([0.15, 0.11, 0.34, 0.22, 0.13, 0.05])
_FLOATING_BAND_P = np.array([0.08, 0.18, 0.52, 0.18, 0.04, 0.0])


def names(rng: np.random.Generator, male: np.ndarray) -> pa.Array:
    """Chinese full names: a weighted surname and a one- or two-character given name."""
    n = len(male)
    surname = _SURNAMES.take(pa.array(rng.choice(len(_SURNAMES), n, p=_SURNAME_P)))
    pool_m = _MALE.take(pa.array(rng.integers(0, len(_MALE), n)))
    pool_f = _FEMALE.take(pa.array(rng.integers(0, len(_FEMALE), n)))
    second_m = _SINGLE_MALE.take(pa.array(rng.integers(0, len(_SINGLE_MALE), n)))
    second_f = _SINGLE_FEMALE.take(pa.array(rng.integers(0, len(_SINGLE_FEMALE), n)))
    is_male = pa.array(male)
    given = pc.if_else(is_male, pool_m, pool_f)
    two = pc.if_else(is_male, second_m, second_f)
    # Half the given names get a second single character when the first is single too.
    add_second = pa.array(rng.random(n) < 0.5) if n else pa.array([], pa.bool_())
    add_second = pc.and_(add_second, pc.equal(pc.utf8_length(given), 1))
    given = pc.if_else(add_second, pc.binary_join_element_wise(given, two, ""), given)
    return pc.binary_join_element_wise(surname, given, "")


def ages(rng: np.random.Generator, floating: np.ndarray) -> np.ndarray:
    """Age in whole years, from the local or the floating age profile."""
    n = len(floating)
    band = np.where(floating, rng.choice(len(_BANDS), n, p=_FLOATING_BAND_P),
                    rng.choice(len(_BANDS), n, p=_LOCAL_BAND_P))
    lo, hi = _BANDS[band, 0], _BANDS[band, 1]
    return lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)


def birth_days(rng: np.random.Generator, age_years: np.ndarray, today: int) -> np.ndarray:
    """Birth date (days since epoch) of someone ``age_years`` old on ``today``."""
    return (today - np.floor(age_years * 365.25).astype(np.int64) - rng.integers(0, 365, len(age_years))).astype(
        np.int32)


def area_codes(rng: np.random.Generator, floating: np.ndarray, district: np.ndarray) -> np.ndarray:
    """Locals mostly carry their district's code (some another Xiamen district's); floating
    residents carry a county code of their home province."""
    n = len(floating)
    local = XIAMEN_CODES[district]
    elsewhere = XIAMEN_CODES[rng.integers(0, len(XIAMEN_CODES), n)]
    local = np.where(rng.random(n) < 0.85, local, elsewhere)
    province = rng.choice(len(ORIGINS), n, p=_PROVINCE_P)
    pick = rng.random(n)
    origin = np.empty(n, dtype=np.int64)
    for i, (_, _, codes) in enumerate(ORIGINS):
        sel = province == i
        origin[sel] = np.array(codes, dtype=np.int64)[(pick[sel] * len(codes)).astype(np.int64)]
    return np.where(floating, origin, local)


def ethnicities(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(len(ETHNIC_NAMES), n, p=_ETHNIC_P).astype(np.int8)


@dataclass
class People:
    """Columns of a batch of new people (numpy, plus Arrow strings for ids and names)."""

    f17: np.ndarray
    ids: pa.Array
    name: pa.Array
    male: np.ndarray
    birth: np.ndarray
    phone: np.ndarray
    floating: np.ndarray
    ethnic: np.ndarray


def make_people(rng: np.random.Generator, floating: np.ndarray, district: np.ndarray, age_years: np.ndarray,
                today: int, taken_ids: np.ndarray | None, taken_phones: np.ndarray | None) -> People:
    n = len(floating)
    male = rng.random(n) < np.where(floating, 0.54, 0.51)
    birth = birth_days(rng, age_years, today)
    area = area_codes(rng, floating, district)
    f17 = idnumbers.unique_first17(rng, area, birth, male, taken_ids)
    phone = idnumbers.unique_phones(rng, n, taken_phones)
    return People(f17=f17, ids=idnumbers.id_strings(f17), name=names(rng, male), male=male, birth=birth,
                  phone=phone, floating=floating.astype(bool), ethnic=ethnicities(rng, n))


def fake_ids(rng: np.random.Generator, n: int, today: int, min_age: int = 20
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` distinct valid first-17 numbers of people who are not residents (area FAKE_AREA),
    aged ``min_age`` to ``min_age`` + 49. Returns (first17, birth days, male)."""
    male = rng.random(n) < 0.5
    birth = birth_days(rng, min_age + rng.integers(0, 50, n), today)
    f17 = idnumbers.unique_first17(rng, np.full(n, FAKE_AREA, dtype=np.int64), birth, male)
    return f17, birth, male
