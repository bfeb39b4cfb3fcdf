# armswatch: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint typecheck format clean eval bench-extract bench-index bench-rules bench-crawl bench-dashboard es-build es-start es-stop

install: $(STAMP)

# Debian packages: Chromium for `render: browser` sources, Tor for its control-port tests,
# PostgreSQL for the tests of a schedule database on it (tests/postgres_server.py).
DEBIAN_PACKAGES := chromium tor postgresql
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)

$(STAMP): pyproject.toml
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# the demo crawl, then the dashboard over it on http://127.0.0.1:8000/ with a demo account
# (its password is new each time and printed); Ctrl-C stops the dashboard
demo: $(STAMP)
	$(BIN)/armswatch demo
	$(BIN)/armswatch serve --demo-account

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

eval: $(STAMP)
	$(BIN)/python -m extractors.evaluation --set all

bench-extract: $(STAMP)
	$(BIN)/python benchmarks/extract.py

# needs a node: `armswatch es start` (or ARMSWATCH_ES_URL); LISTINGS=10000 for a quick run
# the Elasticsearch half needs a node: `armswatch es start` (or ARMSWATCH_ES_URL)
bench-rules: $(STAMP)
	$(BIN)/python benchmarks/rules.py

# a 20,000-listing crawl against a bare Scrapy spider; LISTINGS=5000 takes about 4 minutes
bench-crawl: $(STAMP)
	$(BIN)/python benchmarks/crawl.py --listings $(or $(LISTINGS),20000)

# the dashboard's search page against the bare index search, on 100,000 listings
bench-dashboard: $(STAMP)
	$(BIN)/python benchmarks/dashboard.py --listings $(or $(LISTINGS),100000)

bench-index: $(STAMP)
	$(BIN)/python benchmarks/index.py --listings $(or $(LISTINGS),100000)

# Elasticsearch for the tests: a real node assembled from Maven Central jars (index/es_node),
# started before pytest and stopped after it, whether the tests pass or not.
ES_PORT ?= 9299
ES := ARMSWATCH_DATA=$(CURDIR)/.cache/es-test $(BIN)/armswatch es

es-build: $(STAMP)
	$(BIN)/python -c 'from armswatch import es_node; es_node.build()'

es-start: es-build
	$(ES) start --port $(ES_PORT)

es-stop: $(STAMP)
	$(ES) stop

test: lint typecheck es-build
	-$(ES) stop >/dev/null 2>&1
	set -e; $(ES) start --port $(ES_PORT); trap '$(ES) stop' EXIT; \
	ARMSWATCH_ES_URL=http://127.0.0.1:$(ES_PORT) $(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
