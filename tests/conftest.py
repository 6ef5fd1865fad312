from __future__ import annotations

import os

import pytest

os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings pointing at a fresh landing and warehouse under tmp_path."""
    from standard_parts.config import Settings

    for name in ("LANDING", "WAREHOUSE", "PUBLISH", "PRODUCTION", "PSEUDONYM_KEY"):
        monkeypatch.delenv(f"STANDARD_PARTS_{name}", raising=False)
    return Settings(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse")
