"""`make live`: a real Airflow 3 CeleryExecutor deployment runs a 3-city province, and survives a
worker killed mid-task (SPEC section 10, "Live check").

What it does, every step on loopback addresses only:

1. PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 when they listen; otherwise private
   instances from Debian's packages (``/usr/lib/postgresql/*/bin``, ``redis-server``) on free ports.
2. A FRESH metadata database (dropped at the end) and ``airflow db migrate``.
3. api-server, scheduler, dag-processor, triggerer and two Celery workers (each serving the
   ``default`` queue and every city's queue) from this virtualenv, the project's ``dags/`` folder,
   ``STANDARD_PARTS_PROVINCE_CONFIG`` pointing at a generated 3-city demo province.
4. Two nights per city triggered through the REST API v2, authenticated with a JWT the simple auth
   manager issues (``POST /auth/token``). During the second night one worker is killed with
   SIGKILL (its whole process tree) while it runs a task; the scheduler notices the missing
   heartbeats (timeout lowered to seconds for this test) and the task's retry runs on the other.
5. Checks: every DAG run succeeded; no import errors; each city's ``analytics.duckdb`` marts and
   task set equal a plain ``standard-parts province run`` of the same landing data in another
   folder; the roll-up exists. Writes ``build/live/summary.json``; exit 0 only if every check held.

Everything started is stopped on the way out (also on failure and Ctrl-C), the database dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"
WALL_CLOCK_COLUMNS = {"checked_at"}  # when a gate ran: differs between any two runs by nature
TERMINAL = {"success", "failed"}
# what standard_parts.warm logs once a worker has imported it (its first words)
WARM_LINE = "process warmed for the night's stages"


def log(msg: str) -> None:
    print(f"[live {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((LOOPBACK, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    """Everything this script started, stopped in reverse order on the way out."""
    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    cleanups: list[tuple[str, object]] = field(default_factory=list)
    logs: Path = Path("build/live/logs")

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        self.logs.mkdir(parents=True, exist_ok=True)
        out = (self.logs / f"{name}.log").open("ab")
        # a session of its own: the whole tree (Celery pool, task supervisors) can be signalled at once
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=REPO)
        self.procs.append((name, proc))
        log(f"started {name} (pid {proc.pid})")
        return proc

    def stop_all(self) -> None:
        # Task processes may sit in process groups of their own: remember every descendant now,
        # and kill whatever of them outlives its parent's shutdown.
        descendants = [p for _name, proc in self.procs for p in process_tree(proc.pid)[1:]]
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 30
        for name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time: SIGKILL")
            try:  # leftovers of the session (task processes) go too
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
        for p in descendants + in_sessions({proc.pid for _name, proc in self.procs}):
            try:
                if p.is_running():
                    p.kill()
            except Exception:  # noqa: BLE001 - gone meanwhile
                pass
        self.procs.clear()
        for name, fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - report, keep cleaning
                log(f"cleanup {name} failed: {exc}")
        self.cleanups.clear()


# ---------------------------------------------------------------------------- PostgreSQL and Redis

def ensure_postgres(stack: Stack, work: Path) -> int:
    if listening(5432):
        log("PostgreSQL listens on 127.0.0.1:5432: using it")
        return 5432
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        raise SystemExit("no PostgreSQL on 127.0.0.1:5432 and none installed (apt-get install postgresql)")
    bindir, port = bins[-1].parent, free_port()
    data = work / "pgdata"
    shutil.rmtree(data, ignore_errors=True)
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if user:
        work.mkdir(parents=True, exist_ok=True)
        shutil.chown(work, "postgres")
    subprocess.run([*user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"],
                   check=True, stdout=subprocess.DEVNULL)
    stack.start("postgres", [*user, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-h", LOOPBACK,
                             "-k", str(work)], dict(os.environ))
    wait_for(lambda: listening(port), 60, "private PostgreSQL")
    return port


def ensure_redis(stack: Stack) -> int:
    if listening(6379):
        log("Redis listens on 127.0.0.1:6379: using it")
        return 6379
    server = shutil.which("redis-server")
    if not server:
        raise SystemExit("no Redis on 127.0.0.1:6379 and none installed (apt-get install redis-server)")
    port = free_port()
    stack.start("redis", [server, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"],
                dict(os.environ))
    wait_for(lambda: listening(port), 30, "private Redis")
    return port


def pg_admin(port: int, sql: str) -> None:
    import psycopg

    with psycopg.connect(host=LOOPBACK, port=port, user="postgres", dbname="postgres", autocommit=True) as con:
        con.execute(sql)


# ------------------------------------------------------------------------------------------ helpers

def wait_for(check, timeout: float, what: str, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - not up yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Api:
    """The REST API v2 with a bearer token from the simple auth manager."""

    def __init__(self, base: str, username: str, password: str):
        self.base, self.username, self.password, self.token = base, username, password, None

    def login(self) -> None:
        body = json.dumps({"username": self.username, "password": self.password}).encode()
        req = urllib.request.Request(f"{self.base}/auth/token", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.token = json.loads(resp.read())["access_token"]

    def call(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(f"{self.base}/api/v2{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # token expired: once more with a fresh one
                self.login()
                req.headers["Authorization"] = f"Bearer {self.token}"
                with urllib.request.urlopen(req, timeout=60) as resp:
                    return json.loads(resp.read() or b"{}")
            raise RuntimeError(f"{method} {path}: HTTP {exc.code} {exc.read()[:500]!r}") from None


def process_tree(pid: int) -> list:
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def in_sessions(sids: set[int]) -> list:
    """Processes of the sessions this script started (each component leads one)."""
    import psutil

    found = []
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) in sids:
                found.append(p)
        except (OSError, psutil.Error):
            continue
    return found


def kill_tree(pid: int) -> None:
    for proc in process_tree(pid):
        try:
            proc.send_signal(signal.SIGKILL)
        except Exception:  # noqa: BLE001 - already gone
            pass


# ----------------------------------------------------------------------------------------- compare

def marts_snapshot(analytics: Path) -> dict[str, list]:
    import duckdb

    out = {}
    with duckdb.connect(str(analytics), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        for table in tables:
            cols = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
                "order by ordinal_position", [table]).fetchall() if r[0] not in WALL_CLOCK_COLUMNS]
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'select {select} from marts."{table}"').fetchall()
            out[table] = sorted(tuple(map(repr, r)) for r in rows)
    return out


def compare_city(live: Path, ref: Path) -> dict:
    a, b = marts_snapshot(live), marts_snapshot(ref)
    differing = sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))
    tasks_live = {r[0] for r in a.get("fct_tasks", [])}
    tasks_ref = {r[0] for r in b.get("fct_tasks", [])}
    return {"equal": not differing and tasks_live == tasks_ref, "tables": len(a), "differing_tables": differing,
            "tasks": len(tasks_live), "task_sets_equal": tasks_live == tasks_ref}


# -------------------------------------------------------------------------------------------- main

def airflow_env(home: Path, pg_port: int, redis_port: int, db: str, api_port: int, config: Path) -> dict:
    conn = f"postgresql+psycopg://postgres@{LOOPBACK}:{pg_port}/{db}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "STANDARD_PARTS_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "PATH": f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": str(REPO / "include"),  # this checkout's package, whatever the venv's install points at
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{LOOPBACK}:{api_port}/execution/",
        "AIRFLOW__API__BASE_URL": f"http://{LOOPBACK}:{api_port}",
        "AIRFLOW__API__HOST": LOOPBACK,
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": conn,
        "AIRFLOW__CELERY__BROKER_URL": f"redis://{LOOPBACK}:{redis_port}/13",
        # the shared Redis may serve another live run (or a user's own Airflow): every key this
        # run's Celery app writes carries the run's database name, so no worker takes a stranger's task
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": f"{db}:",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{conn}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        # the workers warm up once (standard_parts.warm) and fork their tasks warm, as in docker-compose
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "standard_parts.celery_config.CELERY_CONFIG",
        # recovery in seconds, not minutes: a dead worker's task is failed after 20 s without a
        # heartbeat and retried 3 s later on the surviving worker
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "15",
        # a message the dead worker had reserved but not started is queued again after 90 s
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "90",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
        "STANDARD_PARTS_TASK_RETRY_DELAY_SECONDS": "3",
        # the nights are triggered through the API; no cron run of "yesterday" on unpausing
        "STANDARD_PARTS_NIGHTLY_SCHEDULE": "none",
        "STANDARD_PARTS_PROVINCE_CONFIG": str(config),
        "GX_ANALYTICS_ENABLED": "false",
    })
    return env


def run(args) -> dict:
    out = Path(args.out).resolve()
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    stack = Stack(logs=out / "logs")
    shutil.rmtree(stack.logs, ignore_errors=True)
    started = time.monotonic()
    summary: dict = {"executor": "CeleryExecutor", "metadata_db": "postgresql", "broker": "redis",
                     "workers": 2, "cities": [], "nights": args.nights, "dag_runs": [], "worker_killed": False,
                     "results_equal": False, "seconds": None, "checks": {}}

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    try:
        pg_port = ensure_postgres(stack, work / "pg")
        redis_port = ensure_redis(stack)
        db = f"standard_parts_live_{os.getpid()}_{int(time.time())}"
        pg_admin(pg_port, f'CREATE DATABASE "{db}"')
        stack.cleanups.append(("drop metadata database", lambda: pg_admin(pg_port, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')))
        summary["metadata_database"], summary["postgres_port"] = db, pg_port
        log(f"fresh metadata database {db}")

        # the province: generated once, copied for the reference run (same landing bytes)
        sys.path.insert(0, str(REPO / "include"))
        from standard_parts.province.demo import demo_cities, generate_province, write_config

        cities = demo_cities(3, args.residents, seed=args.seed)
        summary["cities"] = [c.id for c in cities]
        live_dir, ref_dir = work / "live", work / "reference"
        start = date.fromisoformat(args.start)
        log(f"generating {len(cities)} cities of {args.residents:,} residents, {args.nights} days")
        live_config = generate_province(live_dir, cities, start, args.nights, completions=args.completions)
        for c in cities:
            shutil.copytree(live_dir / c.id / "landing", ref_dir / c.id / "landing")
        ref_config = write_config(ref_dir, cities)
        last = start + timedelta(days=args.nights - 1)
        ref_env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        ref_env["PYTHONPATH"] = str(REPO / "include")
        reference = stack.start("reference-province-run", [
            str(BIN / "standard-parts"), "province", "run", "--config", str(ref_config), "--from", start.isoformat(),
            "--to", last.isoformat()], ref_env)

        home = work / "airflow_home"
        home.mkdir(parents=True)
        password = secrets.token_urlsafe(16)
        (home / "passwords.json").write_text(json.dumps({"admin": password}))
        api_port = free_port()
        env = airflow_env(home, pg_port, redis_port, db, api_port, live_config)
        airflow = str(BIN / "airflow")
        log("airflow db migrate")
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=(stack.logs / "migrate.log").open("w"),
                       stderr=subprocess.STDOUT, cwd=REPO)
        stack.start("api-server", [airflow, "api-server", "--host", LOOPBACK, "--port", str(api_port),
                                   "--workers", "1"], env)
        stack.start("scheduler", [airflow, "scheduler"], env)
        stack.start("dag-processor", [airflow, "dag-processor"], env)
        # --skip-serve-logs: Airflow's log server binds every interface; the api-server reads the
        # task logs from the shared AIRFLOW_HOME instead (loopback only)
        stack.start("triggerer", [airflow, "triggerer", "--skip-serve-logs"], env)
        queues = ",".join(["default", *summary["cities"]])
        workers = {}
        for i in (1, 2):
            workers[f"worker{i}"] = stack.start(f"worker{i}", [
                airflow, "celery", "worker", "--queues", queues, "--concurrency", "2", "--skip-serve-logs",
                "--celery-hostname", f"worker{i}@live", "--without-gossip", "--without-mingle"], env)

        api = Api(f"http://{LOOPBACK}:{api_port}", "admin", password)
        wait_for(lambda: (api.login(), True)[1], 240, "the api-server and a token", every=2)
        log("token issued by the simple auth manager")
        nightly = [f"standard_parts_nightly_{c}" for c in summary["cities"]]
        wanted = {*nightly, "standard_parts_province_rollup"}

        def parsed():
            found = {d["dag_id"] for d in api.call("GET", "/dags?limit=100")["dags"]}
            return wanted <= found
        wait_for(parsed, 240, "the DAGs to be parsed", every=3)
        errors = api.call("GET", "/importErrors")
        summary["checks"]["import_errors"] = errors.get("total_entries", 0)
        for c in summary["cities"]:
            api.call("POST", "/pools", {"name": f"duckdb_writer_{c}", "slots": 1,
                                        "description": f"one DuckDB writer for {c}"})
        for dag_id in sorted(wanted):
            api.call("PATCH", f"/dags/{dag_id}", {"is_paused": False})

        runs: list[tuple[str, str]] = []
        for night in range(args.nights):
            day = start + timedelta(days=night)
            batch = []
            for dag_id in nightly:
                r = api.call("POST", f"/dags/{dag_id}/dagRuns",
                             {"dag_run_id": f"live_{day.isoformat()}", "logical_date": None,
                              "conf": {"run_date": day.isoformat()}})
                batch.append((dag_id, r["dag_run_id"]))
            runs += batch
            log(f"night {night + 1} ({day}) triggered for {len(batch)} cities")
            kill = night == args.nights - 1
            while True:
                states = {k: api.call("GET", f"/dags/{k[0]}/dagRuns/{k[1]}")["state"] for k in batch}
                if kill and not summary["worker_killed"]:
                    victim = running_task_worker(api, batch, workers)
                    if victim:
                        name, ti = victim
                        log(f"kill -9 {name} while it runs {ti['dag_id']}.{ti['task_id']} (pid {ti.get('pid')})")
                        kill_tree(workers[name].pid)
                        summary["worker_killed"] = True
                        summary["killed"] = {"worker": name, "dag_id": ti["dag_id"], "task_id": ti["task_id"],
                                             "try_number": ti.get("try_number")}
                if all(s in TERMINAL for s in states.values()):
                    break
                if time.monotonic() - started > args.timeout:
                    raise TimeoutError(f"DAG runs not finished: {states}")
                time.sleep(2)
            log(f"night {night + 1}: {states}")

        # the roll-up runs on the cities' Assets: wait until it has caught up with the last night
        def rollup_settled():
            r = api.call("GET", "/dags/standard_parts_province_rollup/dagRuns?order_by=-run_after&limit=100")
            rs = r["dag_runs"]
            return rs and all(x["state"] in TERMINAL for x in rs) and (live_dir / "province" / "province.duckdb").exists()
        wait_for(rollup_settled, 300, "the province roll-up", every=3)
        time.sleep(5)
        wait_for(rollup_settled, 300, "the province roll-up", every=3)

        all_runs = []
        for dag_id in sorted(wanted):
            for r in api.call("GET", f"/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]:
                all_runs.append({"dag_id": dag_id, "run_id": r["dag_run_id"], "state": r["state"]})
        summary["dag_runs"] = all_runs
        if summary["worker_killed"]:
            k = summary["killed"]
            tis = api.call("GET", f"/dags/{k['dag_id']}/dagRuns/live_{last.isoformat()}/taskInstances/{k['task_id']}")
            summary["killed"]["final_state"], summary["killed"]["final_try_number"] = tis["state"], tis["try_number"]
        summary["checks"]["import_errors"] = api.call("GET", "/importErrors").get("total_entries", 0)

        log("waiting for the reference province run")
        ref_rc = reference.wait(timeout=max(60, args.timeout - (time.monotonic() - started)))
        summary["checks"]["reference_exit_status"] = ref_rc
        compared = {c: compare_city(live_dir / c / "warehouse" / "analytics.duckdb",
                                    ref_dir / c / "warehouse" / "analytics.duckdb") for c in summary["cities"]}
        summary["checks"]["cities"] = compared
        summary["results_equal"] = ref_rc == 0 and all(v["equal"] for v in compared.values())
        rollup = live_dir / "province" / "province.duckdb"
        report = live_dir / "province" / "reports" / last.isoformat() / "province.html"
        summary["checks"]["rollup_exists"] = rollup.exists() and report.exists()
        summary["checks"]["every_run_succeeded"] = bool(all_runs) and all(r["state"] == "success" for r in all_runs)
        # each worker imported standard_parts.warm when it started (celery_config), so its tasks fork warm
        summary["checks"]["workers_warm"] = all(
            WARM_LINE in (stack.logs / f"{name}.log").read_text(errors="replace") for name in workers)
    except KeyboardInterrupt as exc:
        summary["error"] = f"interrupted ({exc})"
    except Exception as exc:  # noqa: BLE001 - recorded in the summary, exit 1
        summary["error"] = f"{type(exc).__name__}: {exc}"
        log(summary["error"])
    finally:
        # a second SIGTERM (e.g. from a `timeout` wrapper passing one on) must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log("stopping everything this script started")
        stack.stop_all()
        summary["seconds"] = round(time.monotonic() - started, 1)
    return summary


def running_task_worker(api: Api, batch: list[tuple[str, str]], workers: dict) -> tuple[str, dict] | None:
    """A (worker name, task instance) where that worker's process tree runs the task right now.
    Publishing is skipped: its retry waits longer by design."""
    for dag_id, run_id in batch:
        for ti in api.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]:
            if ti["state"] != "running" or not ti.get("pid") or ti["task_id"] == "publish_packages":
                continue
            for name, proc in workers.items():
                if ti["pid"] in {p.pid for p in process_tree(proc.pid)}:
                    return name, ti
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "build" / "live"))
    parser.add_argument("--residents", type=int, default=1500)
    parser.add_argument("--nights", type=int, default=2)
    parser.add_argument("--start", default="2026-10-01")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--completions", action="store_true", help="simulate officers' completions (slower)")
    parser.add_argument("--timeout", type=float, default=2700, help="seconds for the whole check")
    args = parser.parse_args()
    summary = run(args)
    ok = (not summary.get("error") and summary["worker_killed"] and summary["results_equal"]
          and summary["checks"].get("every_run_succeeded") and summary["checks"].get("rollup_exists")
          and summary["checks"].get("import_errors") == 0 and summary["checks"].get("workers_warm"))
    summary["ok"] = bool(ok)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    log(f"summary: {out / 'summary.json'} ({'every check held' if ok else 'FAILED'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
