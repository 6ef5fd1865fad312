"""Hostile landing files (issue 7): whatever bytes arrive, an ingest never ends in a traceback.

Every file type of the landing contract is damaged on purpose (foreign and mixed encodings,
undecodable bytes, truncation, wrong column counts, fields over 64 KiB, control characters, repeated
or duplicated headers, BOMs in the middle, JSON that is not an object or nests too deep, numbers as
strings...) and ingested. The outcome must be one of:

(a) success: each record is accepted or quarantined with a reason and its line number, and rows read
    = accepted + quarantined, in the result, in ``ingest.files`` and in the tables themselves;
(b) ``UnreadableFile`` (a ``GateFailure``) naming the file by its landing-relative path and line,
    with the warehouse left exactly as it was.

Nothing else may escape. The landing files are never modified, and re-ingesting the repaired file
gives exactly the state of a clean load. Damage confined to one record (written as valid CSV/JSONL)
must cost that record only: every other record is accepted with its values intact.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest
from builders import SPECS, Landing, id_number, phone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from standard_parts.config import Settings
from standard_parts.errors import GateFailure, UnreadableFile
from standard_parts.feeds import FILES
from standard_parts.ingest.loader import ingest_file
from standard_parts.ingest.reader import MAX_FIELD_BYTES, _as_text
from standard_parts.pipeline import ingest
from standard_parts.store import ops_session, read_sql
from strategies import FOREIGN_ENCODINGS, NASTY, deep_json, field_values, hostile_text, json_values

DAY = date(2026, 10, 1)
ENTITIES = [f.entity for f in FILES]
CSV_ENTITIES = [f.entity for f in FILES if f.fmt == "csv"]
# Accepted columns the row rules rewrite (nullif(trim(...))): not compared byte for byte.
REWRITTEN = {("officers", "community_id"), ("alerts", "id_number")}
LINE_BREAK = re.compile(r"\r\n|\r|\n")
T0 = 1_790_000_000  # landing file mtimes the tests set (seconds); distinct from the template's

FAST = settings(max_examples=12, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LONG = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def alert(n: int, **over) -> dict:
    row = dict(alert_id=f"A{n}", raised_at="2026-10-01T10:00:00+08:00", id_number=id_number(10 + n),
               phone=phone(n), alert_type="fraud_call", risk_level=2, amount_at_risk_cny=100.5)
    row.update(over)
    return row


def instruction(n: int, part: str, object_type: str, object_id: str) -> dict:
    return dict(instruction_id=f"I{n}", department="population", standard_part_id=part, object_type=object_type,
                object_id=object_id, reason="群众举报", issued_at="2026-10-01T09:30:00+08:00")


# --------------------------------------------------------------------------------------------------
# The template: a small city loaded cleanly once per module; each example works on a copy of it.


@dataclass
class Template:
    root: Path
    rows: dict[str, list[dict]]
    clean: dict[str, bytes]
    baseline: dict[str, dict] = field(default_factory=dict)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Template:
    root = tmp_path_factory.mktemp("hostile-template")
    land = Landing.small_city(root / "landing")
    land.rows["alerts"] = [alert(1), alert(2, id_number=None, amount_at_risk_cny=None), alert(3, risk_level="3")]
    land.rows["instructions"] = [
        instruction(1, "HOUSE-OVER10", "house", "H1"),
        instruction(2, "VENUE-INSPECT", "venue", "V2"),
        instruction(3, "FRAUD-DISSUADE", "person", land.rows["persons"][0]["id_number"]),
    ]
    land.write(DAY)
    clean = {e: landing_path(root / "landing", e).read_bytes() for e in ENTITIES}
    tpl = Template(root, land.rows, clean)
    settings_ = _settings(root)
    with ops_session(settings_) as con:
        con.execute(read_sql("ingest/sql/macros.sql"))
        for spec in FILES:
            result = ingest_file(con, settings_, spec, DAY)
            assert result.rows_quarantined == 0, f"the template's {spec.filename} must load cleanly"
        tpl.baseline = {e: state(con, SPECS[e], stable=True) for e in ENTITIES}
    return tpl


def _settings(root: Path) -> Settings:
    # Every other setting explicit too, so the environment (STANDARD_PARTS_*) cannot leak in.
    return Settings(landing=root / "landing", warehouse=root / "warehouse", max_quarantine_share=1.0,
                    publish=None, production=False)


def landing_path(landing: Path, entity: str) -> Path:
    spec = SPECS[entity]
    return landing / spec.feed / DAY.isoformat() / spec.filename


@contextmanager
def copy_of(tpl: Template) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        root = Path(tmp)
        shutil.copytree(tpl.root / "landing", root / "landing")
        shutil.copytree(tpl.root / "warehouse", root / "warehouse")
        yield _settings(root)


def state(con: duckdb.DuckDBPyConnection, spec, stable: bool = False) -> dict:
    """Everything an ingest of ``spec`` may write; ``stable`` drops what differs between two clean loads."""
    volatile = "" if stable else ", fingerprint, lineage, run_date, loaded_at"
    queries = {
        "files": (f"select feed, entity, file, file_date, encoding, rows_read, rows_accepted, rows_quarantined"
                  f"{volatile} from ingest.files where entity = ? order by all", [spec.entity]),
        "quarantine": ("select * from ingest.quarantine where entity = ? order by all", [spec.entity]),
        "current": (f"select file, file_date{'' if stable else ', lineage'} from ingest.current_snapshot "
                    "where entity = ?", [spec.entity]),
        "ops": (f"select * from ops.{spec.entity} order by all", []),
    }
    if spec.kind == "snapshot":
        queries["keys"] = (f"select * from ingest.keys_{spec.entity} order by all", [])
    if spec.entity == "officers":
        queries["history"] = ("select * from ops.officers_history order by all", [])
    return {name: con.execute(sql, params).fetchall() for name, (sql, params) in queries.items()}


def digests(landing: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(landing).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(landing.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------------
# Building files record by record, so a test knows each record's first line.


@dataclass
class Expect:
    """What a file built from records must give: ``intact`` records accepted with these values,
    ``must_reject`` lines quarantined with that reason, ``damaged`` lines either way, and ``doubt``
    lines (non-ASCII records of a mixed-encoding file, which is read in one encoding) accepted with
    these (ASCII) values or quarantined as bad_encoding."""

    intact: dict[int, dict[str, str | None]] = field(default_factory=dict)
    damaged: set[int] = field(default_factory=set)
    must_reject: dict[int, str] = field(default_factory=dict)
    doubt: dict[int, dict[str, str | None]] = field(default_factory=dict)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict, repr=False)  # line -> record's bytes


class Blob(bytes):
    """File bytes that print short in a falsifying example."""

    def __repr__(self) -> str:
        head = bytes.__repr__(self[:400])
        return head if len(self) <= 400 else f"{head}... ({len(self)} bytes)"


@dataclass
class Built:
    data: Blob
    expect: Expect


def csv_record(fields: list[str], eol: str, quote_all: bool) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerow(fields)
    return buf.getvalue()


def expected_values(entity: str, values: dict[str, str]) -> dict[str, str | None]:
    return {c: (v if v != "" else None) for c, v in values.items() if (entity, c) not in REWRITTEN}


def build(entity: str, records: list, encoding: str, eol: str, blank_after: set[int]) -> Built:
    """``records``: (kind, payload) with kind 'row' (clean dict), 'quoted' (clean dict, every CSV field
    quoted), 'foreign' (clean dict in the other allowed encoding), 'fields' (damaged CSV list),
    'header' (a repeated header) or 'line' (damaged JSONL text)."""
    spec = SPECS[entity]
    plain = "utf-8" if encoding == "utf-8-sig" else encoding
    text = "" if spec.fmt == "jsonl" else csv_record(list(spec.required), eol, False)
    data = (codecs.BOM_UTF8 if encoding == "utf-8-sig" else b"") + text.encode(plain)
    expect = Expect()
    key_lines: dict[str, list[int]] = {}
    for i, (kind, payload) in enumerate(records):
        line = 1 + len(LINE_BREAK.findall(text))
        piece_encoding = plain
        if kind in ("row", "quoted", "foreign"):
            if spec.fmt == "jsonl":
                piece = json.dumps(payload, ensure_ascii=False) + eol
                values = {c: _as_text(payload.get(c)) for c in spec.required}
            else:
                values = {c: payload[c] for c in spec.required}
                piece = csv_record(list(values.values()), eol, kind == "quoted")
            if kind == "foreign":
                piece_encoding = "utf-8" if plain == "gb18030" else "gb18030"
                expect.damaged.add(line)
            else:
                expect.intact[line] = expected_values(entity, values)
            key_lines.setdefault(values[spec.key], []).append(line)
        elif kind == "fields":
            piece = csv_record(payload, eol, True)
            if len(payload) != len(spec.required) or any(len(v) > MAX_FIELD_BYTES for v in payload):
                expect.must_reject[line] = "malformed_row"
            else:
                expect.damaged.add(line)
                key_lines.setdefault(payload[spec.required.index(spec.key)], []).append(line)
        elif kind == "header":
            piece = csv_record(payload, eol, False)
            expect.must_reject[line] = "malformed_row"
        else:  # a damaged JSONL line: classify it the way any JSON reader would
            piece = payload + eol
            try:
                obj = json.loads(payload)
            except (ValueError, RecursionError):
                obj = None
            if not isinstance(obj, dict):
                expect.must_reject[line] = "malformed_row"
            else:
                expect.damaged.add(line)
                try:
                    key_lines.setdefault(_as_text(obj.get(spec.key)), []).append(line)
                except RecursionError:
                    pass
        if i in blank_after:
            piece += eol  # a blank line is not a record
        text += piece
        start = len(data)
        data += piece.encode(piece_encoding)
        expect.spans[line] = (start, len(data))
    # A damaged key that equals another record's key quarantines both copies (duplicate_id).
    for lines in key_lines.values():
        if len(lines) > 1:
            for line in lines:
                expect.intact.pop(line, None)
                expect.damaged.add(line)
    # In a file of mixed encodings which records lose is a matter of evidence (tiny files: chance).
    if any(kind == "foreign" for kind, _ in records):
        for line, values in list(expect.intact.items()):
            if not all(v is None or v.isascii() for v in values.values()):
                del expect.intact[line]
                expect.doubt[line] = {c: v for c, v in values.items() if v is None or v.isascii()}
    return Built(Blob(data), expect)


def base_records(tpl: Template, entity: str) -> list:
    return [("row", dict(r)) for r in tpl.rows[entity]]


# --------------------------------------------------------------------------------------------------
# The guarantee.


def ingest_hostile(tpl: Template, entity: str, data: bytes, expect: Expect | None = None):
    """Ingest ``data`` as the entity's file on a copy of the template; check the guarantee; then
    repair the file and check that a clean re-ingest restores the clean load exactly."""
    spec = SPECS[entity]
    with copy_of(tpl) as cfg:
        path = landing_path(cfg.landing, entity)
        display = path.relative_to(cfg.landing).as_posix()
        path.write_bytes(data)
        os.utime(path, ns=(T0 * 10**9, T0 * 10**9))
        landing_before = digests(cfg.landing)
        with ops_session(cfg) as con:
            con.execute(read_sql("ingest/sql/macros.sql"))
            before = state(con, spec)
            try:
                result = ingest_file(con, cfg, spec, DAY)
            except GateFailure as exc:  # anything else escapes and fails the test with its traceback
                check_failure(exc, display)
                assert state(con, spec) == before, "a failed ingest changed the warehouse"
                result = exc
            else:
                check_success(con, spec, display, result, data, expect)
                after = state(con, spec, stable=True)
                again = ingest_file(con, cfg, spec, DAY)  # a re-run of the date changes nothing
                assert again.skipped == (spec.kind == "snapshot") and state(con, spec, stable=True) == after
            assert digests(cfg.landing) == landing_before, "the ingest modified a landing file"

            path.write_bytes(tpl.clean[entity])
            os.utime(path, ns=((T0 + 1) * 10**9, (T0 + 1) * 10**9))
            repaired = ingest_file(con, cfg, spec, DAY)
            assert not repaired.skipped and repaired.rows_quarantined == 0
            assert state(con, spec, stable=True) == tpl.baseline[entity], "re-ingesting the repaired file"
    return result


def check_failure(exc: GateFailure, display: str) -> None:
    message = str(exc)
    # File-level faults are UnreadableFile with the line; the loader's last-resort wrapping of a
    # DuckDB error would mean the normaliser wrote something DuckDB cannot read: a bug here.
    assert isinstance(exc, UnreadableFile), message
    assert exc.line is not None and f"{display}:{exc.line}" in message, message
    assert display in message


def check_success(con, spec, display: str, result, data: bytes, expect: Expect | None) -> None:
    assert not result.skipped
    assert result.rows_read == result.rows_accepted + result.rows_quarantined
    files = con.execute("select rows_read, rows_accepted, rows_quarantined from ingest.files "
                        "where entity = ? and file = ?", [spec.entity, display]).fetchall()
    assert files == [(result.rows_read, result.rows_accepted, result.rows_quarantined)]

    quarantined = con.execute("select line, reason, detail from ingest.quarantine where entity = ? and file = ?",
                              [spec.entity, display]).fetchall()
    assert len(quarantined) == result.rows_quarantined
    last_line = data.count(b"\n") + data.count(b"\r") + 1
    first_record = 2 if spec.fmt == "csv" else 1
    for line, reason, detail in quarantined:
        assert first_record <= line <= last_line, (line, reason, detail)
        assert re.fullmatch(r"[a-z_]+", reason) and detail, (line, reason, detail)
    rejected_lines = [q[0] for q in quarantined]
    assert len(set(rejected_lines)) == len(rejected_lines), f"one line quarantined twice: {quarantined}"

    where = "" if spec.kind == "snapshot" else " where file_date = ?"
    columns = [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'ops' and table_name = ? "
        "and data_type = 'VARCHAR' order by column_index", [spec.entity]).fetchall()
        if c in spec.required and (spec.entity, c) not in REWRITTEN]
    accepted = {
        row[0]: dict(zip(columns, row[1:], strict=True))
        for row in con.execute(f"select _line, {', '.join(columns)} from ops.{spec.entity}{where}",
                               [] if spec.kind == "snapshot" else [DAY]).fetchall()
    }
    assert len(accepted) == result.rows_accepted
    assert not set(accepted) & set(rejected_lines)

    if expect is None:
        return
    reasons = {line: reason for line, reason, _ in quarantined}
    assert set(reasons) <= expect.damaged | set(expect.must_reject) | set(expect.doubt), (
        f"intact records quarantined: {[q for q in quarantined if q[0] in expect.intact]}")
    for line, reason in expect.must_reject.items():
        assert reasons.get(line) == reason, (line, reason, quarantined)
    for line in expect.doubt:
        assert reasons.get(line, "bad_encoding") == "bad_encoding", (line, quarantined)
        assert line in accepted or line in reasons, f"record on line {line} neither accepted nor quarantined"
    for line, values in [*expect.intact.items(), *((ln, v) for ln, v in expect.doubt.items() if ln in accepted)]:
        assert line in accepted, f"intact record on line {line} not accepted; quarantine {quarantined}"
        got = {c: v for c, v in accepted[line].items() if c in values}
        assert got == {c: values[c] for c in got}, f"line {line} changed on its way in"
    # No phantom records (a damaged record may also vanish, e.g. a file cut inside its header).
    known = set(expect.intact) | expect.damaged | set(expect.must_reject) | set(expect.doubt)
    assert set(accepted) | set(reasons) <= known, (sorted(accepted), quarantined, sorted(known))


# --------------------------------------------------------------------------------------------------
# Strategies: damage confined to one record, and damage to the bytes of the whole file.

CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
EOLS = ("\n", "\r\n", "\r")


@st.composite
def record_damage(draw, tpl: Template, entity: str) -> Built:
    """One record replaced by a well-formed but hostile one: nasty values, wrong width, a repeated
    header (CSV); a non-object, a malformed, deeply nested or wrongly typed line (JSONL)."""
    spec = SPECS[entity]
    records = base_records(tpl, entity)
    k = draw(st.integers(0, len(records) - 1))
    original = records[k][1]
    if spec.fmt == "csv":
        width = len(spec.required)
        fields = [original[c] for c in spec.required]
        kind = draw(st.sampled_from(["values", "values", "width", "header", "foreign"]))
        if kind == "foreign":  # the record in the other allowed encoding: a mixed-encoding file
            records[k] = ("foreign", original)
        elif kind == "values":
            for j, value in draw(st.dictionaries(st.integers(0, width - 1), field_values(), min_size=1,
                                                 max_size=3)).items():
                fields[j] = value
            records[k] = ("fields", fields)
        elif kind == "width":
            n = draw(st.integers(1, width + 3).filter(lambda n: n != width))
            fields = (fields + draw(st.lists(field_values(), min_size=3, max_size=3)))[:n]
            if fields in ([], [""]):
                fields = ["x"]
            records[k] = ("fields", fields)
        else:
            header = list(spec.required)
            if draw(st.booleans()):
                header[0] = "\ufeff" + header[0]  # a second file's BOM, after ``cat a.csv b.csv``
            records.insert(k, ("header", header))
        encoding = draw(st.sampled_from(CSV_ENCODINGS))
    else:
        kind = draw(st.sampled_from(["object", "object", "not_object", "text", "deep", "foreign"]))
        if kind == "foreign":
            records[k] = ("foreign", original)
        elif kind == "object":
            obj = dict(original)
            for key, value in draw(st.dictionaries(st.sampled_from(list(spec.required) + ["extra"]),
                                                   json_values(), min_size=1, max_size=3)).items():
                obj[key] = value
            for key in draw(st.lists(st.sampled_from(list(spec.required)), max_size=2)):
                obj.pop(key, None)
            line = json.dumps(obj, ensure_ascii=draw(st.booleans()))
        elif kind == "not_object":
            line = json.dumps(draw(json_values().filter(lambda v: not isinstance(v, dict))))
        elif kind == "text":
            line = draw(st.one_of(
                hostile_text(line_breaks=False),
                st.builds(lambda s, n: s[:n], st.just(json.dumps(original, ensure_ascii=False)),
                          st.integers(0, 60)),
            ))
            if not line.strip():
                line = "{"
        else:
            line = draw(deep_json())
        if kind != "foreign":
            records[k] = ("line", line)
        encoding = draw(st.sampled_from(("utf-8", "utf-8-sig")))
    blank_after = draw(st.sets(st.integers(0, len(records) - 1), max_size=2))
    return build(entity, records, encoding, draw(st.sampled_from(EOLS)), blank_after)


@st.composite
def truncation(draw, tpl: Template, entity: str) -> tuple[Built, bool]:
    """A clean file cut at any byte (mid-record, mid-quote, mid-character): every record that ends
    before the cut is intact, the one cut through is damaged. Also says whether the cut hit the header."""
    spec = SPECS[entity]
    encodings = CSV_ENCODINGS if spec.fmt == "csv" else ("utf-8", "utf-8-sig")
    built = build(entity, base_records(tpl, entity), draw(st.sampled_from(encodings)), draw(st.sampled_from(EOLS)),
                  set())
    cut = draw(st.integers(0, len(built.data)))
    spans = built.expect.spans
    expect = Expect(intact={ln: v for ln, v in built.expect.intact.items() if spans[ln][1] <= cut},
                    damaged={ln for ln, (start, end) in spans.items() if start < cut < end})
    header_cut = cut < min(start for start, _ in spans.values())
    if header_cut and spec.fmt == "jsonl":
        expect.damaged.add(1)  # a cut BOM is a line of garbage
    return Built(Blob(built.data[:cut]), expect), header_cut


JUNK = (b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00", b"\r", b"\n", b'"', b",", b"\xe4\xb8", b"\x81", b"\x80",
        b"\xa1\xa1", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"{", b"[", b"\\u", b"\x1b[31m")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@st.composite
def byte_damage(draw, tpl: Template, entity: str) -> bytes:
    """The file's bytes damaged with no regard for its structure, one to three times over."""
    spec = SPECS[entity]
    data = tpl.clean[entity]
    base = draw(st.sampled_from(("utf-8", "utf-8-sig", "gb18030")))
    data = data.decode("utf-8").encode(base)
    junk = st.one_of(st.sampled_from(JUNK), st.binary(min_size=1, max_size=12),
                     st.sampled_from(NASTY).map(lambda s: s.encode("utf-8")))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "insert", "overwrite", "reencode", "mixed", "random", "empty",
                                     "header_only", "blank", "dup_column", "drop_column", "concat", "huge_line",
                                     "delete_line"]))
        pos = draw(st.integers(0, len(data)))
        if kind == "truncate":
            data = data[:pos]
        elif kind == "insert":
            data = data[:pos] + draw(junk) + data[pos:]
        elif kind == "overwrite":
            piece = draw(junk)
            data = data[:pos] + piece + data[pos + len(piece):]
        elif kind == "reencode":
            target = draw(st.sampled_from(FOREIGN_ENCODINGS + ("gb18030", "utf-8")))
            data = data.decode(base, errors="replace").encode(target, errors="replace")
        elif kind == "mixed":  # one line in the other allowed encoding
            lines = _lines(data)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                other = "utf-8" if base == "gb18030" else "gb18030"
                lines[i] = lines[i].decode(base, errors="replace").encode(other, errors="replace")
                data = b"".join(lines)
        elif kind == "random":
            data = draw(st.binary(max_size=300))
        elif kind == "empty":
            data = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\n", b"\r\n\r\n", b"   ", b"\x00"]))
        elif kind == "header_only":
            data = _lines(data)[0] if data else data
        elif kind == "blank":
            data = data[:pos] + draw(st.sampled_from([b"\n", b"\r\n", b"\r", b" \n", b"\n\n\n"])) + data[pos:]
        elif kind == "dup_column" and spec.fmt == "csv":
            column = draw(st.sampled_from(spec.required)).encode()
            data = data.replace(column, column + b"," + column, 1)
        elif kind == "drop_column" and spec.fmt == "csv":
            column = draw(st.sampled_from(spec.required)).encode()
            data = data.replace(column, b"gone", 1)
        elif kind == "concat":
            data = data + draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + data
        elif kind == "huge_line":
            data = data[:pos] + draw(st.sampled_from([b"x", b"\xe4\xb8\xad", b'"', b"\\"])) * (MAX_FIELD_BYTES + 7) \
                + data[pos:]
        elif kind == "delete_line":
            lines = _lines(data)
            if lines:
                del lines[draw(st.integers(0, len(lines) - 1))]
                data = b"".join(lines)
    return Blob(data)


