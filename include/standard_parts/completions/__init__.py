"""Completions reported back by officers (SPEC sections 3 and 6): ingest, gate, read models.

The night calls :func:`run_stage` twice: ``final=False`` before generation (what landed by the run
date decides which tasks are open) and ``final=True`` after it (the day's file may complete tasks
issued that morning). Both passes replace the run date's file as a unit, so either may be re-run.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from ..config import Settings
from .gate import gate_completions
from .ingest import CompletionFileResult, file_end, ingest_completions, refresh_reference

__all__ = ["CompletionFileResult", "file_end", "gate_completions", "ingest_completions", "refresh_reference",
           "run_stage"]


def run_stage(settings: Settings, run_date: date, final: bool = True) -> list[dict]:
    """Ingest the run date's completions file under the writer lock and enforce its gate."""
    from ..store import ops_session

    with ops_session(settings) as con:
        results = ingest_completions(con, settings, run_date)
        gate_completions(con, settings, run_date, results, final=final)
    return [asdict(r) for r in results]
