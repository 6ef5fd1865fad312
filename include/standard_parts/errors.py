"""The two kinds of failure a stage can end with, and what the scheduler does about each.

* :class:`GateFailure` is a fact about the data (a quality gate failed, an input is stale, missing,
  truncated or unreadable). Retrying cannot change it: the Airflow task fails at once, nothing
  downstream runs, and the CLI exits with status 2. Messages name the gate, the file, the line and
  the reason.
* :class:`OperationalError` is a fault of the moment (the warehouse lock is held, dbt could not open
  a file, the disk was full). The data may be fine: the task is retried (the DAG's ``retries``), and
  the CLI exits with status 1.

Every module raises these two from here (``standard_parts.errors``), never a private copy.
"""

from __future__ import annotations


class GateFailure(RuntimeError):
    """A quality gate failed: everything that depends on the gated data must not run."""

    def __init__(self, gate: str, message: str):
        super().__init__(f"[gate {gate}] {message}")
        self.gate = gate


class UnreadableFile(GateFailure):
    """A landing file that cannot be read at all (encoding, header, missing required columns)."""

    def __init__(self, feed: str, path: str, line: int | None, reason: str):
        where = f"{path}:{line}" if line else path
        super().__init__(feed, f"cannot read {where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class OperationalError(RuntimeError):
    """A transient fault, not a verdict on the data: worth retrying."""
