# Two commands matter: `make demo` runs the product, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

# The demo's clock: one scenario hour per 10 s, and the polling policy on the same clock
# (time_scale 360 = 3600 s / 10 s, no night), rounds every 5 s, pages refresh every 10 s.
DEMO_ENV := TRACKING_DEMO_SECONDS_PER_HOUR=10 TRACKING_WORKER_INTERVAL_SECONDS=5 \
	TRACKING_POLL_POLICY='{"time_scale": 360, "night_start_hour": 0, "night_end_hour": 0}' \
	TRACKING_PAGE_REFRESH_SECONDS=10 \
	TRACKING_PUBLIC_BASE_URL=http://127.0.0.1:$(PORT)

# The demo shop's console owner (a demo only: choose real passwords with create-user).
DEMO_USER := owner@demo-shop.example
DEMO_PASSWORD := tracking-demo-2026

.PHONY: demo test install translations extract-messages bench clean

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed translations instance/config.py

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d tracking/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o tracking/translations/messages.pot .
	$(BIN)/pybabel -q update -N -i tracking/translations/messages.pot -d tracking/translations

demo: install
	$(FLASK) db upgrade
	@echo "Demo tracking pages (they move as the worker polls the simulated carrier):"
	@$(DEMO_ENV) $(FLASK) seed-demo
	@echo "Order lookup: http://127.0.0.1:$(PORT)/demo-shop/track  (order number + alex@example.com)"
	@echo "$(DEMO_PASSWORD)" | $(FLASK) create-user --merchant demo-shop --email $(DEMO_USER) \
		--role owner >/dev/null 2>&1 || true
	@echo "Merchant console: http://127.0.0.1:$(PORT)/console/  ($(DEMO_USER) / $(DEMO_PASSWORD))"
	@echo "Web and worker starting on http://127.0.0.1:$(PORT) - Ctrl-C stops both."
	$(DEMO_ENV) PATH=$(abspath $(BIN)):$$PATH $(BIN)/honcho start -f Procfile -p $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/page_throughput.py
	$(BIN)/python bench/page_weight.py

clean:
	rm -rf $(VENV) instance/tracking.sqlite3* build *.egg-info
