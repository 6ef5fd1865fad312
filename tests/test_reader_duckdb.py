"""DuckDB's CSV reader (the fast path) gives exactly the exact reader's rows, lines and encoding, or
stands aside: hand-made files with known answers, each read both ways."""

from __future__ import annotations

import codecs

import duckdb
import pytest
from standard_parts.feeds import FILES
from standard_parts.ingest.reader import normalise

STATIONS = next(f for f in FILES if f.entity == "stations")
HEADER = "station_id,station_name,district,branch_bureau,extra"
COLUMNS = {"_line": "BIGINT", **{c: "VARCHAR" for c in STATIONS.required}}


def _both(tmp_path, raw: bytes):
    """(fast result, its raw_rows) and (exact result, its raw_rows) for the same landing bytes."""
    src = tmp_path / "stations.csv"
    src.write_bytes(raw)
    con = duckdb.connect()
    fast = normalise(STATIONS, src, tmp_path / "fast.csv", "org/stations.csv", con=con)
    fast_rows = con.execute("select * from raw_rows order by _line").fetchall() if fast.loaded else None
    exact = normalise(STATIONS, src, tmp_path / "exact.csv", "org/stations.csv")
    con.execute("create or replace temp table exact_rows as select * from read_csv(?, header = true, "
                "columns = ?, quote = '\"', escape = '\"', delim = ',', strict_mode = true)",
                [str(exact.path), COLUMNS])
    exact_rows = con.execute("select * from exact_rows order by _line").fetchall()
    return fast, fast_rows, exact, exact_rows


BODY = (
    f"{HEADER}\r\n"
    'ST1,"开元\r\n派出所",思明区,思明分局,\r\n'  # a quoted line break: ST2 starts on line 4
    'ST2,"鹭江,""老城""",思明区,思明分局,x\r\n'
    'ST3,,"",思明分局,\r\n'  # empty and quoted-empty fields are both missing (NULL)
    'ST4,"多\r\n行\r\n名",湖里区,湖里分局,y\r\n'  # two breaks: ST5 starts on line 9
    "ST5,殿前派出所,湖里区,湖里分局,z\r\n"
)
EXPECTED = [
    (2, "ST1", "开元\r\n派出所", "思明区", "思明分局"),
    (4, "ST2", '鹭江,"老城"', "思明区", "思明分局"),
    (5, "ST3", None, None, "思明分局"),
    (6, "ST4", "多\r\n行\r\n名", "湖里区", "湖里分局"),
    (9, "ST5", "殿前派出所", "湖里区", "湖里分局"),
]


@pytest.mark.parametrize(("raw", "encoding"), [
    (BODY.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + BODY.encode("utf-8"), "utf-8-sig"),
    (BODY.encode("gb18030"), "gb18030"),  # transcoded to UTF-8 before DuckDB reads it
    (BODY.replace("\r\n", "\n").encode("utf-8"), "utf-8"),
])
def test_duckdb_reads_plain_files_exactly_as_the_exact_reader(tmp_path, raw, encoding):
    fast, fast_rows, exact, exact_rows = _both(tmp_path, raw)
    expected = EXPECTED if b"\r\n" in raw else [
        tuple(v.replace("\r\n", "\n") if isinstance(v, str) else v for v in row) for row in EXPECTED
    ]
    assert fast.loaded and not exact.loaded
    assert (fast.encoding, fast.rows_read, fast.rejected) == (encoding, 5, [])
    assert (exact.encoding, exact.rows_read, exact.rejected) == (encoding, 5, [])
    assert fast_rows == exact_rows == expected


@pytest.mark.parametrize(("body", "line", "reason"), [
    ("ST1,a,b,c,\n\nST2,a,b,c,\n", None, None),  # a blank line is not a record: ST2 is on line 4
    ("ST1,a,b,c,,\nST2,a,b,c,\n", 2, "malformed_row"),  # one trailing field too many
    ("ST1,a,b,c\nST2,a,b,c,\n", 2, "malformed_row"),  # one field too few
    ('ST1, "a",b,c,\nST2,a,b,c,\n', None, None),  # a blank before a quote: Python keeps ' "a"'
    (f"ST1,a,b,c,\n{HEADER}\nST2,a,b,c,\n", 3, "malformed_row"),  # files joined with cat
    ("ST1,a\x00,b,c,\nST2,a,b,c,\n", None, None),  # a NUL (Python keeps it in the value)
])
def test_anything_duckdb_might_read_differently_goes_the_exact_way(tmp_path, body, line, reason):
    fast, fast_rows, exact, exact_rows = _both(tmp_path, f"{HEADER}\n{body}".encode())
    assert not fast.loaded
    assert (fast.rows_read, fast.rejected) == (exact.rows_read, exact.rejected)
    assert [(r.line, r.reason) for r in exact.rejected] == ([(line, reason)] if line else [])
    assert [row[:2] for row in exact_rows][-1] == (4 if "\n\n" in body or HEADER in body else 3, "ST2")
