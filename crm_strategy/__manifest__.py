{
    "name": "CRM Strategy",
    "summary": "Buyer personas, RFM and lifetime value, lead scoring, loyalty ledgers "
    "and SMART goals on top of Odoo CRM",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "crm_strategy developers",
    "website": "https://github.com/crm-strategy/crm_strategy",
    "depends": [
        # leads, opportunities, sales teams
        "crm",
        # won revenue comes from the sale orders linked to opportunities
        "sale_crm",
        # the points ledger builds on loyalty programs and cards
        "loyalty",
    ],
    "external_dependencies": {"python": ["numpy", "scipy"]},
    "data": [
        "security/crm_strategy_security.xml",
        "security/ir.model.access.csv",
        "data/crm_buying_archetype_data.xml",
        "data/crm_persona_channel_data.xml",
        "data/crm_persona_cron.xml",
        "data/crm_scoring_cron.xml",
        "views/crm_persona_views.xml",
        "views/crm_persona_config_views.xml",
        "views/crm_scoring_rule_views.xml",
        "views/crm_scoring_model_views.xml",
        "views/crm_engagement_event_views.xml",
        "views/crm_scoring_integration_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_lead_scoring_views.xml",
        "views/res_partner_views.xml",
        "views/res_partner_scoring_views.xml",
        "views/crm_lifecycle_funnel_report_views.xml",
        "data/crm_goal_metric_data.xml",
        "data/crm_goal_cron.xml",
        "data/crm_smart_goal_template_data.xml",
        "views/crm_strategy_objective_views.xml",
        "views/crm_goal_metric_views.xml",
        "views/crm_smart_goal_views.xml",
        "views/crm_strategy_menus.xml",
    ],
    "demo": [
        "demo/crm_persona_demo.xml",
        "demo/crm_scoring_model_demo.xml",
        "demo/crm_smart_goal_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_strategy/static/tests/tours/**/*",
        ],
    },
}
