{
    "name": "CRM Strategy Dashboards - Customer Satisfaction",
    "summary": "Customer satisfaction in the CRM Strategy cockpit: Net Promoter Score, "
    "customers per NPS class and survey response rate",
    "version": "18.0.1.0.0",
    "category": "Productivity/Dashboard",
    "license": "LGPL-3",
    "author": "crm_strategy developers",
    "website": "https://github.com/crm-strategy/crm_strategy",
    "depends": ["crm_strategy_survey", "crm_strategy_spreadsheet_dashboard"],
    "data": ["data/crm_strategy_satisfaction_dashboard_data.xml"],
    "auto_install": True,
}
