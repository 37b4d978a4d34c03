from . import test_crm_satisfaction
