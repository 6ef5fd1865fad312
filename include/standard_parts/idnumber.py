"""Chinese resident id numbers (GB 11643): 17 digits + an ISO 7064 MOD 11-2 check character.

The SQL twin used by ingestion lives in ``ingest/sql/macros.sql`` (``id_number_ok``); the tests
check that both agree.
"""

from __future__ import annotations

import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str | None) -> bool:
    """18 characters, 17 digits then a digit or upper-case X, with the right check character."""
    if value is None or not _SHAPE.fullmatch(value):
        return False
    return check_character(value[:17]) == value[17]
