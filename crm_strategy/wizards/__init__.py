from . import crm_scoring_integration_key
from . import crm_customer_value_refresh
