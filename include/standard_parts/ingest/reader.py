"""Turn one landing file into line-numbered text rows (temp table ``raw_rows``) for the SQL row rules.

Two readers, one contract. The fast one is DuckDB's own CSV reader over the landing file (a
GB18030 file is first transcoded to UTF-8 in streamed chunks). It is used when its answer is
provably the one the exact reader would give: the file decodes strictly, has no NUL byte, no lone
CR, no blank beside a quote, one kind of line break; records plus the line breaks inside quoted
fields add up to the file's lines after the header (so no line is blank, and each record starts on
line 2 + the records and inner line breaks before it); every record has the header's field count,
no field is over the size limit and no row repeats the header. Anything else (a malformed record,
a blank line, damaged bytes...) goes to the exact reader: Python's C csv parser gives exact
physical line numbers (records may span lines under RFC 4180 quoting) and lets structural faults
become quarantine rows instead of a failed load; DuckDB then reads its normalised file, all
columns as text.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UnreadableFile
from ..feeds import FileSpec

_CHUNK = 1 << 22
MAX_FIELD_BYTES = 1 << 16  # a field larger than 64 KiB is a malformed row, not a reason to crash
# The csv module itself parses fields up to 4 MiB, so that an oversized (multi-line, quoted) field is
# rejected as one record that ends where its quotes say: stopping the parser at 64 KiB resumed it
# inside the field, and the field's remaining lines were then read as records.
_PARSE_LIMIT = 64 * MAX_FIELD_BYTES
RAW_EXCERPT = 500
# The normalised file ends records with CRLF so the csv writer quotes every field holding a CR:
# with "\n" alone it writes a bare CR unquoted, and DuckDB's reader takes that for a line break.
_NORMALISED_EOL = "\r\n"


@dataclass
class Rejected:
    line: int
    reason: str
    detail: str
    raw: str

    def __post_init__(self) -> None:
        # Undecodable bytes and lone surrogates cannot be stored (DuckDB text is UTF-8): show them escaped.
        self.detail = _printable(self.detail)
        self.raw = _printable(self.raw)


@dataclass
class Normalised:
    path: Path
    encoding: str
    rows_read: int
    rejected: list[Rejected] = field(default_factory=list)
    loaded: bool = False  # the fast reader already filled temp table raw_rows; path holds nothing


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, by strict decoding; ``<encoding>+invalid`` if damaged.

    A damaged (or mixed) file is read in the encoding that explains it best, so that only the records
    holding undecodable bytes are quarantined: a GB18030 file with one bad byte keeps its other rows.
    Limitation: a tiny UTF-8 file whose damage happens to leave valid GB18030 is read as GB18030.
    """
    with path.open("rb") as fh:
        head = fh.read(3)
    if head == codecs.BOM_UTF8:
        return "utf-8-sig" if _decodes(path, "utf-8-sig") == "ok" else "utf-8-sig+invalid"
    utf8 = _decodes(path, "utf-8")
    if utf8 == "ok":
        return "utf-8"
    if utf8 == "cut":  # valid UTF-8 cut mid-character (an interrupted transfer), however short the file
        return "utf-8+invalid"
    if _decodes(path, "gb18030") == "ok":
        return "gb18030"
    # Damaged, or mixed. A well-formed UTF-8 character of 3+ bytes (all of CJK) is strong evidence:
    # GB18030 text read as UTF-8 yields one per 3 undecodable bytes only by chance, in a handful of
    # characters. GB18030 is no evidence at all: it decodes most byte pairs, so UTF-8 text read as
    # GB18030 loses few bytes (into the wrong characters); it wins only by losing fewer.
    wide, utf8_bad = _tally(path, "utf-8")
    if 3 * wide >= utf8_bad or _tally(path, "gb18030")[1] >= utf8_bad:
        return "utf-8+invalid"
    return "gb18030+invalid"


