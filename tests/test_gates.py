"""The GX gate plumbing: frames read by way of Arrow, and no per-batch fingerprint."""

from __future__ import annotations

import duckdb
import pytest
from standard_parts.gates import read_frame, validate_frame

SUITE = {
    "name": "test.persons",
    "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id_number"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "moved_in_on"}},
    ],
    "meta": {"pii_columns": ["id_number"]},
}


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("""create table persons as select * from (values
        ('350203199001011010', date '2020-01-01', timestamptz '2026-10-01 08:00:00+08'),
        ('350203199001011117', date '2021-02-03', null),
        ('350203199001011117', null, timestamptz '2026-10-02 09:30:00+08')) as t(id_number, moved_in_on, seen_at)""")
    yield c
    c.close()


def test_read_frame_equals_df_and_survives_an_unread_result(con):
    con.execute("select * from range(10)")  # an unfinished DB-API result on the connection
    frame = read_frame(con, "select * from persons where id_number like ? order by all", ["35%"])
    expected = con.execute("select * from persons where id_number like ? order by all", ["35%"]).df()
    assert frame.astype(object).where(frame.notna(), None).values.tolist() == \
        expected.astype(object).where(expected.notna(), None).values.tolist()


def test_gates_find_failures_without_fingerprinting_the_batch(con, monkeypatch):
    from great_expectations.execution_engine import pandas_execution_engine

    def fingerprint(_df):
        raise AssertionError("GX fingerprinted the batch (an md5 over every row)")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", fingerprint)
    outcome = validate_frame(SUITE, read_frame(con, "select * from persons"))
    assert not outcome.success and outcome.failed == 2
    assert "350203199001011117" not in outcome.summary  # the pii column's examples are masked
    assert "350*************17" in outcome.summary


def test_personal_columns_are_masked_even_when_a_suite_forgets_them(con):
    suite = {"name": "test.names", "expectations": [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "name", "value_set": ["张三"]}}]}
    frame = read_frame(con, "select '李四光' as name")
    outcome = validate_frame(suite, frame)
    assert not outcome.success and "李四光" not in outcome.summary


def test_a_gate_leaves_scipy_stats_and_altair_unloaded_until_read():
    """GX loads them for expectations no suite uses: a gate defers them (and a read still works)."""
    import subprocess
    import sys

    code = """
import sys
import pandas as pd
from standard_parts.gates import validate_frame
suite = {"name": "t", "expectations": [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}}]}
outcome = validate_frame(suite, pd.DataFrame({"x": [1, None]}))
print(outcome.success, outcome.failed)
print(sorted(n for n in ("scipy.stats", "altair") if type(sys.modules.get(n)).__name__ == "module"))
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
print(kl.stats.norm.cdf(0.0), kl.alt.Chart.__name__, type(sys.modules["scipy.stats"]).__name__)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:3] == ["False 1", "[]", "0.5 Chart module"], out
