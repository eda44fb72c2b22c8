# Kesbang Platform. `make run` brings the whole platform up on this machine with real servers;
# `make test` runs the whole suite against the same servers. Both install what they need first.
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: help install run demo stop status test test-unit bench fault load lock clean

help:
	@echo "make run     install what is missing, start Kafka, FerretDB, Redis, Mailpit, the services and workers"
	@echo "make demo    make run, then a believable office: Kota Pasuruan's book of April 2018, one account per role"
	@echo "make stop    stop exactly what make run started"
	@echo "make status  show what is running"
	@echo "make test    the whole test suite against real servers (started once, reused if already up);"
	@echo "             installs Debian's chromium for the dashboard's browser test"
	@echo "make bench   benchmarks (figures and ratios; nothing asserted)"
	@echo "make load    load profiles: an office's busiest day, a province-wide briefing of 30,000 ormas"
	@echo "make fault   Kota Pasuruan x10 while services, consumers and workers are killed and Kafka,"
	@echo "             FerretDB and Redis restart; expected/present/lost/doubled per effect"

install:
	@bash deploy/local/bootstrap.sh

run: install
	@$(PY) -m deploy.local.stack up

demo: run
	@$(PY) -m deploy.local.demo

stop:
	@if [ -x $(PY) ]; then $(PY) -m deploy.local.stack down; else echo "nothing was started"; fi

status: install
	@$(PY) -m deploy.local.stack status

# pytest exits 5 when it collected no test: that is a failure here, as is any other non-zero code.
test: install
	@bash deploy/local/browser.sh
	@$(PY) -m ruff check .
	@$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no test was collected: failing" >&2; exit 1; fi; exit $$rc

test-unit: install
	@$(PY) -m pytest tests/unit

bench: install
	@$(PY) -m tests.bench.run

# Load profiles: an office's busiest day; a province-wide briefing inviting 30,000 ormas.
load: install
	@$(PY) -m tests.load.run

# Kota Pasuruan's story ×10 under kills and restarts; prints expected/present/lost/doubled per effect.
fault: install
	@$(PY) -m tests.fault.run

# Re-pin after editing requirements.in (runtime, the image) or requirements-dev.in (local stack,
# tests); existing pins are kept unless UPGRADE=1. uv is only the lock tool, not a runtime need.
UV_COMPILE = .venv/bin/uv pip compile -q --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_17 --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)
lock: install
	@.venv/bin/python -m pip install -q uv==0.13.9
	@$(UV_COMPILE) requirements.in -o requirements.lock
	@$(UV_COMPILE) requirements-dev.in -o requirements-dev.lock
	@echo "requirements.lock and requirements-dev.lock updated"

clean: stop
	rm -rf .data
