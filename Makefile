# The two commands: `make run` (set up and start everything) and `make test` (set up, run the suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
BOT_VENV := bot/.venv
PY       := $(VENV)/bin/python
BOT_DATA := $(shell find bot/config.yml bot/domain bot/data -name '*.yml' 2>/dev/null) $(wildcard bot/nlu_components/*.py bot/nlu_components/*.yml)

export RASA_TELEMETRY_ENABLED := false
export ACTION_SERVER_URL ?= http://127.0.0.1:5055
export ACTION_ENDPOINT_URL ?= $(ACTION_SERVER_URL)/webhook
export RASA_URL ?= http://127.0.0.1:5005
export PYTHONDONTWRITEBYTECODE := 1
CHAOS_AT ?= 2026-11-24T16:00:00Z

.PHONY: help setup setup-test train db run run-scale test test-chaos test-clock lint chromium sshd nlu-eval nlu-cv nlu-cv-fast

help:
	@echo "make run   - set up everything and start web, scheduler, Rasa and the action server"
	@echo "make test  - set up everything the tests need and run the whole suite"
	@echo "make test-clock AT=2031-01-01T00:00:00Z - unit and integration tests at another instant"
	@echo "make lint  - ruff check, format check, and the import contracts (lint-imports)"
	@echo "make run-scale  - the production topology on one machine (Procfile.scale; PostgreSQL, Redis)"
	@echo "make test-chaos - kill processes under load on PostgreSQL and Redis (tests/chaos)"
	@echo "make nlu-eval - the trained model on the held-out messages (docs/nlu-evaluation.md)"
	@echo "make nlu-cv   - 5-fold cross-validation of the NLU pipeline on the training data"
	@echo "make nlu-cv-fast - the same, by a scikit-learn replica of the pipeline, in minutes"

# --- virtualenvs (re-installed when the pinned requirements change) -------------------------
$(VENV)/.installed: requirements.txt
	@test -x $(PY) || { py=$$(scripts/find-python 3.11) && $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(BOT_VENV)/.installed: bot/requirements.txt
	@test -x $(BOT_VENV)/bin/python || { py=$$(scripts/find-python 3.10) && $$py -m venv $(BOT_VENV); }
	$(BOT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BOT_VENV)/bin/python -m pip install --quiet -r bot/requirements.txt
	@touch $@

# --- Rasa model: trained only when the training data or config changed ----------------------
bot/models/.trained: $(BOT_VENV)/.installed $(BOT_DATA)
	@mkdir -p bot/models
	cd bot && .venv/bin/rasa train --quiet --domain domain --data data --config config.yml --out models --fixed-model-name collections
	@touch $@

# --- test-only tools: Prism (npm, into the project) and Debian's Chromium ------------------
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "error: Chromium is required for the browser tests: install Debian's 'chromium' package (sudo apt-get install chromium)" >&2; exit 1; fi; }

# Debian's OpenSSH server: the file-drop tests start their own sshd (SFTP) on localhost. As root
# sshd insists on its privilege-separation directory, which /run loses at every boot.
sshd:
	@{ test -x /usr/sbin/sshd && { [ "$$(id -u)" != 0 ] || test -d /run/sshd; }; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    { test -x /usr/sbin/sshd || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null; }; } \
	    && mkdir -p /run/sshd && chmod 0755 /run/sshd; \
	  else echo "error: the file-drop tests need an SFTP server: install Debian's 'openssh-server' package (sudo apt-get install openssh-server)" >&2; exit 1; fi; }

setup: $(VENV)/.installed $(BOT_VENV)/.installed
setup-test: setup $(VENV)/.installed-dev node_modules/.installed chromium sshd
train: bot/models/.trained

# --- NLU evaluation (docs/nlu-evaluation.md): held-out messages never trained on ------------
NLU_HELDOUT := $(sort $(wildcard bot/tests/nlu_heldout/*.yml))
nlu-eval: train
	$(BOT_VENV)/bin/python bot/nlu_eval.py --model bot/models --json bot/results/nlu-heldout.json $(NLU_HELDOUT)

nlu-cv: $(BOT_VENV)/.installed
	cd bot && .venv/bin/rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 --out results/cv

nlu-cv-fast: $(BOT_VENV)/.installed
	$(BOT_VENV)/bin/python bot/nlu_cv_replica.py --dangerous

db: $(VENV)/.installed
	$(VENV)/bin/flask --app wsgi init-db
	$(VENV)/bin/flask --app wsgi seed-demo --if-empty

run: setup train db
	@scripts/print-urls
	$(VENV)/bin/honcho start -f Procfile

test: setup-test train
	$(PY) -m pytest $(PYTEST_ARGS)

# Every process of the production topology (docs/topology.md); DATABASE_URL (PostgreSQL) and
# REDIS_URL come from the environment or .env. Metrics files of the last run are cleared first.
run-scale: setup train db
	rm -rf instance/prometheus && mkdir -p instance/prometheus
	$(VENV)/bin/honcho start -f Procfile.scale -c dispatcher=2,scheduler=2,worker=2

# The chaos suite (tests/chaos): its own throwaway PostgreSQL cluster and the local Redis, every
# process on a clock moved to a weekday morning (scripts/test-clock), a few minutes. .ci/run runs it
# when PostgreSQL and Redis answer.
test-chaos: setup-test train
	TEST_PATHS=tests/chaos scripts/test-clock "$(CHAOS_AT)" $(PYTEST_ARGS)

# The suite at another instant, e.g. make test-clock AT=2031-01-01T00:00:00Z (any instant passes).
test-clock: setup-test train
	@test -n "$(AT)" || { echo "usage: make test-clock AT=2031-01-01T00:00:00Z" >&2; exit 2; }
	scripts/test-clock "$(AT)" $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports  # no import cycles, no layer climbing (pyproject.toml)
