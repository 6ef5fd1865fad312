"""Turn one landing file into a line-numbered UTF-8 CSV that DuckDB loads in bulk.

Python's C csv parser gives exact physical line numbers (records may span lines under RFC 4180
quoting) and lets structural faults become quarantine rows instead of a failed load; DuckDB then
reads the normalised file, all columns as text, for the SQL row rules.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..feeds import FileSpec
from .errors import UnreadableFile

_CHUNK = 1 << 22
MAX_FIELD_BYTES = 1 << 16  # a field larger than 64 KiB is a malformed row, not a reason to crash
RAW_EXCERPT = 500


@dataclass
class Rejected:
    line: int
    reason: str
    detail: str
    raw: str


@dataclass
class Normalised:
    path: Path
    encoding: str
    rows_read: int
    rejected: list[Rejected] = field(default_factory=list)


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, by strict decoding; anything else is unreadable."""
    with path.open("rb") as fh:
        head = fh.read(3)
    if head == codecs.BOM_UTF8:
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    # Neither decodes cleanly: read as UTF-8 and quarantine the lines that hold undecodable bytes.
    return "utf-8-sig" if candidates == ("utf-8-sig",) else "utf-8+invalid"


def _open_text(path: Path, encoding: str):
    if encoding == "utf-8+invalid":
        return path.open("r", encoding="utf-8", errors="surrogateescape", newline="")
    return path.open("r", encoding=encoding, newline="")


def _has_invalid(values: list[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for v in values for ch in v)


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
    csv.field_size_limit(MAX_FIELD_BYTES)
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
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["_line", *spec.required])
        write = writer.writerow
        for line, row in _records(reader, rejected):
            if len(row) != width:
                if row == [] or row == [""]:
                    continue  # a blank line is not a record
                rejected.append(Rejected(line, "malformed_row",
                                         f"{len(row)} fields, header has {width}", _excerpt(row)))
                continue
            picked = [row[i] for i in picks]
            if _has_invalid(picked):
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
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["_line", *spec.required])
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            if _has_invalid([text]):
                rejected.append(Rejected(line, "bad_encoding", "bytes that are not UTF-8", ""))
                continue
            try:
                obj = json.loads(text)
            except ValueError as exc:
                rejected.append(Rejected(line, "malformed_row", f"invalid JSON: {exc}", text[:RAW_EXCERPT]))
                continue
            if not isinstance(obj, dict):
                rejected.append(Rejected(line, "malformed_row", f"JSON {type(obj).__name__}, not an object",
                                         text[:RAW_EXCERPT]))
                continue
            writer.writerow([line, *(_as_text(obj.get(c)) for c in spec.required)])
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
    return json.dumps(row, ensure_ascii=False)[:RAW_EXCERPT]
