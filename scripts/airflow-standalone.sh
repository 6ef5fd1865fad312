#!/usr/bin/env bash
# `make airflow`: Airflow without Docker. Sets up everything the nightly DAG needs, then runs
# `airflow standalone` in the foreground (Ctrl-C stops it).
#
#   scripts/airflow-standalone.sh            set up, then start airflow standalone
#   scripts/airflow-standalone.sh --setup    set up only (what the test runs)
#
# Set up means: AIRFLOW_HOME under data/airflow, the project's dags/ folder, no example DAGs, the
# metadata database migrated, the duckdb_writer pool (1 slot) created, the admin login fixed, and
# a demo landing folder whose last day is yesterday (Asia/Shanghai), so the DAG's first scheduled
# run finds its inputs. Every setting can be given in the environment beforehand.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${VENV_BIN:-$REPO/.venv/bin}"
DATA="${DATA:-$REPO/data}"

export AIRFLOW_HOME="${AIRFLOW_HOME:-$DATA/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
# One fixed login for the local UI (SimpleAuthManager): user admin, password in the file below.
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/passwords.json"
# OpenLineage has no transport configured here: without this it warns at every DAG parse.
export AIRFLOW__OPENLINEAGE__DISABLED="${AIRFLOW__OPENLINEAGE__DISABLED:-True}"
export STANDARD_PARTS_LANDING="${STANDARD_PARTS_LANDING:-$DATA/airflow-landing}"
export STANDARD_PARTS_WAREHOUSE="${STANDARD_PARTS_WAREHOUSE:-$DATA/airflow-warehouse}"
export STANDARD_PARTS_PUBLISH="${STANDARD_PARTS_PUBLISH:-folder:$STANDARD_PARTS_WAREHOUSE/outbox}"
export PATH="$BIN:$PATH"
DEMO_RESIDENTS="${AIRFLOW_DEMO_RESIDENTS:-5000}"
DEMO_DAYS="${AIRFLOW_DEMO_DAYS:-7}"

mkdir -p "$AIRFLOW_HOME"
if [ ! -f "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" ]; then
    password="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(12))')"
    printf '{"admin": "%s"}\n' "$password" > "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
    chmod 600 "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
fi

if [ ! -d "$STANDARD_PARTS_LANDING" ]; then
    start="$("$BIN/python" -c "
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
print((datetime.now(ZoneInfo('Asia/Shanghai')).date() - timedelta(days=$DEMO_DAYS)).isoformat())")"
    echo "writing a demo landing folder ($DEMO_RESIDENTS residents, $DEMO_DAYS days from $start) to $STANDARD_PARTS_LANDING"
    "$BIN/standard-parts" generate-city --landing "$STANDARD_PARTS_LANDING" --residents "$DEMO_RESIDENTS" \
        --start "$start" --days "$DEMO_DAYS" > /dev/null
fi

echo "migrating the Airflow metadata database in $AIRFLOW_HOME"
"$BIN/airflow" db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1 || { cat "$AIRFLOW_HOME/db-migrate.log"; exit 1; }
"$BIN/airflow" pools set duckdb_writer 1 "DuckDB single writer" > /dev/null
"$BIN/airflow" pools get duckdb_writer --output plain | grep -q duckdb_writer
echo "pool duckdb_writer (1 slot) is in place"

password="$("$BIN/python" -c "import json,sys; print(json.load(open(sys.argv[1]))['admin'])" \
    "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")"
cat <<INFO

  Airflow UI:  http://localhost:$AIRFLOW__API__PORT   (login: admin / $password)
  DAG:         standard_parts_nightly (paused: unpause it, or trigger with {"run_date": "YYYY-MM-DD"})
  landing:     $STANDARD_PARTS_LANDING
  warehouse:   $STANDARD_PARTS_WAREHOUSE   (standard-parts status --warehouse $STANDARD_PARTS_WAREHOUSE)

INFO

if [ "${1:-}" = "--setup" ]; then
    exit 0
fi
exec "$BIN/airflow" standalone
