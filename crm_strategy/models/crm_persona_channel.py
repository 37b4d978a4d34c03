from odoo import fields, models


class CrmPersonaChannel(models.Model):
    """A social platform, contact channel or touchpoint a persona prefers."""

    _name = "crm.persona.channel"
    _description = "Persona Channel or Touchpoint"
    _order = "channel_type, sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    channel_type = fields.Selection(
        [
            ("social", "Social platform"),
            ("contact", "Contact channel"),
            ("touchpoint", "Touchpoint"),
        ],
        "Type",
        required=True,
        default="touchpoint",
    )

    _sql_constraints = [
        (
            "name_type_unique",
            "UNIQUE(name, channel_type)",
            "This channel already exists.",
        ),
    ]
