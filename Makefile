# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The Python that .venv is made from: the distribution's 3.11 when there is one, as
# Debian and Ubuntu build theirs with profile-guided and link-time optimization (an API
# request costs about a tenth less CPU than on a plain source or pyenv build; see
# docs/self-hosting.md), else python3.11 from PATH. `make install BASE_PYTHON=...` picks another.
BASE_PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3.11)

.PHONY: install run test bench lint format clean requirements

install: $(STAMP) static/vendor/.installed

# requirements.txt is what the product runs on; requirements-dev.txt adds the tools
# for tests and benchmarks. Both are compiled from their .in files (`make requirements`).
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV) || python3.11 -m venv --clear $(VENV) || python3 -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@touch $(STAMP)

# Templates too: copy_vendor.py copies the Tabler icons that templates name.
static/vendor/.installed: package.json package-lock.json scripts/copy_vendor.py $(shell find templates -name '*.html')
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/copy_vendor.py
	@touch $@

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  CRM running on http://127.0.0.1:8000 — log in as admin@example.com / admin"
	@echo "  (web, Celery worker and beat; Ctrl-C stops them all)"
	@echo ""
	DEBUG=$${DEBUG:-true} WEBHOOKS_ALLOW_PRIVATE_NETWORKS=$${WEBHOOKS_ALLOW_PRIVATE_NETWORKS:-true} \
		$(VENV)/bin/honcho -f Procfile start

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest

# bench/run.py installs the peer it measures against (bench/peer, npm ci) on first use.
bench: install
	$(PY) bench/run.py

requirements: $(STAMP)
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements.in -o requirements.txt
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements-dev.in -o requirements-dev.txt

lint format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var/ static/vendor/ node_modules/ bench/peer/node_modules/
