"""`standard-parts demo` is quiet: a progress bar, one line per night, pointers at the end, the log in a file."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.integration


def test_demo_prints_one_line_per_night_and_logs_to_a_file(tmp_path, monkeypatch):
    from standard_parts.cli import app

    for name in ("LANDING", "WAREHOUSE", "PUBLISH"):
        monkeypatch.delenv(f"STANDARD_PARTS_{name}", raising=False)
    result = CliRunner().invoke(app, ["demo", "--landing", str(tmp_path / "data" / "landing"), "--warehouse",
                                      str(tmp_path / "data" / "warehouse"), "--residents", "1000", "--days", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    nights = re.findall(r"(2026-10-0[12]) succeeded: ([\d,]+) tasks issued, ([\d,]+) packages, completion rate "
                        r"(?:[\d.]+%|n/a) \(\d+/\d+ due\), gates (\d+)/(\d+) passed", text)
    assert [n[0] for n in nights] == ["2026-10-01", "2026-10-02"]
    assert all(n[3] == n[4] for n in nights)
    squeezed = "".join(result.output.split())  # rich folds a long path across lines
    assert f"leadershipreport:{tmp_path / 'data' / 'warehouse' / 'reports' / 'latest.html'}" in squeezed
    assert "make airflow" in text and "jupyter execute notebooks/01_completion_analysis.ipynb" in text
    assert "INFO" not in result.output  # stage logs go to the file, not the terminal
    log = (tmp_path / "data" / "logs" / "demo.log").read_text(encoding="utf-8")
    assert "inputs of 2026-10-02 accepted" in log and "swapped in" in log
