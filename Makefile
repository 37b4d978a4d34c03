# crm_strategy: run, test, lint, bench. Odoo 18.0 runs with $(ODOO_PYTHON) when it is given,
# else with python3 when it imports Odoo 18.0, else with a virtualenv that tools/devtool.py
# sets up once in ~/.cache/crm_strategy/ (Odoo from ODOO_SRC, or downloaded); see README.md.
PYTHON ?= python3
DB ?= crm_strategy_demo

.PHONY: run test test-core test-quick lint format readme pot bench replica-check screenshots

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
	$(PYTHON) -m pylint --rcfile=.pylintrc crm_strategy*/
	$(PYTHON) tools/gen_readme.py --check

readme:  ## rebuild crm_strategy/README.rst from crm_strategy/readme/*.md
	$(PYTHON) tools/gen_readme.py

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

pot:  ## export each addon's i18n/<addon>.pot from database $(DB) (our addons installed)
	$(PYTHON) tools/devtool.py pot --db $(DB)

bench:  ## run every benchmark in bench/ against a scratch database
	@py=$$($(PYTHON) tools/devtool.py python) || exit 1; \
	for b in bench/bench_*.py; do echo "== $$b"; $$py $$b || exit 1; done

replica-check:  ## serve the read-only screens from a hot standby on :55433 and prove it (docs/deployment.md)
	@py=$$($(PYTHON) tools/devtool.py python) && $$py tools/replica_check.py $(REPLICA_CHECK_ARGS)

# README pictures: output file, then the URL path (see tools/screenshot.py for {record} and |click)
SHOTS = \
	docs/img/personas.png '/odoo/action-crm_strategy.crm_persona_action' \
	docs/img/pipeline.png '/odoo/crm' \
	docs/img/lead_score.png '/odoo/crm/{crm.lead [["lifecycle_stage", "=", "sql"], ["score_hot", "=", true]] score desc}|a[name=lead_scoring]' \
	docs/img/customer_value.png '/odoo/contacts/{res.partner [["rfm_segment_id.name", "=", "Champions"], ["customer_segment_history_ids", "!=", false]] id desc}|a[name=customer_value]' \
	docs/img/rfm_grid.png '/odoo/action-crm_strategy.crm_customer_value_action_grid' \
	docs/img/points_history.png '/odoo/action-crm_strategy.crm_loyalty_card_action/{loyalty.card [["crm_tier_id.name", "=", "Gold"]] points desc}|a[name=crm_points_history]' \
	docs/img/goals.png '/odoo/action-crm_strategy.crm_smart_goal_action?view_type=kanban' \
	docs/img/funnel.png '/odoo/action-crm_strategy.crm_lifecycle_funnel_report_action' \
	docs/img/cockpit.png '/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action|li[data-name="CRM Strategy"]@3100'

screenshots:  ## refresh docs/img/*.png from the server `make run` serves (keep it running in another terminal)
	$(PYTHON) tools/screenshot.py $(SHOTS)
