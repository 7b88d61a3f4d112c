# The two commands of the README: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint typecheck pytest system-deps install clean bench contract

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@sh .ci/system-deps.sh

run: install system-deps
	env -u QT_QPA_PLATFORM $(BIN)/collector $(ARGS)

lint: install
	$(BIN)/ruff check collector_app tests benchmarks

typecheck: install
	$(BIN)/mypy --strict collector_app

pytest: install system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

contract: install
	$(BIN)/python ../shared/contract/check_cli.py $(BIN)/collector

bench: install
	$(BIN)/python benchmarks/register_page.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
