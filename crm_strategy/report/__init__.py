from . import crm_lifecycle_funnel_report
