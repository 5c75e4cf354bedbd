# Samen: one command to run, one to test. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

FLASK := $(BIN)/flask --app webapp
PORT ?= 5000
CATALOGUES := $(wildcard webapp/translations/*/LC_MESSAGES/messages.po)

.PHONY: install test lint typecheck audit bench run translations extract-messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Samen needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) translations

# Compiled message catalogues are build output, not sources.
translations: $(CATALOGUES:.po=.mo)

webapp/translations/%/LC_MESSAGES/messages.mo: webapp/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d webapp/translations -l $*

# After changing user-facing text: refresh the template and the catalogues, then translate the new entries.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations

# bandit: security findings of medium severity and up; a justified exception carries "# nosec BXXX" and its reason.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive webapp matcher --severity-level medium

typecheck: install
	$(BIN)/mypy --strict matcher

# Known vulnerabilities in the installed dependencies (pip-audit against PyPI's data): fails only on one found,
# says "skipped (<reason>)" when the data cannot be reached (offline, or a mirror without vulnerability records).
audit: install
	$(BIN)/python tools/dependency_audit.py

# The suite runs on every core (pytest-xdist): each worker has its own databases, ports and Redis keys.
# TEST_WORKERS=0 runs it in one process (for a debugger, or to read the fuzz tests' figures with -s).
TEST_WORKERS ?= auto
test: lint typecheck audit
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The web app on http://127.0.0.1:$(PORT) with a SQLite file in instance/, demo data on first start.
run: install
	$(FLASK) db upgrade
	$(FLASK) samen seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
