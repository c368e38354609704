# rekobot — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RUNTIME_STAMP := $(VENV)/.runtime-stamp
LOCALES := locales
POT    := $(LOCALES)/messages.pot

.PHONY: run test lint typecheck pytest pytest-postgres migrate demo demo-data extract update-catalogs compile-catalogs catalogs bench clean

# The venv is (re)built whenever pyproject.toml changes. Running the bot needs only the
# runtime dependencies ($(RUNTIME_STAMP)); everything else adds the dev extra ($(STAMP)), so a
# venv made by `make run` is upgraded by the first `make test`.
$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/rekobot migrate
	$(BIN)/rekobot run

test: lint typecheck pytest

# lint-imports checks the layers ([tool.importlinter] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The suite runs twice: on SQLite files, then on PostgreSQL in a throwaway cluster when one
# can be started here (tests/postgres_server.py; .ci/run installs PostgreSQL). Coverage is
# measured over both runs. REKOBOT_TEST_POSTGRES=URL runs the second one on your own server.
PG_FOLDER ?= /tmp/rekobot-test-pg-$(shell id -u)

pytest: $(STAMP)
	$(BIN)/pytest --cov
	$(MAKE) --no-print-directory pytest-postgres

pytest-postgres: $(STAMP)
	@if [ -n "$$REKOBOT_TEST_POSTGRES" ]; then \
		$(BIN)/pytest --cov --cov-append; \
	elif $(BIN)/python -c 'import sys, tests.postgres_server as s; sys.exit(not s.available())'; then \
		url=$$($(BIN)/python -m tests.postgres_server start $(PG_FOLDER)) || exit 1; \
		echo "PostgreSQL for the tests: $$url"; \
		REKOBOT_TEST_POSTGRES=$$url $(BIN)/pytest --cov --cov-append; status=$$?; \
		$(BIN)/python -m tests.postgres_server stop $(PG_FOLDER); \
		rm -rf $(PG_FOLDER); exit $$status; \
	else \
		echo "No PostgreSQL here (no initdb): the suite ran on SQLite only."; \
	fi

migrate: $(RUNTIME_STAMP)
	$(BIN)/rekobot migrate

# The demo ring lives in a database of its own, never in the real one (REKOBOT_DATABASE).
DEMO_DATABASE ?= demo.sqlite3

demo-data: $(RUNTIME_STAMP)
	REKOBOT_DATABASE=$(DEMO_DATABASE) $(BIN)/rekobot migrate
	REKOBOT_DATABASE=$(DEMO_DATABASE) $(BIN)/rekobot demo-data

demo: demo-data
	REKOBOT_DATABASE=$(DEMO_DATABASE) $(BIN)/rekobot run

# --- message catalogs -------------------------------------------------------
# extract: code -> messages.pot; update-catalogs: code -> pot -> every <lang>/messages.po;
# compile-catalogs: checks that every .po compiles (the bot itself reads .po directly).
extract: $(STAMP)
	$(BIN)/pybabel extract -F pyproject.toml --no-location --sort-output \
		--add-comments=Translators: -k N_ --project=rekobot -o $(POT) .

# Also fills the English catalog: English is the source language.
update-catalogs: $(STAMP)
	$(BIN)/python -m rekobot.catalogs update

compile-catalogs: $(STAMP)
	for po in $(LOCALES)/*/LC_MESSAGES/messages.po; do $(BIN)/pybabel compile -i $$po -o /dev/null --statistics; done

catalogs: update-catalogs compile-catalogs
	$(BIN)/python -m rekobot.catalogs check

bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
