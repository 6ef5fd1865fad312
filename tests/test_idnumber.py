"""The ISO 7064 MOD 11-2 check character, in Python and in the SQL macro ingestion uses."""

from __future__ import annotations

import random

import duckdb
import pytest
from standard_parts.idnumber import check_character, is_valid_id_number
from standard_parts.store import read_sql

# Published examples (GB 11643 worked example and commonly cited specimens).
VALID = ["11010519491231002X", "440524188001010014"]
INVALID = [
    "110105194912310021",  # wrong check character
    "11010519491231002x",  # lower-case x is not the standard's X
    "1101051949123100",  # too short
    "1101051949123100211",  # too long
    "11010519491231002Y",
    "A10105194912310021",
    "",
]


def test_check_character_of_known_numbers():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


@pytest.mark.parametrize("value", VALID)
def test_valid_numbers_pass(value):
    assert is_valid_id_number(value)


@pytest.mark.parametrize("value", INVALID + [None])
def test_invalid_numbers_fail(value):
    assert not is_valid_id_number(value)


def test_check_character_rejects_non_digits():
    with pytest.raises(ValueError):
        check_character("1101051949123100A")


def test_sql_macro_agrees_with_python():
    rng = random.Random(7)
    samples = VALID + INVALID
    for _ in range(2000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        good = first17 + check_character(first17)
        samples.append(good)
        samples.append(first17 + rng.choice("0123456789X"))
    con = duckdb.connect()
    con.execute(read_sql("ingest/sql/macros.sql"))
    con.execute("create table t (v varchar)")
    con.executemany("insert into t values (?)", [[s] for s in samples])
    got = dict(con.execute("select v, sp_id_number_ok(v) from t").fetchall())
    for s in samples:
        assert got[s] == is_valid_id_number(s), s