# --------------------------------------------------------------------------------------------------
# Property tests: every file type, default (fast) and long (slow) variants.


def _record_damage(tpl, entity, data):
    built = data.draw(record_damage(tpl, entity))
    result = ingest_hostile(tpl, entity, built.data, built.expect)
    assert not isinstance(result, GateFailure), f"damage to one record failed the whole file: {result}"


def _truncation(tpl, entity, data):
    built, header_cut = data.draw(truncation(tpl, entity))
    result = ingest_hostile(tpl, entity, built.data, built.expect)
    assert header_cut or not isinstance(result, GateFailure), f"a cut after the header failed the file: {result}"


def _byte_damage(tpl, entity, data):
    ingest_hostile(tpl, entity, data.draw(byte_damage(tpl, entity)))


@pytest.mark.parametrize("entity", ENTITIES)
@FAST
@given(data=st.data())
def test_damage_to_one_record_costs_that_record_only(template, entity, data):
    _record_damage(template, entity, data)


@pytest.mark.parametrize("entity", ENTITIES)
@FAST
@given(data=st.data())
def test_a_truncated_file_keeps_every_complete_record(template, entity, data):
    _truncation(template, entity, data)


@pytest.mark.parametrize("entity", ENTITIES)
@FAST
@given(data=st.data())
def test_damaged_bytes_never_escape_as_a_traceback(template, entity, data):
    _byte_damage(template, entity, data)


