{
    "name": "CRM Strategy - Satisfaction Mailings",
    "summary": "Send a mailing to the customers whose latest NPS answer makes them promoters, "
    "passives or detractors",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "crm_strategy developers",
    "website": "https://github.com/crm-strategy/crm_strategy",
    "depends": ["crm_strategy_survey", "crm_strategy_mass_mailing"],
    "auto_install": True,
    "data": [
        "views/crm_satisfaction_response_views.xml",
    ],
}