def _decodes(path: Path, encoding: str) -> str:
    """'ok', 'cut' (valid but for an incomplete character at the very end) or 'bad'."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
    except UnicodeDecodeError:
        return "bad"
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cut"
    return "ok"


_UNDECODED = re.compile("[\udc80-\udcff]+")
_WIDE = re.compile("[\u0800-\ud7ff\ue000-\U0010ffff]+")


def _tally(path: Path, encoding: str) -> tuple[int, int]:
    """(characters of U+0800 and up, undecodable bytes) of the file read in ``encoding``."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    wide = bad = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            wide += sum(map(len, _WIDE.findall(text)))
            bad += sum(map(len, _UNDECODED.findall(text)))
            if not chunk:
                return wide, bad


def _open_text(path: Path, encoding: str):
    if encoding.endswith("+invalid"):  # undecodable bytes become surrogate escapes, quarantined per record
        return path.open("r", encoding=encoding.removesuffix("+invalid"), errors="surrogateescape", newline="")
    return path.open("r", encoding=encoding, newline="")


def _has_invalid(values: list[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for v in values for ch in v)


def _has_surrogate(values: list[str]) -> bool:
    """Any surrogate code point: undecoded bytes, or a lone surrogate from a JSON \\uXXXX escape."""
    return any("\ud800" <= ch <= "\udfff" for v in values for ch in v)


def _printable(text: str) -> str:
    """Text that encodes as UTF-8: an undecodable byte becomes \\xNN, a lone surrogate \\uXXXX."""
    if not _has_surrogate([text]):
        return text
    return "".join(
        f"\\x{ord(ch) - 0xDC00:02x}" if "\udc80" <= ch <= "\udcff"
        else f"\\u{ord(ch):04x}" if "\ud800" <= ch <= "\udfff"
        else ch
        for ch in text
    )


def normalise(spec: FileSpec, src: Path, dst: Path, display: str, con=None) -> Normalised:
    """Write ``dst`` as UTF-8 CSV with ``_line`` + the required columns; return the rejects.

    Given a connection, a CSV file that qualifies (module docstring) is instead read by DuckDB
    straight into temp table ``raw_rows`` (``loaded`` is then true and ``dst`` is scratch only).
    """
    if con is not None and spec.fmt == "csv":
        fast = _duckdb_read(con, spec, src, dst, display)
        if fast is not None:
            return fast
    encoding = detect_encoding(src)
    if spec.fmt == "csv":
        return _normalise_csv(spec, src, dst, display, encoding)
    return _normalise_jsonl(spec, src, dst, display, encoding)


def _records(reader, rejected: list[Rejected]) -> Iterator[tuple[int, list[str]]]:
    """Yield (start line, fields); a record the csv module cannot parse becomes a rejected row."""
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            rejected.append(Rejected(start, "malformed_row", f"csv: {exc}", ""))
            start = reader.line_num + 1
            continue
        yield start, row
        start = reader.line_num + 1


def _read_header(spec: FileSpec, reader, display: str) -> list[str]:
    """The header record (stripped names), or UnreadableFile for a file that has no usable one."""
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile(spec.feed, display, 1, "empty file: no header row") from None
    except csv.Error as exc:
        raise UnreadableFile(spec.feed, display, 1, f"header is not valid CSV: {exc}") from None
    if any(len(h) > MAX_FIELD_BYTES for h in header):
        raise UnreadableFile(spec.feed, display, 1,
                             f"header is not valid CSV: field larger than field limit ({MAX_FIELD_BYTES})")
    header = [h.strip() for h in header]
    if _has_invalid(header):
        raise UnreadableFile(spec.feed, display, 1, "header is neither UTF-8 nor GB18030")
    duplicated = sorted({h for h in header if header.count(h) > 1 and h in spec.required})
    if duplicated:
        raise UnreadableFile(spec.feed, display, 1, f"duplicated column(s) {', '.join(duplicated)}")
    missing = [c for c in spec.required if c not in header]
    if missing:
        raise UnreadableFile(
            spec.feed, display, 1,
            f"missing required column(s) {', '.join(missing)} (header: {', '.join(header)})",
        )
    return header


def _normalise_csv(spec: FileSpec, src: Path, dst: Path, display: str, encoding: str) -> Normalised:
    csv.field_size_limit(_PARSE_LIMIT)
    rejected: list[Rejected] = []
    written = 0
    with _open_text(src, encoding) as fh, dst.open("w", encoding="utf-8", newline="") as out:
        reader = csv.reader(fh, strict=True)
        header = _read_header(spec, reader, display)
        width = len(header)
        picks = [header.index(c) for c in spec.required]
        writer = csv.writer(out, lineterminator=_NORMALISED_EOL)
        writer.writerow(["_line", *spec.required])
        write = writer.writerow
        check_bytes = encoding.endswith("+invalid")  # only then can undecoded bytes be in a field
        first = header[0]
        for line, row in _records(reader, rejected):
            # Hot loop (millions of rows): C-level checks first, the costly ones only when they can hit.
            if row and max(map(len, row)) > MAX_FIELD_BYTES:
                rejected.append(Rejected(line, "malformed_row", f"field larger than field limit ({MAX_FIELD_BYTES})",
                                         _excerpt(row)))
                continue
            if len(row) != width:
                if row == [] or row == [""]:
                    continue  # a blank line is not a record
                rejected.append(Rejected(line, "malformed_row",
                                         f"{len(row)} fields, header has {width}", _excerpt(row)))
                continue
            if row[0].lstrip("\ufeff").strip() == first and [f.lstrip("\ufeff").strip() for f in row] == header:
                # Files concatenated with ``cat``: the second header is not a record of the entity.
                rejected.append(Rejected(line, "malformed_row", "repeated header row", _excerpt(row)))
                continue
            picked = [row[i] for i in picks]
            if check_bytes and _has_invalid(picked):
                rejected.append(Rejected(line, "bad_encoding", "bytes that are neither UTF-8 nor GB18030",
                                         _excerpt(picked)))
                continue
            write([line, *picked])
            written += 1
    return Normalised(dst, encoding, written + len(rejected), rejected)


def _normalise_jsonl(spec: FileSpec, src: Path, dst: Path, display: str, encoding: str) -> Normalised:
    rejected: list[Rejected] = []
    written = 0
    with _open_text(src, encoding) as fh, dst.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator=_NORMALISED_EOL)
        writer.writerow(["_line", *spec.required])
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            if _has_invalid([text]):
                rejected.append(Rejected(line, "bad_encoding", "bytes that are not UTF-8", ""))
                continue
            try:
                obj = json.loads(text)
                values = [_as_text(obj.get(c)) for c in spec.required] if isinstance(obj, dict) else None
            except ValueError as exc:
                rejected.append(Rejected(line, "malformed_row", f"invalid JSON: {exc}", text[:RAW_EXCERPT]))
                continue
            except RecursionError:  # json recurses per nesting level: a hostile line must not crash the run
                rejected.append(Rejected(line, "malformed_row", "invalid JSON: nested too deeply",
                                         text[:RAW_EXCERPT]))
                continue
            if values is None:
                rejected.append(Rejected(line, "malformed_row", f"JSON {type(obj).__name__}, not an object",
                                         text[:RAW_EXCERPT]))
                continue
            too_long = [c for c, v in zip(spec.required, values, strict=True) if len(v) > MAX_FIELD_BYTES]
            if too_long:
                rejected.append(Rejected(line, "malformed_row", f"field {too_long[0]} larger than field limit "
                                         f"({MAX_FIELD_BYTES})", text[:RAW_EXCERPT]))
                continue
            if _has_surrogate(values):
                rejected.append(Rejected(line, "bad_encoding", "lone surrogate (\\uD800-\\uDFFF escape) in a value",
                                         text[:RAW_EXCERPT]))
                continue
            writer.writerow([line, *values])
            written += 1
    return Normalised(dst, encoding, written + len(rejected), rejected)


