from . import test_crm_strategy_dashboard
