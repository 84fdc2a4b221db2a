# Nocturna backend. `make run` starts the fleet; `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SOURCES := contracts/src libs/platform/src $(wildcard services/*/src)

.PHONY: bench-subscription chart deploy-check fuzz install lock lint test test-fast run migrate seed docs bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@UV="$$(command -v uv || echo '$(PYTHON) -m uv')"; \
	  $$UV venv --quiet --allow-existing --python 3.11 $(VENV) && \
	  VIRTUAL_ENV=$(VENV) $$UV pip sync --quiet requirements.lock
	@touch $@

lock:
	uv lock
	uv export --quiet --format requirements-txt --all-packages --output-file requirements.lock

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p nocturna_contracts -p nocturna_platform -p nocturna_auth -p nocturna_chart -p nocturna_subscription -p nocturna_geocoding -p nocturna_gateway
	$(BIN)/mypy scripts/asyncapi.py bench
	$(BIN)/lint-imports
	$(BIN)/python -m nocturna_contracts.schemas check

test: lint
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not e2e"

# Schemathesis over the merged OpenAPI through the gateway of a fleet of its own: `make test` runs a few
# examples per operation with a fixed seed; this runs FUZZ_EXAMPLES (500) with a random seed (printed).
fuzz: install
	FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),500) FUZZ_SEED=$(or $(FUZZ_SEED),random) \
	  $(BIN)/pytest tests/e2e/test_api_fuzzing.py --timeout=$(or $(FUZZ_TIMEOUT),3600)

# The deployment files alone (chart, compose, Dockerfile, drift); `make chart VALUES=prod` prints the manifests.
deploy-check: install
	$(BIN)/pytest deploy/tests -m "not integration"

chart: install
	@$(BIN)/python -m deploy.tests.chart_rendering $(or $(VALUES),dev)

run: install
	scripts/run.sh

migrate: install
	scripts/migrate.sh

seed: install
	.venv/bin/nocturna-geocoding seed

docs: install
	$(BIN)/python scripts/asyncapi.py write

bench: install
	$(BIN)/python -m bench
	$(BIN)/python services/chart/bench.py
	$(BIN)/python services/auth/bench.py
	$(BIN)/python services/subscription/bench.py

# Slower, service-specific benchmarks (they use the database from DATABASE_URL).
bench-subscription: install
	$(BIN)/python services/subscription/bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
