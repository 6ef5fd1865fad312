"""Vectorised id numbers and phone numbers for the demo city.

The scalar rule (GB 11643, ISO 7064 MOD 11-2) lives in :mod:`standard_parts.idnumber`; this module
applies the same weights to numpy arrays. The first 17 characters of an id number are held as one
int64 (area code, birth date YYYYMMDD, 3-digit sequence whose last digit is odd for men), which
fits: the largest area code starts with 6, so the value stays below 7e16.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..idnumber import CHECK_CHARACTERS, WEIGHTS
from .xiamen import PHONE_PREFIXES

_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_POW10 = 10 ** np.arange(16, -1, -1, dtype=np.int64)  # digit k of a 17-digit number = n // 10**(16-k) % 10
CHECKS = pa.array(list(CHECK_CHARACTERS))
EPOCH = np.datetime64("1970-01-01", "D")


def ymd(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 -> int64 YYYYMMDD."""
    d = days.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    dd = (d - months).astype(np.int64) + 1
    return y * 10_000 + m * 100 + dd


def first17(area: np.ndarray, birth_days: np.ndarray, seq: np.ndarray) -> np.ndarray:
    return area.astype(np.int64) * 10**11 + ymd(birth_days) * 1000 + seq.astype(np.int64)


def check_index(f17: np.ndarray) -> np.ndarray:
    """Index into CHECK_CHARACTERS of each number's check character."""
    total = np.zeros(len(f17), dtype=np.int64)
    for k in range(17):
        total += (f17 // _POW10[k]) % 10 * _WEIGHTS[k]
    return total % 11


def id_strings(f17: np.ndarray, check: np.ndarray | None = None) -> pa.Array:
    """18-character id numbers; ``check`` overrides the check-character index (to make bad ones)."""
    if check is None:
        check = check_index(f17)
    return pc.binary_join_element_wise(pa.array(f17).cast(pa.string()), CHECKS.take(pa.array(check)), "")


def draw_sequences(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """3-digit sequence numbers; the last digit is odd for men, even for women."""
    return rng.integers(0, 500, len(male)) * 2 + male.astype(np.int64)


def unique_first17(rng: np.random.Generator, area: np.ndarray, birth_days: np.ndarray, male: np.ndarray,
                   taken: np.ndarray | None = None) -> np.ndarray:
    """First-17 numbers unique among themselves and absent from the sorted array ``taken``.

    Collisions (same area, birth date and sequence) are redrawn until none is left; with 500
    sequences per area, date and sex they are rare and the loop ends in a few rounds.
    """
    return _unique(first17(area, birth_days, draw_sequences(rng, male)),
                   lambda idx: first17(area[idx], birth_days[idx], draw_sequences(rng, male[idx])), taken)


def unique_phones(rng: np.random.Generator, n: int, taken: np.ndarray | None = None) -> np.ndarray:
    """11-digit mobile numbers (int64) with real prefixes, unique and absent from sorted ``taken``."""
    prefixes = np.array(PHONE_PREFIXES, dtype=np.int64)

    def draw(k: int) -> np.ndarray:
        return prefixes[rng.integers(0, len(prefixes), k)] * 10**8 + rng.integers(0, 10**8, k)

    return _unique(draw(n), lambda idx: draw(len(idx)), taken)


def _unique(values: np.ndarray, redraw, taken: np.ndarray | None) -> np.ndarray:
    """Redraw (``redraw(indices)``) the values that repeat or are taken until all are unique.

    One full sort finds the first clashes; later rounds only check the few redrawn values.
    """
    clash = _clashes(values, taken)
    idx = np.flatnonzero(clash)
    if len(idx) == 0:
        return values
    kept = np.sort(values[~clash])
    for _ in range(200):
        new = redraw(idx)
        bad = _clashes(new, taken) | _in_sorted(new, kept)
        values[idx] = new
        kept = insert_sorted(kept, new[~bad])
        idx = idx[bad]
        if len(idx) == 0:
            return values
    raise RuntimeError("could not draw unique values (too many people born on one day in one area?)")


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray | None) -> np.ndarray:
    if sorted_values is None or len(sorted_values) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[pos] == values


def _clashes(values: np.ndarray, taken: np.ndarray | None) -> np.ndarray:
    """True for every value seen earlier in ``values`` (in sorted order) or present in sorted ``taken``."""
    clash = np.zeros(len(values), dtype=bool)
    if len(values) == 0:
        return clash
    order = np.argsort(values, kind="stable")
    s = values[order]
    dup = np.empty(len(s), dtype=bool)
    dup[0] = False
    dup[1:] = s[1:] == s[:-1]
    clash[order[dup]] = True
    return clash | _in_sorted(values, taken)


def insert_sorted(sorted_values: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``sorted_values`` with ``new`` merged in, still sorted."""
    new = np.sort(new)
    return np.insert(sorted_values, np.searchsorted(sorted_values, new), new)
