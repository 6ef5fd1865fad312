"""Analyst notebooks: each runs top to bottom against a small warehouse; committed without outputs."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from report_sample import PERSONS, build_sample_analytics

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_analyst_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_completion_analysis.ipynb", "02_officer_scorecards.ipynb", "03_data_quality.ipynb",
            "04_periods.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"
    text = path.read_text(encoding="utf-8")
    assert "read_only=True" in text and "Settings()" in text  # read-only, path from the settings


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("notebooks") / "warehouse"
    build_sample_analytics(root)
    return root


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom(path, warehouse, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    # The kernel is this interpreter's (the project venv): put its bin first on PATH and point the
    # notebook at the small warehouse through the settings' environment variable.
    monkeypatch.setenv("STANDARD_PARTS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    first = "".join(o.get("text", "") for o in nb.cells[1].outputs if o.output_type == "stream")
    assert str(warehouse / "analytics.duckdb") in first, "the notebook must read the settings' warehouse"
    # No personal data in what the notebook shows (the planted persons live outside the marts).
    shown = nbformat.writes(nb)
    for id_number, name, phone in PERSONS:
        assert id_number not in shown and name not in shown and phone not in shown
    assert not re.search(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs))
