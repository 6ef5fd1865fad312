# Two commands matter: `make demo` and `make test` (see README).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA := data
DEMO_RESIDENTS ?= 100000
DEMO_DAYS ?= 30
DEMO_START ?= 2026-10-01
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: venv demo test test-fast lint bench live clean airflow

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check pip==25.3
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	$(BIN)/pip check
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/standard-parts demo --landing $(DATA)/landing --warehouse $(DATA)/warehouse \
		--residents $(DEMO_RESIDENTS) --start $(DEMO_START) --days $(DEMO_DAYS)

# Airflow without Docker: airflow standalone with this project's DAG, settings, the duckdb_writer
# pool and a demo landing folder; prints the UI address and login (scripts/airflow-standalone.sh).
airflow: $(STAMP)
	bash scripts/airflow-standalone.sh

test: $(STAMP)
	bash scripts/system-deps.sh
	$(BIN)/ruff check include dags tests
	# --dist loadfile: a test module's module-scoped fixtures (a night, a dbt build, a live
	# deployment) run once, on one worker, instead of once per worker
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"
	$(BIN)/python -m pytest -n 2 --dist loadfile -m slow || [ $$? -eq 5 ]  # 5 = no slow tests collected

test-fast: $(STAMP)
	$(BIN)/python -m pytest -x -q -m "not slow and not integration"

lint: $(STAMP)
	$(BIN)/ruff check include dags tests

bench: $(STAMP)
	$(BIN)/standard-parts bench --residents $${BENCH_RESIDENTS:-5300000} --out bench/latest.json

# A real Airflow CeleryExecutor deployment (PostgreSQL + Redis on loopback) runs a 3-city province,
# one worker is killed mid-task; writes build/live/summary.json (CI runs it in the slow step, through
# tests/test_live.py).
live: $(STAMP)
	$(BIN)/python scripts/live.py --out build/live

clean:
	rm -rf $(DATA) dbt/target dbt/logs
