# bingewatch: `make run` and `make test` are the two commands a newcomer needs (README.md).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= sample

# Telemetry off everywhere: calls that hang on a closed network look like slowness.
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := false
export SCARF_ANALYTICS := false
export UV_PYTHON_DOWNLOADS := never

.PHONY: install spark-install run test lint clean-data help

help:
	@echo "make run    install, generate sample data if there is none, run the nightly DAG once over it"
	@echo "make test   install and run the whole test suite"
	@echo "make lint   ruff check, ruff format --check, sqlfluff lint"
	@echo "make spark-install   Java and the separate dbt-spark + pyspark environment (.venv-spark/)"

# uv comes from PyPI through pip: into a small venv, or, where the venv module is missing
# (Debian without python3-venv), into a plain folder.
$(UV):
	@echo "Bootstrapping uv $(UV_VERSION) into $(TOOLS)/ ..."
	@if $(PYTHON) -m venv $(TOOLS) >/dev/null 2>&1; then \
		$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); \
	else \
		rm -rf $(TOOLS) && $(PYTHON) -m pip install --quiet --disable-pip-version-check \
			--target $(TOOLS) uv==$(UV_VERSION); \
	fi
	@test -x $(UV) || { echo "could not install uv into $(TOOLS)" >&2; exit 1; }

# --compile-bytecode: every task, dbt build and GX validation is a new Python process, and where
# PYTHONDONTWRITEBYTECODE is set (as on our CI machines) nothing else ever writes the .pyc files:
# each process then recompiles what it imports (GX's import took 17 s instead of 8 s).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	$(BIN)/python -m compileall -q bingewatch dags
	@touch $@

install: $(VENV)/.installed

# The spark dbt target (README "Scaling out") runs in its own locked environment, spark/uv.lock,
# so pyspark never shares a resolver with Airflow; Java comes from Debian's packages.
SPARK_VENV := .venv-spark
$(SPARK_VENV)/.installed: spark/pyproject.toml spark/uv.lock scripts/install_java.sh | $(UV)
	bash scripts/install_java.sh
	UV_PROJECT_ENVIRONMENT=$(abspath $(SPARK_VENV)) $(UV) sync --frozen --compile-bytecode --project spark --python $(PYTHON)
	@touch $@

spark-install: $(SPARK_VENV)/.installed

# The public development pseudonym key is chosen explicitly here, for sample data only;
# set BINGEWATCH_PSEUDONYM_KEY to use a real secret.
run: install
	BINGEWATCH_ALLOW_DEV_KEY=1 $(BIN)/bingewatch generate --if-empty --scale $(SCALE)
	BINGEWATCH_ALLOW_DEV_KEY=1 $(BIN)/bingewatch run

# Two workers (this machine has 2 cores; most of a test's time is one single-threaded process:
# Airflow, dbt, GX). --dist loadfile keeps a file's tests on one worker, so a module's expensive
# fixture is built once (xdist's loadgroup marks do nothing under pytest 9: it renames nodes).
# --no-loadscope-reorder keeps tests/conftest.py's order (longest files first); xdist's default
# orders files by their number of tests, which left the one-test Spark file to run last, alone.
TEST_WORKERS ?= 2
test: install spark-install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The same checks as .pre-commit-config.yaml and tests/test_lint.py.
LINT_PYTHON := bingewatch dags tests bench scripts
lint: install
	$(BIN)/ruff check $(LINT_PYTHON)
	$(BIN)/ruff format --check $(LINT_PYTHON)
	$(BIN)/sqlfluff lint dbt_project

clean-data:
	rm -rf data

# The benchmark (docs/benchmarks.md): the nightly run against a hand-written DuckDB baseline.
# Not part of `make test` (tests/bench/ runs its code path at tiny scale); medium takes about
# an hour on 2 cores, large several. Results go to bench/results/.
BENCH_SCALE ?= medium
BENCH_ARGS ?= --growth-scale sample --growth-days 60
.PHONY: bench bench-arrivals
bench: install
	$(BIN)/bingewatch bench --scale $(BENCH_SCALE) $(BENCH_ARGS)

# Catch-up vs nightly runs over the sample's 21 dates, and a five-year personal export from
# import to published (bench/arrivals.py; about 10 minutes on 2 cores).
bench-arrivals: install
	$(BIN)/python bench/arrivals.py
