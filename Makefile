# Sentinel: `make demo` runs the whole loop on the bundled sandbox Odoo; `make test` runs the test suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench proof proof-ci sandbox check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) runner.py demo

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/scan.py
	$(PY) bench/slack_ack.py
	$(PY) bench/stockout_backtest.py
	$(PY) bench/digest_forecast.py

# The proof suite (proof/README.md): real processes under injected faults, one table of figures; exit 1 on any failure.
proof: $(STAMP)
	$(PY) -m proof

proof-ci: $(STAMP)
	$(PY) -m proof --quick

sandbox: $(STAMP)
	$(PY) runner.py sandbox --port 8069

check: $(STAMP)
	$(PY) runner.py policy check

clean:
	rm -rf $(VENV) .sentinel .pytest_cache
