from . import crm_scoring_integration_key
from . import crm_loyalty_adjust
from . import loyalty_card_update_balance
from . import crm_loyalty_statement_wizard
