# The two quick-start commands: `make demo` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DEMO_REPO := demo/lifecycle

.PHONY: demo test lint bench clean browser figures

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

# Lint first (cheap), then the suite, its files spread over the cores (a file's tests stay on
# one worker, so its module-scoped fixtures are built once). pytest exits 5 when it collects no
# tests: that is a failure here, never hidden.
test: lint browser
	$(BIN)/python -m pytest -n auto --dist loadfile

# The browser tests (tests/report/test_html_browser.py) drive Debian's chromium, installed here when it
# is missing and we are root; elsewhere they skip and say why. No downloaded browser builds.
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	    >/dev/null; } || echo "make: could not install chromium: the browser tests will skip"

# The README's figures: the lifecycle fixture (the `churnguard` project) analysed and drawn.
FIGURES := overlap_rate revisit_flow timeline_commits phase_shares revisit_rate
figures: $(STAMP)
	rm -rf build/churnguard build/figures
	$(BIN)/python -m fixtures.build lifecycle build/churnguard
	$(BIN)/miner analyze build/churnguard --no-cache --format plots --output build/figures
	mkdir -p docs/figures
	for name in $(FIGURES); do cp build/figures/$$name.svg docs/figures/; done

lint: $(STAMP)
	$(BIN)/ruff check miner tests fixtures benchmarks
	$(BIN)/ruff format --check miner tests fixtures benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) demo build *.egg-info
