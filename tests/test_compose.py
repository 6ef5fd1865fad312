"""Static checks of the docker-compose deployment (no Docker engine needed).

The compose file is read as YAML (anchors resolved, `${VAR}` left as written), the Dockerfile and
`.env.example` as text. When a compose binary is installed, `docker compose config` (or the older
`docker-compose config`) also renders the file with a throwaway .env built from `.env.example`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERIGNORE = REPO / ".dockerignore"

AIRFLOW_VERSION = "3.3.2"
PYTHON_VERSION = "3.11"

# service -> the Airflow command it runs (the official Airflow 3 CeleryExecutor topology)
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker --queues ${AIRFLOW_WORKER_QUEUES:-default}",
    "airflow-triggerer": "triggerer",
}
REQUIRED_SERVICES = {"postgres", "redis", "airflow-init", *AIRFLOW_COMMANDS}
ONE_SHOT = {"airflow-init", "airflow-cli"}  # run to completion; no healthcheck
PROJECT_MOUNTS = {"dags", "dbt", "include", "expectations"}
DATA_DIR = "/opt/airflow/data"

# `${NAME...}` but not the `$${NAME}` escape (a variable of the container's shell).
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}")
REQUIRED_ONLY = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}$")  # ${VAR:?msg}, no default
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN")
URL_CREDENTIALS = re.compile(r"://[^/\s:@]*:(\$\{[^}]*\}|[^@\s]*)@")  # scheme://user:password@host


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _compose_text() -> str:
    """The compose file without its comment lines (which may quote `${VAR}` as prose)."""
    return "\n".join(line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))


def _interpolate(value: str) -> str:
    """Resolve `${VAR...}` as compose would with .env.example (required and empty -> a dummy)."""
    example = _env_example()

    def resolve(match: re.Match) -> str:
        name, modifier = match.groups()
        if example.get(name):
            return example[name]
        if modifier.startswith((":-", "-")):
            return modifier.split("-", 1)[1]
        return f"dummy-{name.lower()}"

    return INTERPOLATION.sub(resolve, value)


def _services() -> dict:
    return _compose()["services"]


def _airflow_services() -> dict:
    """Every service that runs the project image (the x-airflow-common anchor)."""
    return {name: svc for name, svc in _services().items() if "build" in svc}


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f".env.example line without '=': {line!r}"
            values[name.strip()] = value.strip()
    return values


def _is_secret_name(name: str) -> bool:
    # *_FILE / *_PATH variables hold where a secret lives, not the secret.
    return bool(SECRET_NAME.search(name)) and not name.endswith(("_FILE", "_PATH"))


def _command(svc: dict) -> str:
    cmd = svc.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def _volumes(svc: dict) -> dict[str, tuple[str, str]]:
    """container path -> (source, mode) for short-syntax volumes."""
    mounts = {}
    for spec in svc.get("volumes", []):
        parts = _interpolate(spec).split(":")
        mode = parts[2] if len(parts) > 2 else "rw"
        mounts[parts[1]] = (parts[0], mode)
    return mounts


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


# --- topology -------------------------------------------------------------------------------


def test_official_airflow3_celery_topology():
    services = _services()
    assert REQUIRED_SERVICES <= set(services), f"missing: {REQUIRED_SERVICES - set(services)}"
    for name, command in AIRFLOW_COMMANDS.items():
        assert _command(services[name]) == command, name
    assert "webserver" not in COMPOSE.read_text(), "Airflow 3 has no webserver; the api-server serves the UI"
    # Optional services stay behind a profile.
    assert services["flower"]["profiles"] == ["flower"]
    assert _command(services["flower"]) == "celery flower"


def test_api_server_port_and_health_endpoint():
    api = _services()["airflow-apiserver"]
    assert any(str(p).endswith(":8080") for p in api["ports"]), api["ports"]
    test = " ".join(api["healthcheck"]["test"])
    assert re.search(r"localhost:8080/api/v2/(version|monitor/health)\b", test), test
    # The health route exists in the installed Airflow (3.x moved it under /api/v2).
    airflow_dir = Path(importlib.util.find_spec("airflow").submodule_search_locations[0])
    monitor = airflow_dir / "api_fastapi/core_api/routes/public/monitor.py"
    assert '"/health"' in monitor.read_text()


def test_scheduler_health_server_is_enabled_and_probed():
    services = _services()
    scheduler = services["airflow-scheduler"]
    assert "localhost:8974/health" in " ".join(scheduler["healthcheck"]["test"])
    assert scheduler["environment"]["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"


def test_every_long_running_service_has_a_healthcheck_and_restarts():
    for name, svc in _services().items():
        if name in ONE_SHOT:
            continue
        check = svc.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert svc.get("restart") in ("always", "unless-stopped"), f"{name} is not restarted"


def test_start_order_waits_for_health_and_init():
    services = _services()
    for name in ("postgres", "redis"):
        assert "depends_on" not in services[name]
    for name, svc in _airflow_services().items():
        deps = svc["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert deps["redis"]["condition"] == "service_healthy", name
        if name not in ONE_SHOT:
            assert deps["airflow-init"]["condition"] == "service_completed_successfully", name
    worker_deps = services["airflow-worker"]["depends_on"]
    assert worker_deps["airflow-apiserver"]["condition"] == "service_healthy"


def test_province_mode_queues_pools_and_config_mount():
    """Province mode (SPEC 10): workers serve the queues named in AIRFLOW_WORKER_QUEUES (the city
    ids), the province folder is mounted writable, the config path reaches every service, and
    airflow-init creates each city's writer pool from the config."""
    services = _services()
    assert _interpolate(_command(services["airflow-worker"])) == "celery worker --queues default"
    for name, svc in _airflow_services().items():
        mounts = _volumes(svc)
        assert mounts.get("/opt/airflow/province", (None, None))[1] == "rw", name
        env = svc["environment"]
        assert env["STANDARD_PARTS_PROVINCE_CONFIG"] == "${STANDARD_PARTS_PROVINCE_CONFIG:-}", name
    script = _command(services["airflow-init"])
    assert 'standard-parts province pools --config "$${STANDARD_PARTS_PROVINCE_CONFIG}"' in script
    assert script.index("airflow db migrate") < script.index("province pools")
    assert _env_example()["AIRFLOW_WORKER_QUEUES"] == "default"