def _as_text(value) -> str:
    """JSON value -> the text DuckDB reads; null and missing become empty (NULL)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _excerpt(row: list[str]) -> str:
    return json.dumps([f[:RAW_EXCERPT] for f in row[:RAW_EXCERPT]], ensure_ascii=False)[:RAW_EXCERPT]


# --- the fast reader -------------------------------------------------------------------------------


_NO_NULL = "\x01"  # plain files hold no control characters: a field that is exactly this one goes the exact way
_BLANK_BESIDE_QUOTE = (b' "', b'" ', b'\t"', b'"\t')
_ODD = (b"\0", *_BLANK_BESIDE_QUOTE)


@dataclass
class _Scanned:
    path: Path  # what DuckDB reads: the landing file, or its UTF-8 transcoding
    encoding: str
    lines: int  # physical lines; a last line without a line break counts


def _scan(src: Path, dst: Path) -> _Scanned | None:
    """Strictly decode ``src`` (as ``detect_encoding`` would label it) and count its lines; a GB18030
    file is transcoded into ``dst`` on the way, in chunks, so memory stays flat. None when the file
    is not plain (damaged bytes, NUL, a lone CR, mixed line breaks): the exact reader takes it."""
    with src.open("rb") as fh:
        bom = fh.read(3) == codecs.BOM_UTF8
    encoding = "utf-8-sig" if bom else "utf-8"
    outcome, counts = _decode_and_count(src, encoding, None)
    path = src
    if outcome == "bad" and not bom:
        encoding, path = "gb18030", dst
        outcome, counts = _decode_and_count(src, encoding, dst)
    if outcome != "ok":
        return None
    lf, cr, crlf, odd, ends_open = counts
    if odd or cr != crlf or crlf not in (0, lf):
        return None
    return _Scanned(path, encoding, lf + ends_open)


def _decode_and_count(src: Path, encoding: str, out: Path | None) -> tuple[str, tuple[int, int, int, bool, int]]:
    """('ok' | 'cut' | 'bad', (LF, CR, CRLF, odd, 1 if the last line has no break)) of the bytes DuckDB
    will read: the file's own, or (``out`` given) its UTF-8 transcoding written to ``out``. ``odd``:
    a NUL byte, or blank space beside a quote (DuckDB trims `` "a"`` to ``a``; Python's csv keeps the
    field, or rejects ``"a" ,``)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lf = cr = crlf = 0
    odd = False
    last = b""
    sink = out.open("wb") if out is not None else None
    try:
        with src.open("rb") as fh:
            while True:
                chunk = fh.read(_CHUNK)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    return ("cut" if not chunk else "bad"), (0, 0, 0, False, 0)
                data = chunk
                if sink is not None:
                    data = text.encode("utf-8")
                    sink.write(data)
                if data:
                    lf += data.count(b"\n")
                    crs = data.count(b"\r")
                    cr += crs
                    if crs or last == b"\r":
                        crlf += data.count(b"\r\n") + (last == b"\r" and data[:1] == b"\n")
                    seam = last + data[:1]
                    # a chunk without a quote (most chunks of most feeds) needs no search for one
                    odd = odd or seam in _ODD or b"\0" in data or (
                        b'"' in data and any(p in data for p in _BLANK_BESIDE_QUOTE))
                    last = data[-1:]
                if not chunk:
                    break
    finally:
        if sink is not None:
            sink.close()
    return "ok", (lf, cr, crlf, odd, int(last not in (b"", b"\n")))


