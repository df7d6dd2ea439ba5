# Two commands are all the set-up: `make lab` and `make test`. Each creates .venv on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.routerkit-installed
EXTRAS ?= notebooks,test
# pytest exits 5 when it collects no tests: for us that is a broken suite, never a pass.
PYTEST_STRICT = || { rc=$$?; [ $$rc -eq 5 ] && echo "pytest collected no tests: failing on purpose" >&2; exit $$rc; }

# Notebook 06 reads RouterBench from $ROUTERKIT_DATA. Where the project's shared data sits beside the clone
# (as in CI), the tests use its RouterBench subset unless ROUTERKIT_DATA is already set.
SHARED_ROUTERBENCH := $(abspath ../shared/data/routerbench_subset)
ROUTERKIT_DATA ?= $(wildcard $(SHARED_ROUTERBENCH))
ifneq ($(strip $(ROUTERKIT_DATA)),)
export ROUTERKIT_DATA
endif

.PHONY: setup chromium lab test unit notebooks book bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

setup: $(STAMP)

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

# tests/test_browser.py drives Debian's Chromium (playwright's own browser download is not used). Without it the
# test skips, and fails under CI=true.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "note: /usr/bin/chromium is missing and cannot be installed here (needs apt-get and root):" \
		     "tests/test_browser.py will skip (and fail under CI=true)" >&2; \
	fi

unit: setup chromium
	$(PY) -m pytest tests $(PYTEST_STRICT)

notebooks: setup
	$(PY) -m pytest --nbval-lax --nbval-current-env notebooks $(PYTEST_STRICT)

test: unit notebooks

# The series as a static HTML site in build/book/ (executes every notebook; charts drawn to SVG, no CDN).
book: setup
	$(PY) -m routerkit.book --out build/book

# Speed and fidelity benchmarks; writes bench/RESULTS.md (date, machine, command, every table).
bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
