from . import mailing_trace
from . import crm_mailing_audience_mixin
from . import crm_rfm_segment
from . import crm_persona
from . import crm_loyalty_tier
from . import crm_product_affinity
