# Hindsight: `make run` to try it, `make test` to check it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_LESSONS ?= 100000
QUALITY_DATABASE_URL ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint bench quality clean

help:
	@echo "make run    install, migrate, load demo data and serve http://$(HOST):$(PORT)"
	@echo "make test   ruff and the whole test suite (PostgreSQL too when DATABASE_URL points to one)"
	@echo "make bench  make quality, then load $(BENCH_LESSONS) generated lessons into PostgreSQL and write timings"
	@echo "make quality  search quality: 44 graded queries over 170 real NASA lessons (docs/search-quality.md)"
	@echo "make clean  remove the virtual environment and local database"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Hindsight is starting on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

bench: quality $(VENV)/.installed-dev
	$(BIN)/python -m bench --lessons $(BENCH_LESSONS)

quality: $(VENV)/.installed-run
	$(BIN)/python -m bench.quality $(if $(QUALITY_DATABASE_URL),--database-url $(QUALITY_DATABASE_URL))

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
