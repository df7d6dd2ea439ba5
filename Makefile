# Two commands are all the set-up: `make lab` and `make test`. Each creates .venv on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.routerkit-installed
EXTRAS ?= notebooks,test,encoders,report
# pytest exits 5 when it collects no tests: for us that is a broken suite, never a pass.
PYTEST_STRICT = || { rc=$$?; [ $$rc -eq 5 ] && echo "pytest collected no tests: failing on purpose" >&2; exit $$rc; }

# Notebook 06 reads RouterBench from $ROUTERKIT_DATA. Where the project's shared data sits beside the clone
# (as in CI), the tests use its RouterBench subset unless ROUTERKIT_DATA is already set.
SHARED_ROUTERBENCH := $(abspath ../shared/data/routerbench_subset)
ROUTERKIT_DATA ?= $(wildcard $(SHARED_ROUTERBENCH))
ifneq ($(strip $(ROUTERKIT_DATA)),)
export ROUTERKIT_DATA
endif

# Notebooks 01-05 read ROUTERKIT_NB_DATA in their parameters cell (RouterWorld when unset), and notebook 06 as its
# DATA_PATH (RouterBench when unset). `make test` runs them a second time on each real file below, where the shared data sits beside the clone (as in CI): the RouterBench
# subset (11 models, real prices, 3 tasks) and RouterArena (809 queries, 2 models; small, and its best model is
# also its cheapest, a case RouterWorld never shows). Elsewhere that part is skipped with a note. Other files:
# `make notebooks-real NB_REAL_DATA="a.parquet b.csv"`.
SHARED_DATA := $(abspath ../shared/data)
NB_REAL_DATA ?= $(wildcard $(SHARED_DATA)/routerbench_subset/routerbench_subset_wide.parquet \
                           $(SHARED_DATA)/routerarena/routerarena_long.parquet)
NB_REAL := $(wildcard notebooks/0[1-5]_*.ipynb)
# notebook 06 reads the same variable as its DATA_PATH ("bring your own data"): the whole notebook on that file
NB_OWN := notebooks/06_real_data.ipynb

.PHONY: setup chromium lab test unit notebooks notebooks-real notebooks-seeds book bench clean

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
	$(PY) -m pytest tests -m "not seeds" $(PYTEST_STRICT)

notebooks: setup
	$(PY) -m pytest --nbval-lax --nbval-current-env notebooks $(PYTEST_STRICT)

notebooks-real: setup
	@if [ -z "$(strip $(NB_REAL_DATA))" ]; then \
		echo "note: no real data in $(SHARED_DATA) (CI has ../shared/data beside the clone): skipping the" \
		     "real-data run of notebooks 01-05 (their RouterWorld run is \`make notebooks\`)" >&2; \
	else for data in $(NB_REAL_DATA); do \
		echo "notebooks 01-06 on $$data"; \
		ROUTERKIT_NB_DATA="$$data" $(PY) -m pytest --nbval-lax --nbval-current-env $(NB_REAL) $(NB_OWN) $(PYTEST_STRICT); \
	done; fi

# The notebooks' claims on seeds 1-4 (and notebook 02 on 2,000 queries): tests/test_claims_over_seeds.py.
notebooks-seeds: setup
	$(PY) -m pytest tests/test_claims_over_seeds.py -m seeds $(PYTEST_STRICT)

test: unit notebooks notebooks-real notebooks-seeds

# The series as a static HTML site in build/book/ (executes every notebook; charts drawn to SVG, no CDN).
book: setup
	$(PY) -m routerkit.book --out build/book

# Speed and fidelity benchmarks; writes bench/RESULTS.md (date, machine, command, every table).
bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
