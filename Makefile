# Two commands for a new user (see README.md): `make baseline` and `make test`.
PY := .venv/bin/python

.PHONY: setup setup-runtime baseline test test-fast lint bench dashboard clean

setup:
	@./scripts/bootstrap.sh dev

setup-runtime:
	@./scripts/bootstrap.sh runtime

baseline: setup-runtime
	$(PY) run.py run scenarios/baseline.yaml

test: setup
	$(PY) -m ruff check .
	.venv/bin/lint-imports
	$(PY) -m pytest --durations=15

# the same without the tests marked slow (minutes, not ten)
test-fast: setup
	$(PY) -m ruff check .
	.venv/bin/lint-imports
	$(PY) -m pytest -m "not slow" --durations=15

lint: setup
	$(PY) -m ruff check .
	.venv/bin/lint-imports

bench: setup-runtime
	$(PY) benchmarks/bench_baseline.py

# the interactive dashboard on http://127.0.0.1:8765 (docs/dashboard.md): loopback only
# (SECURITY.md), production mode (no calls to solara.dev), no telemetry, and a closed tab's
# session culled after 5 s (tests/test_dashboard.py runs this very line)
dashboard: setup
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=false SOLARA_KERNEL_CULL_TIMEOUT=5s .venv/bin/solara run sim/face/dashboard.py --host 127.0.0.1 --port 8765 --production

clean:
	rm -rf .venv results .pytest_cache .ruff_cache
