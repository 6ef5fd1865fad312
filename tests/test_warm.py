"""A warm worker: Celery's worker_init imports standard_parts.warm once, and a task forked from the
worker afterwards finds Great Expectations loaded (README, issue #15)."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(180)


def _run(code: str) -> list[str]:
    env_code = "import os; os.environ['AIRFLOW__CORE__LOAD_EXAMPLES'] = 'False'\n" + code
    res = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    # Airflow and GX log to stdout too: the script's own answers are the lines marked "=>"
    return [line[2:] for line in res.stdout.splitlines() if line.startswith("=>")]


def test_celery_config_is_airflows_own_and_warms_only_a_starting_worker():
    out = _run("""
import sys
from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from standard_parts import celery_config
print("=>", celery_config.CELERY_CONFIG is DEFAULT_CELERY_CONFIG, sep="")
print("=>", "great_expectations" in sys.modules, "standard_parts.warm" in sys.modules, sep="")  # the scheduler's view
from celery.signals import worker_init
worker_init.send(sender=None)  # what a Celery worker sends before its pool forks
print("=>", "great_expectations" in sys.modules, "standard_parts.warm" in sys.modules, sep="")
""")
    assert out == ["True", "FalseFalse", "TrueTrue"]


def test_a_forked_stage_validates_without_importing_again():
    """What the warm-up buys: a fork of the warm process runs a gate with nothing left to import."""
    out = _run("""
import os, sys
import standard_parts.warm
before = set(sys.modules)
pid = os.fork()
if pid == 0:
    import pandas as pd
    from standard_parts.gates import validate_frame
    suite = {"name": "t", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}}]}
    outcome = validate_frame(suite, pd.DataFrame({"x": [1, None]}))
    new = sorted(m for m in set(sys.modules) - before if m.startswith(("great_expectations", "pandas", "scipy", "sqlalchemy")))
    print("=>", outcome.success, outcome.failed, new)
    sys.stdout.flush()
    os._exit(0)
os.waitpid(pid, 0)
""")
    assert out == [" False 1 []"], out
