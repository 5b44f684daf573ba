# `bash scripts/install.sh && make run` / `... && make test` are the README's two commands.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint format translations extract-messages screenshots

install:
	bash scripts/install.sh

run: install
	$(BIN)/python run.py

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto --dist loadfile

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the catalogues after changing user-facing strings, then translate the new entries.
extract-messages:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o lms/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete

translations:
	$(BIN)/pybabel compile -d lms/translations

# The screenshot tour: the demo's main pages per role, phone and laptop, into screenshots/.
screenshots: install
	$(BIN)/python scripts/screenshots.py
