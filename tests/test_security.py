"""Settings safety, keyed pseudonyms and the single-writer lock."""

from __future__ import annotations

import multiprocessing as mp
import time
from datetime import date

import pytest
from pydantic import ValidationError
from standard_parts.config import DEMO_PSEUDONYM_KEY, Settings
from standard_parts.privacy import pseudonym
from standard_parts.store import WarehouseBusy, warehouse_lock


def test_production_refuses_to_start_without_a_pseudonym_key(monkeypatch):
    monkeypatch.delenv("STANDARD_PARTS_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("STANDARD_PARTS_PRODUCTION", "true")
    with pytest.raises(ValidationError, match="STANDARD_PARTS_PSEUDONYM_KEY must be set"):
        Settings()
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY)
    with pytest.raises(ValidationError, match="STANDARD_PARTS_PSEUDONYM_KEY"):
        Settings()
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY", "a-real-secret-from-the-vault")
    settings = Settings()
    assert settings.key_bytes == b"a-real-secret-from-the-vault"
    assert "a-real-secret" not in repr(settings)  # SecretStr keeps it out of logs


def test_pseudonyms_are_keyed_and_stable():
    person = "11010519491231002X"
    a = pseudonym(b"key-one", person)
    assert a == pseudonym(b"key-one", person)
    assert a != pseudonym(b"key-two", person)
    assert person not in a and a.startswith("P") and len(a) == 25


def _hold(warehouse, seconds, ready):
    settings = Settings(landing=warehouse, warehouse=warehouse)
    with warehouse_lock(settings):
        ready.set()
        time.sleep(seconds)


def test_second_writer_waits_then_refuses_clearly(tmp_path):
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold, args=(tmp_path, 3, ready))
    holder.start()
    try:
        assert ready.wait(20)
        settings = Settings(landing=tmp_path, warehouse=tmp_path)
        with pytest.raises(WarehouseBusy, match=r"another standard-parts run holds .*\.writer\.lock \(pid \d+\)"):
            with warehouse_lock(settings, wait_seconds=0.5):
                pass
        # Once the first run ends, the second one gets the lock.
        holder.join(20)
        with warehouse_lock(settings, wait_seconds=5):
            pass
    finally:
        holder.kill()


def test_pii_scan_command_finds_persons_on_file_and_masks_them(settings, tmp_path):
    from builders import Landing
    from standard_parts.cli import app
    from standard_parts.pipeline import ingest
    from typer.testing import CliRunner

    land = Landing.small_city(settings.landing)
    land.write(date(2026, 10, 10))
    ingest(settings, "org", date(2026, 10, 10))
    ingest(settings, "population", date(2026, 10, 10))
    person = land.rows["persons"][0]
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "clean.log").write_text("gate ingest.persons passed (6 expectations)\n", encoding="utf-8")
    runner = CliRunner()
    clean = runner.invoke(app, ["pii-scan", str(logs), "--warehouse", str(settings.warehouse)])
    assert clean.exit_code == 0, clean.output
    (logs / "task.log").write_text(f"row rejected: {person['id_number']} {person['phone']}\n", encoding="utf-8")
    found = runner.invoke(app, ["pii-scan", str(logs), "--warehouse", str(settings.warehouse)])
    assert found.exit_code == 1, found.output
    assert "task.log" in found.output and "id_number" in found.output and "phone" in found.output
    assert person["id_number"] not in found.output and person["phone"] not in found.output


def test_taking_the_lock_sweeps_what_a_killed_run_left_in_scratch(settings):
    """A killed ingest leaves a normalised copy of a feed (personal data) in the scratch folder;
    the next holder of the writer lock removes it. Scratch lives in the warehouse, owner-only."""
    from standard_parts.store import scratch_dir

    leftover = scratch_dir(settings) / "ingest-abc123"
    leftover.mkdir()
    (leftover / "persons.csv").write_text("350203199001011010,张三\n", encoding="utf-8")
    (scratch_dir(settings) / "analytics-build-x").mkdir()
    assert oct(scratch_dir(settings).stat().st_mode & 0o777) == "0o700"
    with warehouse_lock(settings):
        assert list(scratch_dir(settings).iterdir()) == []


def test_pii_scan_finds_names_inside_running_chinese_text():
    from standard_parts.pii_scan import scan_text

    names = {"张三丰", "李四", "O'Neil Wang", "王五"}
    text = "<p>负责人张三丰已到场，李四未到</p> contact: O'Neil Wang; 王 五 (spaced: not the name)"
    found = sorted(f.excerpt for f in scan_text(text, "page.html", names) if f.kind == "name")
    # 张三丰, 李四 and O'Neil Wang, masked (a finding must not leak the name); 王五 appears only split
    assert found == sorted(["张**", "李*", "O'N******ng"])


def test_the_three_masks_are_distinct_on_purpose():
    """privacy.py holds every mask; each reader's output is pinned (see the module docstring)."""
    from standard_parts.privacy import mask_finding, mask_id_for_officer, mask_value

    id_number = "110101199003071234"
    assert mask_id_for_officer(id_number) == "1101**********1234"
    assert mask_value(id_number) == "110*************34"
    assert mask_finding(id_number) == "110*************34"
    assert (mask_id_for_officer("张三丰"), mask_value("张三丰"), mask_finding("张三丰")) == ("***", "***", "张**")
    assert mask_value(13800138000) == "138******00"
