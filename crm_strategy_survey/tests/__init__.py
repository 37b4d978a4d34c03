from . import test_crm_satisfaction
from . import test_crm_satisfaction_tour
from . import test_crm_team_nps
from . import test_crm_satisfaction_scoring
