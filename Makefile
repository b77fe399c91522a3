# Shortcuts for developers; CI runs .ci/run.
.PHONY: install test test-postgres lint format typecheck migrations-check ci demo messages

VENV ?= .venv
BIN := $(VENV)/bin

install:
	python3 -m venv $(VENV) && $(BIN)/pip install -c constraints.txt -e ".[dev]"

test:
	$(BIN)/pytest

test-postgres:
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/kamtibmas $(BIN)/pytest

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

typecheck:
	$(BIN)/mypy kamtibmas

migrations-check:
	$(BIN)/kamtibmas makemigrations --check --dry-run

# Re-extract message ids after changing UI text, translate kamtibmas/locale/id, then compile.
messages:
	cd kamtibmas && ../$(BIN)/kamtibmas makemessages -l id -l en --no-obsolete && ../$(BIN)/kamtibmas compilemessages

ci:
	.ci/run

demo:
	$(BIN)/kamtibmas demo
