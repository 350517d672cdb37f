# The two quick-start commands: `make demo` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DEMO_REPO := demo/lifecycle

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever the project's metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO_REPO)
	$(BIN)/python -m fixtures.build lifecycle $(DEMO_REPO)
	$(BIN)/miner analyze $(DEMO_REPO)

# Lint first (cheap), then the suite. pytest exits 5 when it collects no tests: that is a
# failure here, never hidden.
test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check miner tests fixtures benchmarks
	$(BIN)/ruff format --check miner tests fixtures benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) demo build *.egg-info
