# The two commands of the README: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest system-deps install clean bench contract dist screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@sh .ci/system-deps.sh

# With no ARGS the window opens; `make run ARGS="--db L invoices"` runs the command line.
run: install system-deps
	$(BIN)/python -m collector_app $(ARGS)

lint: install
	$(BIN)/ruff check collector_app tests benchmarks

typecheck: install
	$(BIN)/mypy --strict collector_app

pytest: install system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

contract: install
	$(BIN)/python ../shared/contract/check_cli.py $(BIN)/collector

# Every benchmark, each printing its ratios against a raw baseline measured in the same run (~15 min;
# the 1M-invoice ledgers they build are kept in benchmarks/out/ for the next run).
BENCHES := register_page gui_start letters imports reminders
bench: install system-deps
	for b in $(BENCHES); do echo "== benchmarks/$$b.py"; QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/$$b.py || exit 1; done

# The one-folder app in dist/Collector/ (build on the system you ship for: no cross-compiling).
dist: install
	$(BIN)/python -m pip install -q -e '.[dist]'
	$(BIN)/pyinstaller build.spec --noconfirm

# The README's pictures, made by screenshot mode from a demo ledger dated 2026-03-16.
SHOT_DB := build/screenshots/demo.db
SHOT := QT_QPA_PLATFORM=offscreen $(BIN)/collector --db $(SHOT_DB) --today 2026-03-16
screenshots: install system-deps
	rm -f $(SHOT_DB) $(SHOT_DB)-wal $(SHOT_DB)-shm && mkdir -p build/screenshots docs/screenshots
	$(SHOT) --json demo --invoices 2000 --seed 1 > /dev/null
	$(SHOT) gui --view invoices --filter overdue --screenshot docs/screenshots/invoices.png
	$(SHOT) --json reminders plan > /dev/null
	$(SHOT) --json demand batch --min-days 30 --kind demand --out build/screenshots/letters > /dev/null
	for view in contractors payments tasks calls outbox policies demands rates; do \
		$(SHOT) gui --view $$view --screenshot docs/screenshots/$$view.png || exit 1; done
	pdftoppm -png -r 70 -f 1 -l 1 -singlefile "$$(ls build/screenshots/letters/WZ*.pdf | head -1)" \
		docs/screenshots/letter
	$(SHOT) gui --filter overdue --screenshot docs/screenshots/invoice.png --view invoice:$$($(SHOT) --json \
		invoices --filter overdue --sort days_overdue --desc --limit 1 | $(BIN)/python -c \
		'import json, sys; print(json.load(sys.stdin)[0]["number"])')

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
