# Two commands for a fresh machine: `make demo` and `make test`. Both are idempotent:
# the venv is (re)installed only when pyproject.toml or constraints.txt change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt
DEMO_STAMP := $(VENV)/.demo-installed
TEST_STAMP := $(VENV)/.test-installed
PEERS := .venv-peers

.PHONY: demo test test-heavy lint bench bench-busy bench-peers clean difftest

$(PY):
	$(PYTHON) -m venv $(VENV)

$(DEMO_STAMP): pyproject.toml constraints.txt | $(PY)
	$(PIP) -e ".[all]"
	touch $@

$(TEST_STAMP): pyproject.toml constraints.txt | $(PY)
	$(PIP) -e ".[dev,parity]"
	touch $@ $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(PY) examples/demo.py

test: $(TEST_STAMP)
	$(PY) -m ruff check deepfit tests benchmarks examples
	$(PY) -m pytest

# What does not fit in make test's budget: the largest keras.applications variants against Keras.
test-heavy: $(TEST_STAMP)
	$(PY) -m pytest -m heavy

# The differential sweep against real Keras: N generated models (tests/difftest/sweep.py).
N ?= 2000
difftest: $(TEST_STAMP)
	$(PY) -m tests.difftest.sweep --n $(N) --out difftest-report.json

lint: $(TEST_STAMP)
	$(PY) -m ruff check deepfit tests benchmarks examples

$(PEERS)/bin/python:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --disable-pip-version-check -q -c constraints.txt \
		torch==2.13.0 numpy keras tensorflow-cpu jax jaxlib pillow \
		pandas matplotlib seaborn ipython pydot scikit-learn lightning

bench-peers: $(PEERS)/bin/python

bench: $(DEMO_STAMP)
	$(PY) benchmarks/run.py --peers-python $(PEERS)/bin/python --out bench-results

# The same comparison beside a process that keeps one core busy (flowers left out: 15 min).
bench-busy: $(DEMO_STAMP)
	$(PY) benchmarks/run.py --peers-python $(PEERS)/bin/python --busy-core --repeats 2 \
		--workloads mlp32,mlp256,sigmoid,celsius,convnet,lstm,gru,bigru,bow,resnet \
		--out bench-results/busy

clean:
	rm -rf $(VENV) $(PEERS) *.egg-info bench-results difftest-report.json
