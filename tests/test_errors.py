"""Data failures fail fast (GateFailure); operational faults are retried (OperationalError)."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pytest
from standard_parts.analytics import _dbt_failures
from standard_parts.errors import GateFailure, OperationalError, UnreadableFile
from standard_parts.store import WarehouseBusy, table_exists, transaction, warehouse_lock


def _result(unique_id: str, resource_type: str, status: str, message: str = "") -> SimpleNamespace:
    node = SimpleNamespace(unique_id=unique_id, resource_type=resource_type)
    return SimpleNamespace(node=node, status=status, message=message)


def _outcome(*results, exception=None) -> SimpleNamespace:
    return SimpleNamespace(exception=exception, result=SimpleNamespace(results=list(results)))


def test_a_failed_data_test_is_a_data_failure():
    data, other = _dbt_failures(_outcome(
        _result("model.sp.fct_tasks", "model", "success"),
        _result("test.sp.unique_fct_tasks_task_id", "test", "fail", "Got 2 results"),
    ))
    assert data == ["test.sp.unique_fct_tasks_task_id: fail: Got 2 results"] and other == []


def test_a_model_that_cannot_build_is_operational():
    data, other = _dbt_failures(_outcome(
        _result("model.sp.fct_tasks", "model", "error", "IO Error: could not write"),
        _result("test.sp.not_null_x", "test", "fail", "1 row"),
    ))
    assert other == ["model.sp.fct_tasks: error: IO Error: could not write"]
    assert data == ["test.sp.not_null_x: fail: 1 row"]


def test_dbt_that_crashes_is_operational():
    data, other = _dbt_failures(_outcome(exception=OSError("No space left on device")))
    assert data == [] and other == ["OSError: No space left on device"]


def test_kinds():
    assert issubclass(UnreadableFile, GateFailure)
    assert not issubclass(GateFailure, OperationalError) and not issubclass(OperationalError, GateFailure)
    assert str(GateFailure("population", "3 rows")) == "[gate population] 3 rows"


def test_a_held_writer_lock_is_operational(settings):
    with warehouse_lock(settings):
        # flock is per open file description: a second open of the lock file in this process blocks too
        with pytest.raises(WarehouseBusy) as caught, warehouse_lock(settings, wait_seconds=0.0):
            pass
    assert isinstance(caught.value, OperationalError)


def test_store_transaction_commits_and_rolls_back_and_table_exists():
    """The one begin/commit helper every writer uses: a failing block leaves no rows behind."""
    con = duckdb.connect()
    con.execute("create schema ops")
    assert not table_exists(con, "ops", "t")
    con.execute("create table ops.t (x integer)")
    assert table_exists(con, "ops", "t") and not table_exists(con, "main", "t")
    with transaction(con):
        con.execute("insert into ops.t values (1)")
    with pytest.raises(KeyboardInterrupt), transaction(con):
        con.execute("insert into ops.t values (2)")
        raise KeyboardInterrupt
    assert con.execute("select list(x) from ops.t").fetchone()[0] == [1]
