from odoo import fields, models


class CrmBuyingArchetype(models.Model):
    """How a type of customer behaves when buying, and what reps should do about it."""

    _name = "crm.buying.archetype"
    _description = "Buying Behaviour Archetype"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="How this customer behaves.")
    playbook = fields.Html(translate=True, help="What reps should do, shown on the lead.")

    _sql_constraints = [
        ("name_unique", "UNIQUE(name)", "A buying behaviour with this name already exists."),
    ]
