from odoo import api, fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm.persona.mixin"]

    # Same name and type as OCA's partner_contact_birthdate, so both can coexist.
    birthdate_date = fields.Date("Date of Birth")

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._with_persona_manual(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._with_persona_manual(vals))
