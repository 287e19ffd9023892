# Laurel: `make run` serves the demo, `make test` runs every check. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCKS  := requirements.lock requirements-dev.lock
HASH   := $(shell cat pyproject.toml $(wildcard $(LOCKS)) | sha1sum | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(HASH)
DEV_STAMP     := $(VENV)/.dev-$(HASH)

PYTEST_ARGS ?= -n auto

.PHONY: run test install install-dev lint typecheck check-imports pytest lock clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Dependencies come from the lock files (every transitive version pinned); Laurel itself is
# installed editable on top, without resolving anything again.
$(RUNTIME_STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(DEV_STAMP): pyproject.toml requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)
	@if command -v npm >/dev/null 2>&1; then \
		if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
			npm ci --no-audit --no-fund --loglevel=error; fi; \
	else echo "npm not found: browser accessibility checks will be skipped"; fi

run: install
	$(BIN)/laurel migrate
	$(BIN)/laurel seed-demo
	@echo "Serving Laurel on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(BIN)/laurel serve

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy app badges

check-imports: install-dev
	$(BIN)/lint-imports

pytest: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck check-imports pytest

# Re-resolve the lock files after changing the pins in pyproject.toml (needs the package index).
PIP_COMPILE_ARGS := -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
	--annotation-style=line
lock:
	$(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install -q pip-tools==7.6.2
	.lock-venv/bin/pip-compile $(PIP_COMPILE_ARGS) -o requirements.lock pyproject.toml
	.lock-venv/bin/pip-compile $(PIP_COMPILE_ARGS) --extra dev -o requirements-dev.lock pyproject.toml
	rm -rf .lock-venv

# Interface text (docs/i18n.md): collect every marked message into app/locale/messages.pot and
# merge it into each language's catalog. Catalogs are compiled when Laurel starts: no .mo files.
EXTRACT_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k gettext_noop
messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg $(EXTRACT_KEYWORDS) --add-location=file --sort-by-file \
		--project=Laurel --version=0.1.0 --copyright-holder=Laurel -o app/locale/messages.pot .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale -D messages --no-wrap

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
