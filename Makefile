# Renju: the two commands a fresh machine needs are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-stamp
ASSETS := renju/web/static/vendor/.built

.PHONY: install assets browser office demo serve prepare test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,queue]"
	touch $(STAMP)

# Front-end libraries from npm, copied into the app's static files (pages never load anything from outside).
$(ASSETS): package.json package-lock.json scripts/copy-vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/copy-vendor.mjs
	touch $(ASSETS)

assets: $(ASSETS)

install: $(STAMP) $(ASSETS)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

# Debian's LibreOffice (documents to PDF), poppler (PDF pages to PNG) and the Noto CJK fonts, so the document tests
# render the bulletins a person can look at, and PDF downloads work.
office:
	@command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || { \
	  echo "installing Debian's LibreOffice (writer, calc), poppler-utils and CJK fonts for the document tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk; }

# Migrate, load the demo geography and the Rongcheng 2023 plan, create demo data; safe to run again.
prepare: install
	$(BIN)/renju migrate --noinput -v0
	$(BIN)/renju loadregions plans/regions/rongcheng-demo.geojson
	$(BIN)/renju loadplan plans/rongcheng-2023.yaml
	$(BIN)/renju demodata
	$(BIN)/renju videodemo
	$(BIN)/renju collectstatic --noinput -v0

demo: office prepare serve

# The web server, and beside it `renju worker` (reminders, overdue notices, deliveries), stopped with the server.
serve: install
	@echo "Renju is serving on http://127.0.0.1:$(PORT)/  (API: http://127.0.0.1:$(PORT)/api/v1/docs)"
	@$(BIN)/renju worker --exit-with-parent & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn renju.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile -

# The whole suite on SQLite, then again on PostgreSQL when DATABASE_URL names one.
test: install browser office lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check renju tests bench plans

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -q

test-postgres: install
	@case "$$DATABASE_URL" in \
	  postgres://*|postgresql://*) echo "== PostgreSQL: $$DATABASE_URL"; $(BIN)/pytest -q ;; \
	  *) echo "DATABASE_URL does not name a PostgreSQL database: PostgreSQL run skipped" ;; \
	esac

bench: install
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var staticfiles node_modules renju/web/static/vendor
