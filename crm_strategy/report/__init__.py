from . import crm_lifecycle_funnel_report
from . import crm_loyalty_statement
from . import crm_acquisition_report
from . import crm_retention_report
from . import crm_loyalty_economics_report
from . import crm_lost_deal_report
from . import crm_loyalty_economics_month_report
from . import crm_loyalty_economics_card_report