def _duckdb_read(con, spec: FileSpec, src: Path, dst: Path, display: str) -> Normalised | None:
    """Read ``src`` with DuckDB into temp table ``raw_rows`` if that provably equals the exact reader
    (module docstring); None otherwise, leaving nothing behind."""
    import duckdb

    scanned = _scan(src, dst)
    if scanned is None:
        return None
    csv.field_size_limit(_PARSE_LIMIT)
    text_encoding = "utf-8-sig" if scanned.encoding == "utf-8-sig" else "utf-8"
    with scanned.path.open("r", encoding=text_encoding, newline="") as fh:
        reader = csv.reader(fh, strict=True)
        header = _read_header(spec, reader, display)  # the exact reader's own header faults
        if reader.line_num != 1:
            return None
    width = len(header)
    # One column more than the header, padded with NULL, and no text read as NULL (nullstr is a
    # value no plain file holds): a record of too few fields then shows a NULL, one of too many a
    # value in the spare column. (DuckDB's strict mode alone lets one trailing empty field through.)
    names = [f"c{i}" for i in range(width + 1)]
    picked = ", ".join(f'nullif({names[header.index(c)]}, \'\') as "{c}"' for c in spec.required)
    # A row the exact reader would reject: wrong field count, a field over the limit, or one that
    # may repeat the header (each field contains its column's name: a superset of the exact test).
    miscounted = " or ".join([f"{n} is null" for n in names[:-1]] + [f"{names[-1]} is not null"])
    too_long = " or ".join(f"length({n}) > {MAX_FIELD_BYTES}" for n in names[:-1])
    repeats = " and ".join(f"strpos({n}, ?) > 0" for n in names[:-1])
    # Line breaks inside quoted fields (only LF and CRLF reach here): a record starts on line
    # 2 + (records before it) + (line breaks inside the records before it).
    has_break = " or ".join(f"contains({n}, chr(10))" for n in names[:-1])
    breaks = " + ".join(f"(length({n}) - length(replace({n}, chr(10), '')))" for n in names[:-1])
    load = (
        f"create or replace temp table raw_rows as select n + 1 as _line, {picked}, "
        f"coalesce(({miscounted}) or ({too_long}) or ({repeats}), true) as _suspect, "
        f"case when {has_break} then {breaks} else 0 end as _breaks "
        "from read_csv(?, header = true, auto_detect = false, columns = ?, quote = '\"', escape = '\"', "
        "delim = ',', strict_mode = true, null_padding = true, nullstr = ?, encoding = 'utf-8', parallel = ?) "
        f"with ordinality as t({', '.join(names)}, n)"
    )
    params = [*header, str(scanned.path), {n: "VARCHAR" for n in names}, _NO_NULL]
    try:
        try:
            con.execute(load, [*params, True])
        except duckdb.Error as exc:
            if "null_padding" not in str(exc):
                raise
            # DuckDB's parallel scanner cannot pad a file with quoted line breaks: one thread can.
            con.execute(load, [*params, False])
    except duckdb.Error:  # a record DuckDB will not take: the exact reader says which and why
        return None
    rows, suspect, inner = con.execute(
        "select count(*), coalesce(bool_or(_suspect), false), coalesce(sum(_breaks), 0) from raw_rows"
    ).fetchone()
    if suspect or rows + inner != scanned.lines - 1:  # e.g. a blank line, which is not a record
        con.execute("drop table raw_rows")
        return None
    if inner:
        columns = ", ".join(f'r."{c}"' for c in spec.required)
        con.execute(
            "create or replace temp table raw_rows as "
            "with shifts as (select _line, sum(_breaks) over (order by _line) as shift from raw_rows "
            "where _breaks > 0) "
            f"select r._line + coalesce(s.shift, 0) as _line, {columns} "
            "from raw_rows as r asof left join shifts as s on r._line > s._line"
        )
    else:
        con.execute("alter table raw_rows drop column _suspect")
        con.execute("alter table raw_rows drop column _breaks")
    return Normalised(dst, scanned.encoding, rows, [], loaded=True)