def test_worker_healthcheck_uses_the_installed_celery_app():
    test = " ".join(_services()["airflow-worker"]["healthcheck"]["test"])
    module = re.search(r"--app ([\w.]+)\.app\b", test).group(1)
    assert importlib.util.find_spec(module) is not None, module


# --- configuration --------------------------------------------------------------------------


def test_airflow_configuration_on_every_airflow_service():
    for name, svc in _airflow_services().items():
        env = svc["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert str(env["AIRFLOW__CORE__LOAD_EXAMPLES"]).lower() == "false", name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://"), name
        assert "@postgres:" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://"), name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        # workers start warm and fork their tasks warm (tests/test_warm.py)
        assert env["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"] == "standard_parts.celery_config.CELERY_CONFIG", name
        for secret in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
            assert secret in env, f"{name} lacks {secret}"
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in env, name


def test_auth_manager_is_shipped_with_airflow():
    env = _services()["airflow-apiserver"]["environment"]
    module, _, cls = env["AIRFLOW__CORE__AUTH_MANAGER"].rpartition(".")
    spec = importlib.util.find_spec(module)
    assert spec is not None, module
    assert f"class {cls}(" in Path(spec.origin).read_text()
    user, role = _interpolate(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]).split(":")
    assert user and role == "admin"
    # The password file lives on a volume that airflow-init writes and the api-server reads.
    auth_dir = str(Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).parent)
    for name in ("airflow-init", "airflow-apiserver"):
        assert auth_dir in _volumes(_services()[name]), name


