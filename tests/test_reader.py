"""Encoding detection and the normaliser's structural checks."""

from __future__ import annotations

import codecs
import csv

import pytest
from standard_parts.errors import UnreadableFile
from standard_parts.feeds import FILES
from standard_parts.ingest.reader import detect_encoding, normalise

SPECS = {f.entity: f for f in FILES}
TEXT = "station_id,station_name,district,branch_bureau\nST1,开元派出所,思明区,思明分局\n"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (b"station_id\nST1\n", "utf-8"),  # plain ASCII is valid UTF-8
    ],
)
def test_detect_encoding(tmp_path, raw, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    assert detect_encoding(path) == expected


def _normalise(tmp_path, entity, raw: bytes):
    src = tmp_path / "src"
    src.write_bytes(raw)
    return normalise(SPECS[entity], src, tmp_path / "out.csv", f"x/{entity}")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_normalised_output_is_utf8_with_line_numbers(tmp_path, encoding):
    result = _normalise(tmp_path, "stations", TEXT.encode(encoding))
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert rows == [["_line", "station_id", "station_name", "district", "branch_bureau"],
                    ["2", "ST1", "开元派出所", "思明区", "思明分局"]]
    assert result.rows_read == 1 and not result.rejected


def test_multiline_quoted_record_keeps_its_starting_line(tmp_path):
    raw = ('station_id,station_name,district,branch_bureau\n'
           'ST1,"开元\n派出所",思明区,思明分局\n'
           'ST2,鹭江派出所,思明区,思明分局\n').encode()
    _normalise(tmp_path, "stations", raw)
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == ["2", "4"]


def test_wrong_column_count_is_rejected_with_its_line(tmp_path):
    raw = b"station_id,station_name,district,branch_bureau\nST1,a,b,c\nST2,a,b\nST3,a,b,c,d\n"
    result = _normalise(tmp_path, "stations", raw)
    assert [(r.line, r.reason) for r in result.rejected] == [(3, "malformed_row"), (4, "malformed_row")]
    assert result.rows_read == 3


def test_extra_columns_are_ignored(tmp_path):
    raw = b"remark,station_id,station_name,district,branch_bureau\nhi,ST1,a,b,c\n"
    result = _normalise(tmp_path, "stations", raw)
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert rows[1] == ["2", "ST1", "a", "b", "c"] and result.rows_read == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty file"),
        (b"station_id,station_name,district\nST1,a,b\n", "missing required column(s) branch_bureau"),
        (b"station_id,station_id,station_name,district,branch_bureau\n", "duplicated column(s) station_id"),
    ],
)
def test_file_level_faults_fail_the_gate_naming_the_file(tmp_path, raw, message):
    with pytest.raises(UnreadableFile) as err:
        _normalise(tmp_path, "stations", raw)
    assert message in str(err.value) and "x/stations:1" in str(err.value)


def test_jsonl_non_objects_and_bad_json_are_rejected(tmp_path):
    raw = b'{"alert_id": "A1", "raised_at": "2026-10-01T09:00:00+08:00"}\n[1, 2]\nnot json\n\n"text"\n'
    result = _normalise(tmp_path, "alerts", raw)
    assert [(r.line, r.reason) for r in result.rejected] == [(2, "malformed_row"), (3, "malformed_row"),
                                                             (5, "malformed_row")]
    assert result.rows_read == 4


def test_undecodable_bytes_quarantine_only_their_row(tmp_path):
    # Valid UTF-8 Chinese everywhere except one stray byte: neither UTF-8 nor GB18030 decodes the
    # whole file, so only the damaged record is rejected.
    good = "station_id,station_name,district,branch_bureau\nST1,开元派出所,思明区,思明分局\n".encode()
    raw = good + b"ST2,\xff\xfe\x80,b,c\n"
    result = _normalise(tmp_path, "stations", raw)
    assert [(r.line, r.reason) for r in result.rejected] == [(3, "bad_encoding")]
    assert result.rows_read == 2
