"""Keyed pseudonyms: persons leave the operational store only as HMAC-SHA256 of their id number.

The key comes from the settings (``STANDARD_PARTS_PSEUDONYM_KEY``); without the key a pseudonym
cannot be linked back to a person, and rotating the key re-keys every pseudonym (SECURITY.md).
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(key: bytes, id_number: str) -> str:
    return "P" + hmac.new(key, id_number.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def register_udf(con, key: bytes) -> None:
    """``sp_pseudonym(id_number)`` inside DuckDB (applied to task candidates only: thousands of rows)."""
    import duckdb

    try:
        con.remove_function("sp_pseudonym")
    except (duckdb.InvalidInputException, duckdb.CatalogException):
        pass
    con.create_function("sp_pseudonym", lambda value: pseudonym(key, value), ["VARCHAR"], "VARCHAR",
                        side_effects=False)
