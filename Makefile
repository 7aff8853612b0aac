# Two commands for a newcomer: `make run` and `make test` (README).
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: install run test lint types messages translations clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

messages: install
	$(MANAGE) compilemessages --ignore=.venv -v0

# After changing texts: update the catalogues, then translate what is new in each nl django.po.
# Apps with a locale/ folder of their own keep their texts there; the rest go to the project's locale/.
APP_CATALOGUES := $(patsubst %/locale,%,$(wildcard */locale))
translations: install
	$(MANAGE) makemessages -l nl -l en --no-obsolete --ignore=.venv --ignore=tests $(addprefix --ignore=,$(APP_CATALOGUES))
	for app in $(APP_CATALOGUES); do (cd $$app && ../$(PY) ../manage.py makemessages -l nl -l en --no-obsolete); done

run: install messages
	$(MANAGE) migrate --no-input -v1
	$(MANAGE) demo_load
	# The task worker (VOG reminders, erasing stopped volunteers' profiles) runs beside the web server and stops with it.
	$(MANAGE) db_worker & trap "kill $$!" EXIT; $(VENV)/bin/uvicorn config.asgi:application --host 127.0.0.1 --port 8000 --ws-per-message-deflate false

# lint-imports: the layers of DESIGN.md (Layout), an import-linter contract in pyproject.toml.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

types: install
	$(VENV)/bin/mypy

test: install lint types messages
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .mypy_cache .ruff_cache