def test_standard_parts_settings_are_production_and_known():
    from standard_parts.config import Settings

    # + the province config's path: read at DAG parse time (standard_parts.province.config), on
    # services that hold no pseudonym key and so cannot build a production Settings
    fields = {f"STANDARD_PARTS_{name.upper()}" for name in Settings.model_fields} | {"STANDARD_PARTS_PROVINCE_CONFIG"}
    for name, svc in _airflow_services().items():
        env = svc["environment"]
        assert env["STANDARD_PARTS_PRODUCTION"] == "true", name
        assert env["STANDARD_PARTS_LANDING"] == f"{DATA_DIR}/landing", name
        assert env["STANDARD_PARTS_WAREHOUSE"] == f"{DATA_DIR}/warehouse", name
        unknown = {k for k in env if k.startswith("STANDARD_PARTS_")} - fields
        assert not unknown, f"{name}: not Settings fields: {unknown}"
    # Tasks run only on the worker: it (and the operator CLI) hold the pseudonym key.
    assert "STANDARD_PARTS_PSEUDONYM_KEY" in _services()["airflow-worker"]["environment"]


def test_worker_environment_satisfies_production_settings(monkeypatch):
    from standard_parts.config import Settings

    env = _services()["airflow-worker"]["environment"]
    for key in os.environ:
        if key.startswith("STANDARD_PARTS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("STANDARD_PARTS_"):
            monkeypatch.setenv(key, _interpolate(str(value)))
    settings = Settings()
    assert settings.production is True
    assert str(settings.warehouse).startswith(DATA_DIR)
    assert settings.publish and settings.publish.startswith(f"folder:{DATA_DIR}/")


def test_duckdb_writer_pool_is_created_after_migration():
    from standard_parts.orchestration import WRITER_POOL

    script = _command(_services()["airflow-init"])
    migrate = script.index("airflow db migrate")
    pool = re.search(rf'airflow pools set {WRITER_POOL} 1 "[^"]+"', script)
    assert pool, f"airflow-init does not create pool {WRITER_POOL} with 1 slot"
    assert migrate < pool.start()


# --- image ----------------------------------------------------------------------------------


def test_airflow_services_share_one_image_built_from_the_checkout():
    services = _airflow_services()
    assert set(AIRFLOW_COMMANDS) | {"airflow-init"} <= set(services)
    images = {svc.get("image") for svc in services.values()}
    assert len(images) == 1, images
    for name, svc in services.items():
        build = svc["build"]
        context = build if isinstance(build, str) else build["context"]
        assert context == ".", name
        assert (build if isinstance(build, str) else build.get("dockerfile", "Dockerfile")) in (".", "Dockerfile")
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in COMPOSE.read_text()


def test_dockerfile_builds_the_pinned_project_on_airflow_332_python311():
    instructions = _dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(froms) == 1, froms
    assert re.fullmatch(rf"apache/airflow:(slim-)?{re.escape(AIRFLOW_VERSION)}-python{PYTHON_VERSION}", froms[0])
    # The base image's Airflow and Python are the ones the project pins.
    assert f"apache-airflow=={AIRFLOW_VERSION}" in (REPO / "constraints.txt").read_text().splitlines()
    assert f'requires-python = ">={PYTHON_VERSION}' in (REPO / "pyproject.toml").read_text()

    copied = " ".join(rest for keyword, rest in instructions if keyword == "COPY")
    for source in ("pyproject.toml", "constraints.txt", "include/"):
        assert source in copied, f"Dockerfile does not COPY {source}"
    installs = [rest for keyword, rest in instructions if keyword == "RUN" and "pip install" in rest]
    assert installs and all(re.search(r"(-c|--constraint)\s+\S*constraints\.txt", r) for r in installs), installs
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in DOCKERFILE.read_text()


def test_build_context_excludes_secrets_and_data():
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    for entry in (".env", ".git/", ".venv/", "data/"):
        assert entry in ignored, entry


# --- mounts ---------------------------------------------------------------------------------


def test_project_folders_are_mounted_read_only():
    for name, svc in _airflow_services().items():
        mounts = _volumes(svc)
        for folder in PROJECT_MOUNTS:
            target = f"/opt/airflow/{folder}"
            assert target in mounts, f"{name} does not mount ./{folder}"
            source, mode = mounts[target]
            assert source == f"./{folder}" and (REPO / folder).is_dir(), (name, source)
            assert mode == "ro", f"{name} mounts ./{folder} writable"
        assert DATA_DIR in mounts and mounts[DATA_DIR][1] == "rw", name
        assert "/opt/airflow/logs" in mounts, name


def test_named_volumes_are_declared():
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    for name, svc in compose["services"].items():
        for source, _mode in _volumes(svc).values():
            if not source.startswith((".", "/", "$")):
                assert source in declared, f"{name} uses undeclared volume {source}"


# --- secrets --------------------------------------------------------------------------------


def _all_env() -> list[tuple[str, str, str]]:
    rows = []
    for name, svc in _services().items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.partition("=")[::2] for item in env)
        rows += [(name, key, str(value)) for key, value in env.items()]
    return rows


