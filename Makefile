# Shortcuts; run.py does the work (it needs only Python 3.11+).
PYTHON ?= python3
VENV_BIN := .venv/bin

.PHONY: demo test lint setup bench bench-data load

demo:
	$(PYTHON) run.py demo

test:
	$(PYTHON) run.py test $(ARGS)

lint: setup
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .

setup:
	@$(PYTHON) run.py setup

# Scale benchmark (bench/run.py). DATABASE_URL picks the PostgreSQL database; it defaults to
# postgres://postgres@127.0.0.1:5432/crm_bench. BENCH_COMPLAINTS sizes bench-data (default 1M) over
# BENCH_YEARS years (default 5);
# BENCH_REQUESTS (default 30), BENCH_SWEEP (default 10000), BENCH_OUTBOX (default 10000) and
# BENCH_SURVEY_SEND (default 100000: the survey campaign's invitations) tune bench.
BENCH_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/crm_bench)
# The bench runs on development settings (DEBUG is off unless set); bench/run.py measures with DEBUG off.
bench-data bench: export DEBUG ?= 1
BENCH_COMPLAINTS ?= 1000000
BENCH_YEARS ?= 5

bench-data: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) $(VENV_BIN)/python bench/ensure_database.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(VENV_BIN)/python manage.py migrate --no-input
	DATABASE_URL=$(BENCH_DATABASE_URL) $(VENV_BIN)/python manage.py bench_data --complaints $(BENCH_COMPLAINTS) --years $(BENCH_YEARS)

bench: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) $(VENV_BIN)/python bench/run.py $(ARGS)

# Load test (bench/load.py): gunicorn, Celery workers and beat, and Locust headless against the bench
# database at rising concurrency, with DEBUG off; needs Redis at 127.0.0.1:6379. ARGS="--stages 10,50
# --stage-seconds 30" etc. (bench/load.py --help). Saves bench/results/load-<timestamp>.json.
load: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) $(VENV_BIN)/python bench/load.py $(ARGS)
