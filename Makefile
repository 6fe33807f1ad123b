# The README's commands. Each target installs what it needs, so a fresh clone works.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app pb
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-installed-stamp
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: install run test test-sqlite test-postgresql browser-deps speech-deps translations compile-translations lint format bench bench-web

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

compile-translations: install
	$(VENV)/bin/pybabel -q compile -d translations

## make run: set up, migrate and seed the SQLite demo, then serve it on http://127.0.0.1:5000
run: compile-translations speech-deps
	mkdir -p instance
	FLASK_DEBUG=1 $(FLASK) db upgrade heads
	FLASK_DEBUG=1 $(FLASK) seed-demo
	@echo "Serving Fellespott on http://127.0.0.1:5000 (Ctrl+C stops it)"
	# Plain http on this machine only, so the session cookie can't be Secure here; production keeps it.
	# The tick runs every five minutes beside the server (reminders, digests, sending), and stops
	# with it.
	( while true; do FLASK_DEBUG=1 $(FLASK) tick >> instance/tick.log 2>&1; sleep 300; done ) & \
	TICK=$$!; trap 'kill $$TICK 2>/dev/null' EXIT INT TERM; \
	FLASK_DEBUG=1 SESSION_COOKIE_SECURE=0 $(FLASK) run --host 127.0.0.1 --port 5000 --no-debugger --no-reload

## make test: the whole suite on SQLite, then again on PostgreSQL
test: compile-translations browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# Static analysis: every finding is fixed, or marked `# nosec` with its reason above it.
	$(VENV)/bin/bandit -q -r pb
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql

# Two workers for everything but the browser tests, which run one at a time: two Chromiums on
# two cores beside the servers under test made a test's navigation miss its timeout now and then.
test-sqlite:
	TEST_DATABASE=sqlite $(PY) -m pytest -q -n 2 -m "not browser"
	TEST_DATABASE=sqlite $(PY) -m pytest -q -m browser

test-postgresql:
	TEST_DATABASE=postgresql TEST_POSTGRES_URL=$(PG_URL) $(PY) -m pytest -q -n 2 -m "not browser"
	TEST_DATABASE=postgresql TEST_POSTGRES_URL=$(PG_URL) $(PY) -m pytest -q -m browser

# Debian's espeak-ng and ffmpeg: the server's speech for Listen, and re-encoding voice clips.
speech-deps:
	@if ! command -v espeak-ng >/dev/null || ! command -v ffmpeg >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq espeak-ng ffmpeg >/dev/null; \
	fi

# Debian's Chromium for the browser tests; Playwright never downloads a browser of its own.
browser-deps: speech-deps
	@if ! command -v chromium >/dev/null || ! fc-list | grep -qi "Noto Sans Arabic"; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
			fonts-noto-core fonts-noto-extra >/dev/null; \
	fi

## make translations: extract the strings, update every catalog, compile
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location \
		--sort-output -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 100
	$(PY) scripts/fill_english_catalog.py
	$(VENV)/bin/pybabel -q compile -d translations

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -r pb

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/tally.py
	$(PY) bench/uploads.py
	$(PY) bench/lending_search.py
	$(PY) bench/speech.py

# The load benchmark of the web pages (bench/web.py): locust comes from the `bench` extra.
# BENCH_WEB_ARGS passes options, e.g. BENCH_WEB_ARGS="--clients 10 --seconds 15 --db sqlite".
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench-web: compile-translations $(BENCH_STAMP)
	BENCH_POSTGRES_URL=$(PG_URL) $(PY) bench/web.py $(BENCH_WEB_ARGS)
