{
    "name": "CRM Strategy - Customer Satisfaction",
    "summary": "NPS and CSAT surveys sent after orders, the customer's satisfaction class, "
    "a call-back for every detractor and the company's NPS over time",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "crm_strategy developers",
    "website": "https://github.com/crm-strategy/crm_strategy",
    "depends": ["crm_strategy", "survey"],
    "auto_install": True,
    "data": [
        "security/crm_satisfaction_security.xml",
        "security/ir.model.access.csv",
        "data/crm_satisfaction_survey_data.xml",
        "data/crm_satisfaction_cron.xml",
        "data/crm_goal_metric_data.xml",
        "views/crm_satisfaction_response_views.xml",
        "views/res_partner_views.xml",
        "views/survey_survey_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_strategy_survey_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_strategy_survey/static/tests/tours/**/*",
        ],
    },
}
