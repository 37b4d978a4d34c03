from . import test_crm_satisfaction
from . import test_crm_satisfaction_tour
