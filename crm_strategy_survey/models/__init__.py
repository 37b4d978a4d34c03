from . import crm_goal_metric
from . import crm_satisfaction_response
from . import res_company
from . import res_config_settings
from . import res_partner
from . import survey_question
from . import survey_survey
from . import survey_user_input