@pytest.mark.slow
@pytest.mark.parametrize("entity", ENTITIES)
@LONG
@given(data=st.data())
def test_damage_to_one_record_long(template, entity, data):
    _record_damage(template, entity, data)


@pytest.mark.slow
@pytest.mark.parametrize("entity", ENTITIES)
@LONG
@given(data=st.data())
def test_truncated_file_long(template, entity, data):
    _truncation(template, entity, data)


@pytest.mark.slow
@pytest.mark.parametrize("entity", ENTITIES)
@LONG
@given(data=st.data())
def test_damaged_bytes_long(template, entity, data):
    _byte_damage(template, entity, data)


TEXT_COLUMNS = {"stations": "station_name", "communities": "community_name", "officers": "officer_name",
                "houses": "address", "persons": "name", "venues": "venue_name", "instructions": "reason"}


@pytest.mark.parametrize("entity", CSV_ENTITIES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# blank after trimming Unicode whitespace (DuckDB trim() takes NBSP too) is missing_required, by design
@given(text=hostile_text(max_size=20).filter(lambda t: t.strip() != ""),
       encoding=st.sampled_from(CSV_ENCODINGS), eol=st.sampled_from(EOLS))
def test_any_text_survives_the_trip_into_the_warehouse(template, entity, text, encoding, eol):
    """A free-text column holding any characters at all (quoted, as RFC 4180 wants) is stored exactly."""
    records = base_records(template, entity)
    records[0] = ("quoted", {**records[0][1], TEXT_COLUMNS[entity]: text})
    built = build(entity, records, encoding, eol, set())
    ingest_hostile(template, entity, built.data, built.expect)


# --------------------------------------------------------------------------------------------------
# Through the whole feed, with the GX gates: still only GateFailure may escape.


@pytest.mark.parametrize("entity", ["stations", "alerts"])
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_feed_ingest_with_gates_fails_only_through_the_gate(template, entity, data):
    spec = SPECS[entity]
    raw = data.draw(st.one_of(byte_damage(template, entity), record_damage(template, entity).map(lambda b: b.data)))
    with copy_of(template) as cfg:
        path = landing_path(cfg.landing, entity)
        path.write_bytes(raw)
        os.utime(path, ns=(T0 * 10**9, T0 * 10**9))
        before = digests(cfg.landing)
        try:
            results = ingest(cfg, spec.feed, DAY)
        except GateFailure as exc:
            assert str(exc).startswith("[gate ")
        else:
            mine = [r for r in results if r["entity"] == entity][0]
            assert mine["rows_read"] == mine["rows_accepted"] + mine["rows_quarantined"]
        assert digests(cfg.landing) == before


# --------------------------------------------------------------------------------------------------
# File-level faults: each fails the gate naming the file and the line, and leaves no trace.

FILE_FAULTS = {
    "empty": (b"", "empty file"),
    "bom only": (codecs.BOM_UTF8, "empty file"),
    "utf-16 with BOM": ("station_id,station_name,district,branch_bureau\nST1,a,b,c\n".encode("utf-16"),
                        "header is neither UTF-8 nor GB18030"),
    "utf-16-le without BOM": ("station_id,station_name,district,branch_bureau\nST1,a,b,c\n".encode("utf-16-le"),
                              "missing required column"),
    "duplicated column": (b"station_id,station_name,district,branch_bureau,district\nST1,a,b,c,d\n",
                          "duplicated column(s) district"),
    "missing column": (b"station_id,station_name,branch_bureau\nST1,a,c\n", "missing required column(s) district"),
    "header over 64 KiB": (b"station_id,station_name,district,branch_bureau," + b"x" * 70_000 + b"\n",
                           "header is not valid CSV"),
    "header with bad quote": (b'station_id,"station_name"x,district,branch_bureau\n', "header is not valid CSV"),
    "random bytes": (bytes(range(256)) * 4, "header"),
}


@pytest.mark.parametrize("raw,message", FILE_FAULTS.values(), ids=FILE_FAULTS.keys())
def test_file_level_faults_fail_the_gate_naming_file_and_line(template, raw, message):
    result = ingest_hostile(template, "stations", raw)
    assert isinstance(result, UnreadableFile) and message in str(result)
    assert "org/2026-10-01/stations.csv:1" in str(result)


@pytest.mark.parametrize("entity", ENTITIES)
def test_header_only_and_blank_files_load_nothing(template, entity):
    spec = SPECS[entity]
    header = b"" if spec.fmt == "jsonl" else ",".join(spec.required).encode() + b"\r\n"
    for raw in (header, header + b"\r\n\n\r\n"):
        result = ingest_hostile(template, entity, raw)
        assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (0, 0, 0)


# --------------------------------------------------------------------------------------------------
# Regression tests for the faults these properties found (issue 7).


def _quarantine(template, entity: str, raw: bytes, expect: Expect | None = None):
    """Ingest ``raw`` (must succeed) and return (result, [(line, reason, detail, raw)])."""
    spec = SPECS[entity]
    with copy_of(template) as cfg:
        path = landing_path(cfg.landing, entity)
        path.write_bytes(raw)
        os.utime(path, ns=(T0 * 10**9, T0 * 10**9))
        with ops_session(cfg) as con:
            con.execute(read_sql("ingest/sql/macros.sql"))
            result = ingest_file(con, cfg, spec, DAY)
            check_success(con, spec, path.relative_to(cfg.landing).as_posix(), result, raw, expect)
            rows = con.execute("select line, reason, detail, raw from ingest.quarantine where entity = ? "
                               "order by line", [entity]).fetchall()
            values = con.execute(f"select * from ops.{entity} order by _line").df()
    return result, rows, values


STATIONS = "station_id,station_name,district,branch_bureau\r\nST1,开元派出所,思明区,思明分局\r\n"


@pytest.mark.parametrize("value", ["开元\r派出所", "\r", "a\rb\rc", "x\r\n\ry"])
def test_bare_carriage_return_in_a_quoted_field_is_kept(template, value):
    # The normalised CSV wrote a bare CR unquoted; DuckDB then failed to sniff the file.
    raw = (STATIONS + f'ST2,"{value}",思明区,思明分局\r\n').encode()
    result, rows, values = _quarantine(template, "stations", raw)
    assert rows == [] and values["station_name"].tolist() == ["开元派出所", value]


def test_bare_carriage_return_in_a_json_string_is_kept(template):
    raw = (json.dumps(alert(1)) + "\n" + json.dumps(alert(2, alert_id="A\r2")) + "\n").encode()
    result, rows, values = _quarantine(template, "alerts", raw)
    assert rows == [] and set(values["alert_id"]) == {"A1", "A\r2"}


@pytest.mark.parametrize(("extra", "bad"), [("", b"ST2,\xff\xfe,b,c"), (",remark", b"ST2,b,c,d,\xff\xfe")],
                         ids=["in a required column", "in an ignored column"])
def test_bom_file_with_undecodable_bytes_costs_at_most_that_row(template, extra, bad):
    # utf-8-sig was opened strictly, so the first bad byte raised UnicodeDecodeError.
    header, first = STATIONS.split("\r\n")[:2]
    text = f"{header}{extra}\r\n{first}{',x' if extra else ''}\r\n"
    raw = codecs.BOM_UTF8 + text.encode() + bad + b"\r\n" + f"ST3,x,y,z{',x' if extra else ''}\r\n".encode()
    result, rows, values = _quarantine(template, "stations", raw)
    expected = [] if extra else [(3, "bad_encoding")]
    assert [(r[0], r[1]) for r in rows] == expected and result.rows_accepted == 3 - len(expected)


@pytest.mark.parametrize(("line", "reason"), [(b"ST2,\xff\xfe,b,c\r\n", "bad_encoding"),
                                              (b"ST2,\xff\xfe,b\r\n", "malformed_row")])
def test_undecodable_bytes_are_stored_escaped_in_the_quarantine(template, line, reason):
    # The raw excerpt held surrogate escapes, which DuckDB refused to store: the ingest crashed.
    result, rows, _ = _quarantine(template, "stations", STATIONS.encode() + line)
    assert [(r[0], r[1]) for r in rows] == [(3, reason)] and "\\xff\\xfe" in rows[0][3]


def test_gb18030_file_with_one_bad_byte_keeps_its_other_rows(template):
    # Neither encoding decoded the whole file, so it was read as UTF-8 and every Chinese row was lost.
    text = STATIONS + "ST2,鹭江派出所,思明区,思明分局\r\nST3,东区派出所,湖里区,湖里分局\r\n"
    raw = text.encode("gb18030").replace(b"ST2,", b"ST2,\xff", 1)
    result, rows, values = _quarantine(template, "stations", raw)
    assert [(r[0], r[1]) for r in rows] == [(3, "bad_encoding")]
    assert values["station_name"].tolist() == ["开元派出所", "东区派出所"]


def test_utf8_file_with_a_gb18030_line_keeps_its_utf8_rows(template):
    text = STATIONS + "ST3,东区派出所,湖里区,湖里分局\r\n"
    raw = text.encode() + "ST2,鹭江派出所,思明区,思明分局\r\n".encode("gb18030")
    result, rows, values = _quarantine(template, "stations", raw)
    assert [(r[0], r[1]) for r in rows] == [(4, "bad_encoding")]
    assert values["station_name"].tolist() == ["开元派出所", "东区派出所"]


@pytest.mark.parametrize("line", ["[" * 100_000, '{"alert_id": ' + '{"a": ' * 5_000 + "1" + "}" * 5_001,
                                  "[" * 1_000 + "]" * 1_000])
def test_deeply_nested_json_is_a_malformed_row(template, line):
    # json.loads raised RecursionError, which is not a ValueError.
    raw = (json.dumps(alert(1)) + "\n" + line + "\n").encode()
    result, rows, _ = _quarantine(template, "alerts", raw)
    assert [(r[0], r[1]) for r in rows] == [(2, "malformed_row")] and result.rows_accepted == 1


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\udc80y"])
def test_lone_surrogate_escape_in_json_is_bad_encoding(template, escape):
    # The decoded value could not be written as UTF-8: UnicodeEncodeError.
    raw = (json.dumps(alert(1)) + "\n" + json.dumps(alert(2))[:-1] + f', "phone": "{escape}"}}\n').encode()
    result, rows, _ = _quarantine(template, "alerts", raw)
    assert [(r[0], r[1]) for r in rows] == [(2, "bad_encoding")] and result.rows_accepted == 1


@pytest.mark.parametrize(("column", "value"), [("alert_id", "x" * 3_000_000), ("phone", list(range(400_000))),
                                               ("alert_type", {"k" * 70_000: 1})], ids=["string", "array", "object"])
def test_json_value_over_the_field_limit_is_a_malformed_row(template, column, value):
    # Nothing capped JSON values: a 3 MB string overran DuckDB's 2 MB line limit.
    raw = (json.dumps(alert(1)) + "\n" + json.dumps(alert(2, **{column: value})) + "\n").encode()
    result, rows, _ = _quarantine(template, "alerts", raw)
    assert [(r[0], r[1]) for r in rows] == [(2, "malformed_row")] and f"field {column}" in rows[0][2]


def test_widest_record_within_the_field_limit_loads(template):
    # Nine fields of 64 Ki four-byte characters: 2.4 MB in the normalised file, over DuckDB's default.
    spec = SPECS["persons"]
    wide = "😀" * MAX_FIELD_BYTES
    header = ",".join(spec.required) + "\r\n"
    raw = (header + ",".join([wide] * len(spec.required)) + "\r\n").encode()
    result, rows, _ = _quarantine(template, "persons", raw)
    assert result.rows_read == 1 and [(r[0], r[1]) for r in rows] == [(2, "bad_id_number")]


def test_utf8_file_cut_mid_character_keeps_its_complete_rows(template):
    # Read as GB18030 before: a tiny UTF-8 file cut mid-character can still be valid GB18030, and
    # then every row was accepted as mojibake.
    text = "venue_id,venue_name,venue_type,community_id,license_no,license_expiry,last_inspected_on,open_violations\n"
    text += "V1,鹭江宾馆,hotel,C1,L1,2027-12-31,2026-09-20,0\nV2,星光网吧,internet_cafe,C2,L2,2027-12-31,,1\n"
    raw = text.encode()[: text.encode().index("网".encode()) + 2]
    result, rows, values = _quarantine(template, "venues", raw)
    assert values["venue_name"].tolist() == ["鹭江宾馆"] and [(r[0], r[1]) for r in rows] == [(3, "malformed_row")]


@pytest.mark.parametrize("unit", ["a\r\n", "\n", '"\n'])
def test_oversized_multiline_field_is_one_malformed_record(template, unit):
    # The csv module stopped at 64 KiB and resumed on the field's next line: the rest of the field
    # became records, and a line starting with a quote could swallow the records after it.
    huge = unit * (MAX_FIELD_BYTES // len(unit) + 1)
    field_text = '"' + huge.replace('"', '""') + '"'
    raw = (STATIONS + f"ST2,{field_text},思明区,思明分局\r\n" + '"ST3","鹭江派出所",思明区,思明分局\r\n').encode()
    result, rows, values = _quarantine(template, "stations", raw)
    assert [(r[0], r[1]) for r in rows] == [(3, "malformed_row")] and "field limit" in rows[0][2]
    assert values["station_id"].tolist() == ["ST1", "ST3"]


@pytest.mark.parametrize("second", [codecs.BOM_UTF8, b"", b" "], ids=["with BOM", "plain", "padded"])
def test_repeated_header_row_is_not_a_record(template, second):
    # ``cat a.csv b.csv``: the second header became a station with id "station_id".
    again = STATIONS.replace("ST1", "ST2").replace(",", ", " if second == b" " else ",", 3).encode()
    raw = STATIONS.encode() + (second if second != b" " else b"") + again
    result, rows, values = _quarantine(template, "stations", raw)
    assert [(r[0], r[1], r[2]) for r in rows] == [(3, "malformed_row", "repeated header row")]
    assert values["station_id"].tolist() == ["ST1", "ST2"]
