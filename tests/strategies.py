"""Hypothesis strategies for hostile landing files (issue 7): nasty text, JSON values, damaged bytes."""

from __future__ import annotations

from hypothesis import strategies as st
from standard_parts.ingest.reader import MAX_FIELD_BYTES

LINE_BREAKS = ("\r", "\n", "\r\n")

# Characters that break naive readers: NUL, ESC, VT/FF, a lone CR, LF, CRLF, the line and paragraph
# separators, NEL, a BOM, quotes and separators, a zero-width space, a wide character, a 4-byte
# UTF-8 character, a fullwidth digit, a Latin-1 letter.
NASTY = ("\x00", "\x1b", "\x0b", "\x0c", *LINE_BREAKS, "\u2028", "\u2029", "\x85", "\ufeff", '"', ",", "'",
         "\\", "\t", " ", "\x7f", "\u200b", "中", "😀", "１", "é")

# Numbers as text in every shape a careless exporter produces, dates and flags likewise.
NUMBERISH = ("0", "-0", "1e3", "9e999", "NaN", "nan", "inf", "-Infinity", "-1", "00090", " 90", "90 ", "９０",
             "0x5A", "1_000", "1,5", "90.", ".5", "1e-7", "99999999999999999999", "2026-10-01", "2026-02-30",
             "20261001", "10/01/2026", "2026-10-01T10:00:00", "2026-10-01T10:00:00+08:00",
             "2026-10-01 10:00:00Z", "true", "false", "True", "null", "None", "", " ")


def hostile_text(max_size: int = 12, line_breaks: bool = True) -> st.SearchStrategy[str]:
    """Short strings mixing nasty characters, plain ASCII and any non-surrogate code point."""
    nasty = NASTY if line_breaks else tuple(c for c in NASTY if c not in LINE_BREAKS)
    piece = st.one_of(
        st.sampled_from(nasty),
        st.text(alphabet="AZaz09-._:+", min_size=1, max_size=4),
        st.characters(codec="utf-8", exclude_characters=None if line_breaks else "\r\n"),
    )
    return st.lists(piece, max_size=max_size).map("".join)


def huge_text() -> st.SearchStrategy[str]:
    """A value just over the 64 KiB field limit, made of one repeated unit."""
    return st.builds(
        lambda unit, extra: unit * ((MAX_FIELD_BYTES + extra) // len(unit) + 1),
        st.sampled_from(["x", "中", "😀", '"', ",", "a\r\n"]),
        st.integers(1, 64),
    )


def field_values() -> st.SearchStrategy[str]:
    return st.one_of(hostile_text(), st.sampled_from(NUMBERISH), huge_text())


def json_values() -> st.SearchStrategy:
    """Any JSON value: wrong scalar types, nested objects and arrays, huge or nasty strings."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(), hostile_text(),
        st.sampled_from(NUMBERISH), huge_text(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text(max_size=4), inner, max_size=3),
        max_leaves=6,
    )


def deep_json() -> st.SearchStrategy[str]:
    """Nesting deep enough to exhaust a recursive parser, as an array or inside an object's field."""
    return st.builds(
        lambda depth, as_field: ('{"alert_id": ' + '{"a": ' * depth + "1" + "}" * (depth + 1)) if as_field
        else "[" * depth + "]" * depth,
        st.sampled_from([2, 50, 5_000, 100_000]),  # well clear of the recursion limit either way
        st.booleans(),
    )


# Encodings the landing contract does not allow, and what becomes of the Chinese text in them.
FOREIGN_ENCODINGS = ("latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "big5", "shift_jis",
                     "utf-7")
