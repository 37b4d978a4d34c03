from . import crm_scoring_integration_key
from . import crm_customer_value_refresh
from . import crm_rfm_segment_map
from . import crm_loyalty_adjust
from . import loyalty_card_update_balance
from . import crm_loyalty_statement_wizard
from . import loyalty_generate_wizard
