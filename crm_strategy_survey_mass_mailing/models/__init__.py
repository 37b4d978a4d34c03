from . import crm_satisfaction_response
