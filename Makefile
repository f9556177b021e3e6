# The README's two commands: `make run` (build the graph and answer sample questions) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= .yibao/store

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/yibao build data/reports --store $(STORE)
	$(BIN)/yibao facts --store $(STORE) --indicator months_of_cover
	$(BIN)/yibao facts --store $(STORE) --indicator fiscal_subsidy_arrival_rate

lint: setup
	$(BIN)/ruff check kg cli tests benchmarks scripts

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf $(VENV) .yibao
