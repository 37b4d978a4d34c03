from . import crm_scoring_integration_key
