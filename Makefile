# Two commands take a fresh clone anywhere: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: run test lint typecheck chromium pgbouncer promtool pytest bench soak clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	mkdir -p var
	$(BIN)/sessionary db upgrade
	$(BIN)/sessionary serve --host 127.0.0.1 --port 8000

test: $(VENV)/.installed lint typecheck chromium pgbouncer promtool pytest

chromium:  # Debian's Chromium for the console browser tests (tests/console)
	scripts/ensure-chromium

pgbouncer:  # Debian's PgBouncer for the transaction-pooling tests (tests/integration)
	scripts/ensure-pgbouncer

promtool: $(VENV)/.installed  # promtool (Debian's prometheus package) for the alert-rule tests
	scripts/ensure-promtool $(BIN)

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.installed
	$(BIN)/mypy && $(BIN)/mypy examples

pytest: $(VENV)/.installed
	$(BIN)/pytest

# Not part of `make test`. Bounded: `make bench` ~20 min (4 configurations x 25 phases of 8 s,
# plus set-up), `make bench-quick` ~4 min (SQLite 1 worker and PostgreSQL 2 workers, 3 s phases).
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/mypy bench  # typed like the rest; needs the bench extra (starlette, fastapi, matplotlib)
	bench/ensure-wrk
	$(PY) bench/suite.py

bench-quick: $(VENV)/.bench-installed
	bench/ensure-wrk
	$(PY) bench/suite.py --seconds 3 --configs sqlite:1,postgresql:2 --close-ids 30000

soak: $(VENV)/.installed  # SOAK_MINUTES (10), SOAK_WORKERS (8); see tests/fault/README.md
	$(PY) bench/soak.py

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
