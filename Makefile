# Two commands for a new user (see README.md): `make baseline` and `make test`.
PY := .venv/bin/python

.PHONY: setup baseline test lint bench clean

setup:
	@./scripts/bootstrap.sh

baseline: setup
	$(PY) run.py run scenarios/baseline.yaml

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) benchmarks/bench_baseline.py

clean:
	rm -rf .venv results .pytest_cache .ruff_cache
