{
    "name": "CRM Strategy Dashboards",
    "summary": "The CRM Strategy cockpit in the Dashboards app: goals, personas, funnel, "
    "RFM and CLV, CAC, cohorts and loyalty economics on one page",
    "version": "18.0.1.0.0",
    "category": "Productivity/Dashboard",
    "license": "LGPL-3",
    "author": "crm_strategy developers",
    "website": "https://github.com/crm-strategy/crm_strategy",
    "depends": ["crm_strategy", "spreadsheet_dashboard"],
    "data": ["data/crm_strategy_dashboard_data.xml"],
    "assets": {
        "web.assets_tests": [
            "crm_strategy_spreadsheet_dashboard/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
}
