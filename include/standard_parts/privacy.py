"""How persons' data is disguised: keyed pseudonyms and the masks (脱敏) shown to people.

Pseudonyms: persons leave the operational store only as HMAC-SHA256 of their id number. The key
comes from the settings (``STANDARD_PARTS_PSEUDONYM_KEY``); without the key a pseudonym cannot be
linked back to a person, and rotating the key re-keys every pseudonym (SECURITY.md).

Masks: three readers see three masks, on purpose, and their outputs are pinned by tests:

* :func:`mask_id_for_officer`: id numbers in an officer's package keep the area prefix and the last
  4 characters (the officer has to tell the person at the door apart); 8 or fewer: all stars.
* :func:`mask_value`: any value of a personal-data column in a gate result (GX pages, logs, error
  messages) keeps 3 + 2 characters; 5 or fewer: all stars (a short value may be a whole name).
* :func:`mask_finding`: what ``pii-scan`` shows of a value it found keeps 3 + 2 characters; 5 or
  fewer keep their first character (张**), so the reviewer can still tell which name was found.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(key: bytes, id_number: str) -> str:
    return "P" + hmac.new(key, id_number.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def _keep_ends(text: str, head: int, tail: int, short_head: int) -> str:
    if len(text) > head + tail:
        return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]
    return text[:short_head] + "*" * (len(text) - short_head)


def mask_id_for_officer(value: str) -> str:
    """An id number as an officer's package shows it: area prefix and last 4 characters."""
    return _keep_ends(value, 4, 4, 0)


def mask_value(value) -> str:
    """A personal-data value as gate results, logs and the GX pages show it."""
    return _keep_ends(str(value), 3, 2, 0)


def mask_finding(value: str) -> str:
    """A value found by ``pii-scan``, as its report shows it (short ones: the first character)."""
    return _keep_ends(value, 3, 2, 1)


def register_udf(con, key: bytes) -> None:
    """``sp_pseudonym(id_number)`` inside DuckDB (applied to task candidates only: thousands of rows)."""
    import duckdb

    try:
        con.remove_function("sp_pseudonym")
    except (duckdb.InvalidInputException, duckdb.CatalogException):
        pass
    con.create_function("sp_pseudonym", lambda value: pseudonym(key, value), ["VARCHAR"], "VARCHAR",
                        side_effects=False)
