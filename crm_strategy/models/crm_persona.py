from odoo import fields, models


class CrmPersona(models.Model):
    """A buyer persona: one type of customer the company sells to."""

    _name = "crm.persona"
    _description = "Buyer Persona"
    _inherit = ["mail.thread", "image.mixin"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company)
    summary = fields.Text(translate=True)
