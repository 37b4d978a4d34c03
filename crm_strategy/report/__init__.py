from . import crm_lifecycle_funnel_report
from . import crm_loyalty_statement
