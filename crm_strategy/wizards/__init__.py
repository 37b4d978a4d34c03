from . import crm_scoring_integration_key
from . import crm_customer_value_refresh
from . import crm_rfm_segment_map
