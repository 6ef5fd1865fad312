"""The ``duckdb_writer`` pool must exist before the nightly DAG's writing tasks can run.

Airflow leaves a task whose pool does not exist in ``scheduled`` for ever, saying nothing in the
task's log. The DAG's first task (``check_inputs``, outside the pool) calls :func:`require_writer_pool`
so a missing pool fails that task with a message naming the fix. ``make airflow`` and the compose
file create the pool.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

from .orchestration import WRITER_POOL

log = logging.getLogger(__name__)

CREATE = f'airflow pools set {WRITER_POOL} 1 "DuckDB single writer"'


class PoolMissing(RuntimeError):
    pass


def require_writer_pool(pool: str = WRITER_POOL, timeout: float = 120.0) -> None:
    """Raise :class:`PoolMissing` when the Airflow metadata database has no ``pool`` (``duckdb_writer``,
    or in a province a city's ``duckdb_writer_<city>``).
    When the check itself cannot run (no ``airflow`` command, no database access from this worker),
    it logs why and lets the task go on: it must never block a correctly set-up deployment."""
    airflow = shutil.which("airflow")
    if airflow is None:
        log.warning("cannot check the %s pool: no airflow command on PATH", pool)
        return
    try:
        done = subprocess.run([airflow, "pools", "get", pool, "--output", "plain"], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("cannot check the %s pool: %s", pool, exc)
        return
    text = (done.stdout + done.stderr).lower()
    if done.returncode == 0 and pool in text:
        log.info("pool %s exists", pool)
        return
    if "not found" in text or "does not exist" in text or "no pool" in text:
        raise PoolMissing(
            f"the Airflow pool {pool} does not exist, so every task that writes DuckDB would wait in "
            f"'scheduled' for ever. Create it with: {CREATE.replace(WRITER_POOL, pool)} (make airflow and docker compose do this), "
            "then clear this task.")
    log.warning("cannot check the %s pool (airflow pools get exited %s): %s", pool, done.returncode,
                (done.stdout + done.stderr).strip()[-300:])
