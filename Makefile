# Two commands take a fresh clone anywhere: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3
# Hash-pinned locks (requirements/, made by `make lock`): the lock first, then the project
# itself without dependencies, so nothing unpinned comes in.
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: run test lint typecheck chromium pgbouncer systemd promtool pytest bench soak lock clean

$(VENV)/.run-installed: pyproject.toml requirements/runtime.txt  # what the server needs
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r requirements/runtime.txt
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.installed: pyproject.toml requirements/dev.txt  # and the tests and tools
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r requirements/dev.txt
	$(PIP) --no-deps -e .
	touch $@

run: $(VENV)/.run-installed  # database in SESSIONARY_DATA_DIR, by default ~/.local/share/sessionary
	$(BIN)/sessionary db upgrade
	$(BIN)/sessionary serve --host 127.0.0.1 --port 8000

test: $(VENV)/.installed lint typecheck chromium pgbouncer systemd promtool pytest

chromium:  # Debian's Chromium for the console browser tests (tests/console)
	scripts/ensure-chromium

pgbouncer:  # Debian's PgBouncer for the transaction-pooling tests (tests/integration)
	scripts/ensure-pgbouncer

systemd:  # systemd-analyze, which checks deploy/sessionary.service (tests/unit/test_deploy_files.py)
	scripts/ensure-systemd-analyze

promtool: $(VENV)/.installed  # promtool (Debian's prometheus package) for the alert-rule tests
	scripts/ensure-promtool $(BIN)

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.installed
	$(BIN)/mypy && $(BIN)/mypy examples

# Two processes (pytest-xdist): most of the suite waits on servers, databases and browsers, so
# two workers on two cores roughly halve the wall time; each worker starts its own PostgreSQL.
pytest: $(VENV)/.installed
	$(BIN)/pytest -n 2

# Not part of `make test`. Bounded: `make bench` ~20 min (4 configurations x 25 phases of 8 s,
# plus set-up), `make bench-quick` ~4 min (SQLite 1 worker and PostgreSQL 2 workers, 3 s phases).
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) --require-hashes -r requirements/bench.txt
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

lock: $(VENV)/.installed  # re-resolve requirements/*.txt from pyproject.toml (LOCK_ARGS=--upgrade)
	$(PIP) --require-hashes -r requirements/lock-tool.txt
	UV=$(BIN)/uv scripts/lock

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
