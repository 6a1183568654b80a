# The two commands a newcomer needs are `make run` and `make test`; both set everything up.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test test-services migrate seed admin lint format worker beat clean bench fuzz deploy-check attack
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/scheduler_1m
BENCH_REDIS ?= redis://127.0.0.1:6379/14

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)  ## create the virtualenv and install the pinned requirements

migrate: $(STAMP)  ## apply migrations to the configured database
	$(BIN)/python manage.py migrate --no-input

seed: migrate  ## load demo data unless there is some already
	$(BIN)/python manage.py seed_demo --if-empty

admin: migrate  ## create or reset the demo superuser and print its login
	$(BIN)/python manage.py ensure_demo_admin

run: seed admin  ## set up and serve the app with demo data at http://$(HOST):$(PORT)/
	@echo "Open http://$(HOST):$(PORT)/admin/ and log in as admin / admin."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)  ## the whole test suite (embedded SQLite, or the services named in the environment)
	$(BIN)/python -m pytest

test-services: $(STAMP)  ## the suite against this machine's PostgreSQL and Redis; fails if they are down
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/scheduler_ci} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} REQUIRE_SERVICES=1 \
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff; the import contracts (lint-imports); mypy over the modules listed in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)  ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: $(STAMP)  ## a Celery worker (needs CELERY_BROKER_URL); -E: task events for `celery events`, Flower
	$(BIN)/celery -A scheduler worker -E --loglevel=INFO

beat: $(STAMP)  ## Celery beat, the periodic task scheduler (run exactly one)
	$(BIN)/celery -A scheduler beat --loglevel=INFO

fuzz: $(STAMP)  ## schemathesis against a server on PostgreSQL (see scripts/fuzz)
	./scripts/fuzz

attack: $(STAMP)  ## issue 15's attacks against a production-settings server (PostgreSQL, Redis); fails if one gets through
	./scripts/attack

deploy-check: $(STAMP)  ## the production topology on loopback: a soak; connections with and without PgBouncer; cache, broker, PgBouncer, replica and primary faulted under load
	./deploy/up
	SOAK_SECONDS=$${SOAK_SECONDS:-60} SOAK_P999_MS=$${SOAK_P999_MS:-2000} ./deploy/soak || (./deploy/down; exit 1)
	./deploy/pool-bench || (./deploy/down; exit 1)
	SOAK_SECONDS=40 ./deploy/fault-cache || (./deploy/down; exit 1)
	SOAK_SECONDS=40 ./deploy/fault-broker || (./deploy/down; exit 1)
	SOAK_SECONDS=30 ./deploy/fault-pgbouncer || (./deploy/down; exit 1)
	SOAK_SECONDS=40 ./deploy/fault-replica || (./deploy/down; exit 1)
	./deploy/fault-postgres || (./deploy/down; exit 1)
	./deploy/down

bench: $(STAMP)  ## benchmarks on a seeded PostgreSQL (BENCH_DB) and Redis (BENCH_REDIS); not part of make test
	DATABASE_URL=$(BENCH_DB) $(BIN)/python -m benchmarks.explain_indexes
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.orm_patterns
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.cache_list
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=INFO $(BIN)/python -m benchmarks.observability_overhead 2>/dev/null
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) $(BIN)/python -m benchmarks.load
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) $(BIN)/python -m benchmarks.load --targets --seconds 8 --rounds 4
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.availability
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.recurrence
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.sync
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.webhooks
	DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.bulk_create

clean:  ## remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
