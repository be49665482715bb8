# Shenpi: `make run` serves the product, `make test` runs the whole suite. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Front-end libraries (bpmn-js, dmn-js, chart.js, htmx) from the npm registry, served by the app.
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# The browser tests drive Debian's chromium (headless); installed once, as the machine's package.
/usr/bin/chromium:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

# The designer's modelers as one script each: processes (bpmn-js, its properties panel, Shenpi's
# entries) and rules (dmn-js), both in Chinese.
MODELERS := web/static/vendor/shenpi-modeler.js web/static/vendor/shenpi-dmn.js
web/static/vendor/shenpi-%.js: $(NODE_STAMP) $(wildcard web/static/src/*.js)
	node_modules/.bin/esbuild web/static/src/$*.js --bundle --minify --format=iife --log-level=warning --outfile=$@

install: $(STAMP) $(NODE_STAMP) $(MODELERS)

run: install
	$(PY) run.py demo
	$(PY) run.py serve

# The suite runs on SQLite; with TEST_DATABASE_URL set, the database tests run again on PostgreSQL,
# at the same time (each has its own database, files and ports; the machines have two cores), their
# report printed after the SQLite one's. Split so the two take about as long: the tests that use no
# database run beside PostgreSQL's, not after SQLite's, and the browser tests run on SQLite only
# (the pages' queries run on PostgreSQL through the test client's page tests; a browser on top adds
# minutes, not queries).
test: install /usr/bin/chromium
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		log=$$(mktemp); \
		( SHENPI_TEST_BACKEND=postgres $(PY) -m pytest -m db --ignore=tests/browser -p no:cacheprovider; pg=$$?; \
		  echo "== the tests that use no database =="; $(PY) -m pytest -m "not db" -p no:cacheprovider; \
		  [ $$? -eq 0 ] && [ $$pg -eq 0 ] ) > $$log 2>&1 & postgres=$$!; \
		$(PY) -m pytest -m db; sqlite=$$?; \
		wait $$postgres; on_postgres=$$?; \
		echo "== database tests again on PostgreSQL =="; cat $$log; rm -f $$log; \
		[ $$sqlite -eq 0 ] && [ $$on_postgres -eq 0 ]; \
	else \
		$(PY) -m pytest; \
	fi

bench: install
	$(PY) bench/engine.py

clean:
	rm -rf $(VENV) instance/*.db
