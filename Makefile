# kuairec-causal: the two commands a newcomer needs are `make run` and `make test`.
# Both create the virtual environment (.venv at the repository root) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= small
SEED ?= 20200705

.PHONY: setup run test test-quick lint bench docs clean

# What `make run` needs (the package and its dependencies), then the test and lint tools and the
# Spark adapter on top (`make setup`, `make test`, `make lint`). The packages are installed by uv
# (from PyPI, into the venv): the same requirements as pip resolves, installed in about a third
# of pip's time on a fresh machine (13 s against 57 s: bench/ab_fresh_clone.py, bench/results/).
# --compile-bytecode writes the .pyc files at install: where PYTHONDONTWRITEBYTECODE is set (as on
# this project's machines) Python would otherwise compile dbt, pandas and the rest again in every
# process, about 5 s of each `kuairec-causal` command (bench/results/2026-12-04-*bytecode*).
UV := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(UV) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(UV) -e ".[dev,spark]"
	touch $@

setup: $(VENV)/.installed-dev

## Main job: simulate (or ingest) -> dbt build -> both estimator suites -> report.
run: $(VENV)/.installed
	$(BIN)/kuairec-causal run --scale $(SCALE) --seed $(SEED)

## Headless Chromium for the report's browser test (Debian package; needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$(command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Python quality gates: ruff (pyproject.toml [tool.ruff]) on the package and the tests, mypy on the
# package ([tool.mypy]; the estimator library is checked as with --strict).

lint: setup
	$(BIN)/sqlfluff lint models macros tests/dbt
	$(BIN)/ruff check python tests
	$(BIN)/mypy

## Every test: SQL and Python lint, the warehouse on DuckDB (and Spark), estimators, simulator, report.
test: setup browser lint
	$(BIN)/pytest

## Skip Spark and slow studies for a quick local loop.
test-quick: setup lint
	$(BIN)/pytest --no-spark

## Stage timings, with the DoubleML IRM reference fit (the bench extra).
bench: setup
	$(UV) -e ".[dev,spark,bench]"
	$(BIN)/kuairec-causal bench --scale $(SCALE)

docs: setup
	$(BIN)/kuairec-causal docs

clean:
	rm -rf target logs warehouse reports data spark-warehouse metastore_db derby.log
