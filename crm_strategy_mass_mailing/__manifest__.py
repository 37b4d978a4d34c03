{
    "name": "CRM Strategy - Email Marketing",
    "summary": "Opens, clicks, replies, bounces and unsubscribes of mailings score leads; "
    "segments, personas and tiers become mailing audiences",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "crm_strategy developers",
    "website": "https://github.com/crm-strategy/crm_strategy",
    "depends": ["crm_strategy", "mass_mailing"],
    "auto_install": True,
    "data": [
        "data/crm_strategy_mass_mailing_cron.xml",
        "views/crm_mailing_audience_views.xml",
    ],
}
