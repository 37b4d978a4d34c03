{
    "name": "CRM Strategy - Website",
    "summary": "Page views and form submissions of known website visitors score their leads "
    "and contacts",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "crm_strategy developers",
    "website": "https://github.com/crm-strategy/crm_strategy",
    # website_crm links visitors to the leads they created or were linked to
    "depends": ["crm_strategy", "website_crm"],
    "auto_install": True,
    "data": [
        "data/crm_strategy_website_cron.xml",
    ],
}
