from odoo import models


class CrmPersona(models.Model):
    _name = "crm.persona"
    _inherit = ["crm.persona", "crm.mailing.audience.mixin"]

    def _crm_audience_domain(self):
        return [("persona_id", "=", self.id)]
