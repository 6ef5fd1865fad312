"""Fast RFC 4180 CSV and JSON Lines writing for the demo city.

A CSV file is built column-wise with Arrow: each chunk of rows is joined into lines with one
vectorised string join; only the few lines whose fields hold a comma, a double quote or a line
break are re-rendered by the csv module (QUOTE_MINIMAL), so the output is exactly what
``csv.writer`` would write, at Arrow speed. Nulls are written as empty fields.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..files import replacing_file

CHUNK_ROWS = 500_000
_SPECIAL = '["\r\n]'


def as_text(values: pa.Array | pa.ChunkedArray | Sequence) -> pa.Array:
    """Any column -> a string array without nulls (null -> empty)."""
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    return arr


def _lines(columns: list[pa.Array], newline: str) -> bytes | memoryview:
    lines = pc.binary_join_element_wise(*columns, ",") if len(columns) > 1 else columns[0]
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    needs = pc.or_(pc.not_equal(pc.count_substring(lines, ","), len(columns) - 1),
                   pc.match_substring_regex(lines, _SPECIAL))
    if pc.any(needs).as_py():
        idx = pa.array(np.flatnonzero(needs.to_numpy(zero_copy_only=False)))
        rows = zip(*(c.take(idx).to_pylist() for c in columns), strict=True)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)  # quotes CR and LF
        fixed = []
        for row in rows:
            buf.seek(0)
            buf.truncate()
            writer.writerow(row)
            fixed.append(buf.getvalue()[:-2])
        lines = pc.replace_with_mask(lines, needs, pa.array(fixed, type=pa.string()))
    lines = pc.binary_join_element_wise(lines, newline, "")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset: lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[offsets[0]: offsets[-1]] if len(lines) else b""


def csv_chunks(columns: Mapping[str, pa.Array], newline: str = "\n") -> Iterator[bytes | memoryview]:
    names = list(columns)
    header = io.StringIO()
    csv.writer(header, lineterminator=newline).writerow(names)
    yield header.getvalue().encode("utf-8")
    cols = [columns[n] for n in names]
    n = len(cols[0])
    for c in cols:
        if len(c) != n:
            raise ValueError(f"column lengths differ: {[len(c) for c in cols]}")
    for start in range(0, n, CHUNK_ROWS):
        yield _lines([as_text(c.slice(start, CHUNK_ROWS)) for c in cols], newline)


def write_csv(path: Path, columns: Mapping[str, pa.Array], encoding: str = "utf-8", newline: str = "\n") -> int:
    """Write a CSV file atomically; ``encoding`` is utf-8, utf-8-sig (with BOM) or gb18030."""
    with replacing_file(path, parents=True) as fh:
        if encoding == "gb18030":
            fh.write(b"".join(csv_chunks(columns, newline)).decode("utf-8").encode("gb18030"))
        else:
            if encoding == "utf-8-sig":
                fh.write(b"\xef\xbb\xbf")
            elif encoding != "utf-8":
                raise ValueError(f"unsupported encoding {encoding!r}")
            for chunk in csv_chunks(columns, newline):
                fh.write(chunk)
    return len(next(iter(columns.values()))) if columns else 0


def write_jsonl(path: Path, lines: Sequence[dict | str]) -> int:
    """One JSON object per line (UTF-8, keys in the given order); a str is written as is (a bad line)."""
    with replacing_file(path, parents=True) as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)).encode("utf-8"))
            fh.write(b"\n")
    return len(lines)
