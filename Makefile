# The README's two commands: `make run` (build the graph and answer sample questions) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= .yibao/store

.PHONY: setup run test lint bench bench-scale clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/yibao build data/reports --store $(STORE)
	$(BIN)/yibao ask --store $(STORE) "哪些地区基金可支付月数低于6个月？"
	$(BIN)/yibao ask --store $(STORE) "Which districts did not receive their full fiscal subsidy?"
	$(BIN)/yibao ask --store $(STORE) "株洲牵头的集采联盟有哪些成员，节约了多少？"
	$(BIN)/yibao ask --store $(STORE) "Which regions pay hospitals by DRG?"
	$(BIN)/yibao policies --store $(STORE) --type 门诊共济

lint: setup
	$(BIN)/ruff check kg cli tests benchmarks scripts

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_build.py tests/fixtures/corpus/reports --output benchmarks/results/build-corpus.json
	$(BIN)/python benchmarks/bench_queries.py
	$(BIN)/python benchmarks/bench_remote.py

# Synthetic report files: build, re-build, add one, queries next to pandas, ask (benchmarks/results/scale.md).
N ?= 100 1000
bench-scale: setup
	$(BIN)/python benchmarks/bench_scale.py --n $(N)

clean:
	rm -rf $(VENV) .yibao
