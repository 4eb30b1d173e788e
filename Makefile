# The portal's two commands for a new user: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format schema messages clean audit lock lock-upgrade pin-images

$(STAMP): pyproject.toml requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)." % sys.version.split()[0])'
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1; then \
		echo "Installing python3-venv (Debian/Ubuntu)..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3-venv python3-pip; \
	fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Serve the portal with the demo street on http://127.0.0.1:8000 (SQLite unless DATABASE_URL);
# another port: PORT=8001 make run (HOST= likewise).
run: $(STAMP) system-packages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  河长制工作平台: http://$(HOST):$(PORT)/   admin: /admin/   API docs: /api/docs/"
	@echo "  端口被占用？换一个端口 / port in use? pick another: PORT=8001 make run"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# Lint (ruff, the import contract in pyproject.toml), then the whole suite on PostgreSQL
# (DATABASE_URL, default postgres@127.0.0.1:5432).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory audit PIP_AUDIT_UNREACHABLE=$${PIP_AUDIT_UNREACHABLE:-warn}
	$(VENV)/bin/pytest

# Security audit: bandit over our code ([tool.bandit] in pyproject.toml), then pip-audit over the
# installed environment (runtime and dev packages). pip-audit looks each release up in PyPI's
# per-release JSON API; --strict turns a package it cannot look up into an error, so an
# unreachable vulnerability service fails the audit instead of passing it unchecked. Known
# vulnerabilities always fail. PIP_AUDIT_UNREACHABLE=warn (what `make test` passes, for networks
# that reach the package index but not that API) prints the failure and a banner and goes on.
audit: $(STAMP)
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	@out=$$($(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off 2>&1); rc=$$?; \
	echo "$$out"; \
	[ $$rc -eq 0 ] && exit 0; \
	if echo "$$out" | grep -qiE 'known vulnerabilit'; then exit 1; fi; \
	if echo "$$out" | grep -qiE 'could not be audited|connect|resolve|timed out|Max retries'; then \
		echo ""; \
		echo "!!! pip-audit: the vulnerability service could not be reached." >&2; \
		echo "!!! The dependencies were NOT audited." >&2; \
		if [ "$(PIP_AUDIT_UNREACHABLE)" = warn ]; then echo "" >&2; exit 0; fi; \
	fi; \
	exit 1

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: $(STAMP)
	$(PY) manage.py spectacular --validate --fail-on-warn --file schema.yml

# Re-extract UI strings after changing them; the compiled catalogues are committed.
messages: $(STAMP)
	$(PY) manage.py makemessages -l en -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=locale --ignore=benchmarks
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Libraries the PDFs and the browser tests need, from Debian/Ubuntu, when apt is at hand.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
.PHONY: system-packages
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1; then \
			echo "Installing $$missing"; \
			SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
		else \
			echo "Please install: $$missing (PDF reports need them)"; \
		fi; \
	fi

# The lock files every install reads (issue #18): requirements.lock, the runtime packages (the
# image), and requirements-dev.lock, those plus the dev extra (`make install`, CI), each pinned
# to one version with the hashes of its files, for Linux, macOS and Windows from Python 3.11 on.
# `make lock` after changing pyproject.toml's dependencies: the pins already there are kept
# (uv prefers them), new packages are added. `make lock-upgrade` moves every pin to the newest.
# A mirror: UV_DEFAULT_INDEX=https://pypi.tuna.tsinghua.edu.cn/simple make lock (the hashes are
# the files', the same on every mirror).
UV ?= $(shell [ -x $(VENV)/bin/uv ] && echo $(VENV)/bin/uv || echo uv)
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" -q
lock:
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) $(LOCK_EXTRA) -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(LOCK_EXTRA) -o requirements-dev.lock

lock-upgrade:
	$(MAKE) --no-print-directory lock LOCK_EXTRA=--upgrade

# Print the digests of the images the Dockerfile and docker-compose.yml pin, as the registry
# has them now, to update the pins after a deliberate upgrade (needs Docker and the registry).
PINNED_IMAGES := python:3.11-slim-bookworm postgres:15 redis:7 caddy:2.10
pin-images:
	@for image in $(PINNED_IMAGES); do \
		digest=$$(docker buildx imagetools inspect "$$image" --format '{{json .Manifest.Digest}}' | tr -d '"'); \
		echo "$$image@$$digest"; \
	done
