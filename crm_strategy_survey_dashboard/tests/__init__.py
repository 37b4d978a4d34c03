from . import test_crm_satisfaction_dashboard
