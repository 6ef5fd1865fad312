"""Province config (SPEC section 10): validation, relative paths, per-city Settings and keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from standard_parts.config import Settings
from standard_parts.province.config import ProvinceConfigError, load_config

GOOD = """\
province: {id: fujian, name: 福建省}
rollup: ./province            # the roll-up folder
cities:
  - id: xiamen
    name: 厦门市
    landing: ./xiamen/landing
    warehouse: ./xiamen/warehouse
    publish: folder:./xiamen/publish
  - id: fuzhou
    name: 福州市
    landing: /srv/fuzhou/landing
    warehouse: ../elsewhere/fuzhou
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "province.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_resolve_against_the_files_folder(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    config = load_config(write(tmp_path, GOOD))
    base = (tmp_path / "conf").resolve()
    assert config.province.id == "fujian" and config.province.name == "福建省"
    assert config.rollup == base / "province"
    assert config.db_path == base / "province" / "province.duckdb"
    xiamen, fuzhou = config.cities
    assert (xiamen.landing, xiamen.warehouse) == (base / "xiamen" / "landing", base / "xiamen" / "warehouse")
    assert xiamen.publish == f"folder:{base / 'xiamen' / 'publish'}"
    assert fuzhou.landing == Path("/srv/fuzhou/landing")
    assert fuzhou.warehouse == (tmp_path / "elsewhere" / "fuzhou").resolve()
    assert fuzhou.publish is None
    assert (xiamen.queue, xiamen.pool) == ("xiamen", "duckdb_writer_xiamen")


@pytest.mark.parametrize(("text", "where", "reason"), [
    (GOOD.replace("id: fuzhou", "id: Fuzhou"), ":9:", "cities.1.id: String should match pattern"),
    (GOOD.replace("id: fuzhou", "id: 9zhou"), ":9:", "cities.1.id: String should match pattern"),
    (GOOD.replace("id: fuzhou", "id: xiamen"), "province.yaml:", "city id 'xiamen' appears twice"),
    (GOOD.replace("    landing: /srv/fuzhou/landing\n", ""), ":9:", "cities.1.landing: Field required"),
    (GOOD.replace("folder:./xiamen/publish", "ftp://x"), ":4:", "publish must be folder:DIR or http(s)://URL"),
    (GOOD.replace("rollup:", "rolup:"), ":2:", "rolup: Extra inputs are not permitted"),
    ("province: [unclosed\n", ":2:", "not valid YAML"),
    ("- just a list\n", "province.yaml:", "expected a mapping"),
    (GOOD.split("cities:")[0] + "cities: []\n", ":3:", "cities: List should have at least 1 item"),
])
def test_bad_configs_are_refused_naming_file_line_and_reason(tmp_path, text, where, reason):
    path = write(tmp_path, text)
    with pytest.raises(ProvinceConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert where in message and reason in message, message


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ProvinceConfigError, match="cannot read the province config"):
        load_config(tmp_path / "nope.yaml")


def test_each_city_gets_its_own_key_else_the_shared_one(tmp_path, monkeypatch):
    config = load_config(write(tmp_path, GOOD))
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY", "shared-key")
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY__XIAMEN", "xiamen-key")
    monkeypatch.setenv("STANDARD_PARTS_WAREHOUSE", "/should/not/be/used")
    monkeypatch.setenv("STANDARD_PARTS_PUBLISH", "folder:/should/not/be/used")
    xiamen, fuzhou = (c.settings() for c in config.cities)
    assert xiamen.key_bytes == b"xiamen-key"
    assert fuzhou.key_bytes == b"shared-key"
    assert xiamen.warehouse == config.cities[0].warehouse and fuzhou.publish is None
    assert xiamen.analytics_path == config.cities[0].warehouse / "analytics.duckdb"


def test_settings_still_load_with_per_city_key_variables_present(monkeypatch):
    """The agreed interface: per-city key variables in the environment never break Settings()."""
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY", "shared-key")
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY__XIAMEN", "xiamen-key")
    monkeypatch.setenv("STANDARD_PARTS_PSEUDONYM_KEY__FUZHOU", "fuzhou-key")
    assert Settings().key_bytes == b"shared-key"


def test_parse_time_measure_with_nine_cities_covers_every_dag_file():
    """What `standard-parts bench --cities N` reports as DAG parse time (the number goes to the
    README; no timed assertion): one figure per DAG file, parsed with nine cities configured."""
    from standard_parts.province.bench import dag_parse_with_cities

    times = dag_parse_with_cities(9)
    assert set(times) == {"standard_parts_nightly.py", "standard_parts_province.py"}
    assert all(isinstance(v, float) and v > 0 for v in times.values())
