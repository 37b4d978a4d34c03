from . import crm_persona
