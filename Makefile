# Two commands on a fresh machine: `make run` (the whole stack) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run test lint unit bench bench-memory openapi clean

$(INSTALLED): pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(BIN)/payment-saga-stack up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

unit: install
	$(BIN)/pytest tests/unit

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/payment-saga-bench --count 300 --concurrency 20 --scale 5,10,40

# The same, then 10,000 more payments with the API's and worker's memory sampled along them.
bench-memory: install
	$(BIN)/payment-saga-bench --count 300 --concurrency 20 --memory-run 10000

# The committed API contract (docs/openapi.json), regenerated from the code.
openapi: install
	$(BIN)/python -m api.openapi

clean:
	rm -rf $(VENV) .data build *.egg-info
