# Two entry points (see README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# `make check` is the quick everyday run: no tests marked slow, none that start a server
# process or drive the browser, and no browser set-up;
# `make test` is the whole suite, which CI runs.
.PHONY: run test check install install-test browser axe screenshots index clean

# axe-core (accessibility checks injected by the browser tests), from the npm registry
# into build/ (not committed).  Without npm the accessibility tests are skipped (failed under CI).
AXE_VERSION ?= 4.14.1
AXE := build/axe/node_modules/axe-core/axe.min.js

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's chromium for the browser test (needs root and apt; skipped quietly otherwise,
# in which case the browser test reports that chromium is missing).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ; } || true

$(AXE):
	@command -v npm >/dev/null 2>&1 && npm install --silent --no-audit --no-fund --no-save \
		--prefix build/axe axe-core@$(AXE_VERSION) || echo "npm not found: accessibility tests will be skipped"

axe: $(AXE)

index: install
	$(VENV)/bin/searchsvc index --corpus corpus --index index

# Install, bring the index up to date with corpus/, serve on http://$(HOST):$(PORT)/
run: index
	$(VENV)/bin/searchsvc serve --corpus corpus --index index --host $(HOST) --port $(PORT)

test: install-test browser axe
	$(PY) -m pytest $(PYTEST_ARGS)

check: install-test
	$(PY) -m pytest -q -m "not slow and not server and not browser" $(PYTEST_ARGS)

# The page at phone and desktop widths, light and dark, into docs/screenshots/.
screenshots: install-test browser axe
	SEARCHSVC_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/test_browser_reader.py

clean:
	rm -rf index/gen-* index/CURRENT index/*.json index/writer.lock