def test_secret_variables_are_required_interpolations_without_defaults():
    checked = 0
    for service, key, value in _all_env():
        if _is_secret_name(key):
            checked += 1
            assert REQUIRED_ONLY.match(value), f"{service}.{key} must be ${{VAR:?message}}, got {value!r}"
    assert checked >= 6


def test_credentials_in_urls_are_required_interpolations():
    found = 0
    for service, key, value in _all_env():
        for password in URL_CREDENTIALS.findall(value):
            found += 1
            assert REQUIRED_ONLY.match(password), f"{service}.{key} embeds a literal password"
    assert found >= 3  # metadata DB, Celery result backend, broker


def test_no_secret_variable_has_a_default_anywhere():
    text = _compose_text()
    for name, modifier in INTERPOLATION.findall(text):
        if _is_secret_name(name):
            assert modifier.startswith((":?", "?")), f"${{{name}{modifier}}} gives a secret a default"
    assert "airflow:airflow@" not in text


def test_env_example_covers_every_variable_and_ships_no_secret():
    example = _env_example()
    used = {name for name, _ in INTERPOLATION.findall(_compose_text())}
    assert used - set(example) == set(), f"missing from .env.example: {used - set(example)}"
    assert set(example) - used <= {"COMPOSE_PROJECT_NAME"}, f"unused: {set(example) - used}"
    required = {name for name, mod in INTERPOLATION.findall(_compose_text()) if mod.startswith((":?", "?"))}
    assert {"POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET",
            "STANDARD_PARTS_PSEUDONYM_KEY", "AIRFLOW_ADMIN_PASSWORD"} <= required
    for name in required:
        assert example[name] == "", f".env.example must leave {name} empty"
    for name, value in example.items():
        if _is_secret_name(name):
            assert value == "", f".env.example ships a value for {name}"


# --- docker compose config (only where a compose binary exists) ----------------------------


def _compose_cli() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _run_config(cli: list[str], env_file: Path, home: Path) -> subprocess.CompletedProcess:
    cmd = [*cli, "--project-directory", str(REPO), "-f", str(COMPOSE), "--env-file", str(env_file),
           "--profile", "flower", "--profile", "cli", "config"]
    # Only the throwaway .env may feed the interpolation, not this shell's variables.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": "C.UTF-8"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=home)


@pytest.fixture(scope="module")
def compose_cli():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no compose binary: neither the `docker compose` plugin nor `docker-compose` is installed")
    return cli


def test_compose_config_renders_with_filled_env(compose_cli, tmp_path):
    lines = []
    for name, value in _env_example().items():
        lines.append(f"{name}={value or 'test-' + name.lower().replace('_', '-')}")
    env_file = tmp_path / "filled.env"
    env_file.write_text("\n".join(lines) + "\n")

    result = _run_config(compose_cli, env_file, tmp_path)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)["services"]
    assert REQUIRED_SERVICES | {"flower", "airflow-cli"} <= set(rendered)
    env = rendered["airflow-worker"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "airflow:test-postgres-password@postgres" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["STANDARD_PARTS_PSEUDONYM_KEY"] == "test-standard-parts-pseudonym-key"


def test_compose_config_refuses_missing_secrets(compose_cli, tmp_path):
    result = _run_config(compose_cli, ENV_EXAMPLE, tmp_path)
    assert result.returncode != 0
    assert re.search(r"set [A-Z_]+ in \.env", result.stderr), result.stderr
