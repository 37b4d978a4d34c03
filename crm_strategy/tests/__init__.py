from . import test_crm_strategy_security
from . import test_crm_strategy_tour
from . import test_crm_persona
from . import test_lead_scoring
from . import test_engagement_endpoint
from . import test_lead_scoring_tour
from . import test_crm_smart_goal
from . import test_crm_smart_goal_tour
