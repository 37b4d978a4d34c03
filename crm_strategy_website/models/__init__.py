from . import website_track
from . import crm_lead
