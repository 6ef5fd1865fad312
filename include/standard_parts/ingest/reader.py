"""Turn one landing file into a line-numbered UTF-8 CSV that DuckDB loads in bulk.

Python's C csv parser gives exact physical line numbers (records may span lines under RFC 4180
quoting) and lets structural faults become quarantine rows instead of a failed load; DuckDB then
reads the normalised file, all columns as text, for the SQL row rules.
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


def normalise(spec: FileSpec, src: Path, dst: Path, display: str) -> Normalised:
    """Write ``dst`` as UTF-8 CSV with ``_line`` + the required columns; return the rejects."""
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


def _normalise_csv(spec: FileSpec, src: Path, dst: Path, display: str, encoding: str) -> Normalised:
    csv.field_size_limit(_PARSE_LIMIT)
    rejected: list[Rejected] = []
    written = 0
    with _open_text(src, encoding) as fh, dst.open("w", encoding="utf-8", newline="") as out:
        reader = csv.reader(fh, strict=True)
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
