from . import crm_buying_archetype
from . import crm_persona_channel
from . import crm_persona
from . import crm_persona_mixin
from . import res_partner
from . import crm_lead
