# crm_strategy: run, test, lint, bench. Odoo 18.0 must be importable by
# $(ODOO_PYTHON) (default python3); see README.md.
ODOO_PYTHON ?= python3
DB ?= crm_strategy_demo
export ODOO_PYTHON
PYTHON ?= python3
DB ?= crm_strategy_demo

.PHONY: run test test-core test-quick lint format readme pot bench replica-check

run:  ## create/upgrade the demo database and serve Odoo on :8069
	$(PYTHON) tools/devtool.py run

test:  ## every test on a throw-away database; ends with "N passed, N failed"
	$(PYTHON) tools/devtool.py test

test-core:  ## make test, plus the browser tours of the Odoo apps we extend (nightly)
	$(PYTHON) tools/devtool.py test --core

test-quick:  ## the tests only, without the demo install/uninstall check
	$(PYTHON) tools/devtool.py test --quick

lint:  ## ruff (format + lint) and pylint-odoo; zero findings expected
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pylint --rcfile=.pylintrc crm_strategy
	$(PYTHON) tools/gen_readme.py --check

readme:  ## rebuild crm_strategy/README.rst from crm_strategy/readme/*.md
	$(PYTHON) tools/gen_readme.py

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

pot:  ## export crm_strategy/i18n/crm_strategy.pot from database $(DB) (crm_strategy installed)
	$(PYTHON) tools/devtool.py pot --db $(DB)

bench:  ## run every benchmark in bench/ against a scratch database
	@for b in bench/bench_*.py; do echo "== $$b"; $(ODOO_PYTHON) $$b || exit 1; done

replica-check:  ## serve the read-only screens from a hot standby on :55433 and prove it (docs/deployment.md)
	$(ODOO_PYTHON) tools/replica_check.py $(REPLICA_CHECK_ARGS)
