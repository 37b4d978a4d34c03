from odoo import fields, models


class CrmLoyaltyTier(models.Model):
    _name = "crm.loyalty.tier"
    _description = "Loyalty Tier"
    _order = "program_id, min_points, id"

    name = fields.Char(required=True, translate=True)
    program_id = fields.Many2one("loyalty.program", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    min_points = fields.Float(
        string="Points to Qualify",
        required=True,
        help="Points earned over the program's qualification period needed for this tier.",
    )
    multiplier = fields.Float(
        string="Earn Multiplier",
        default=1.0,
        required=True,
        help="Points earned by members of this tier are multiplied by this (bonus entries).",
    )
    color = fields.Integer()

    _sql_constraints = [
        ("min_points_positive", "CHECK(min_points >= 0)", "Points to qualify cannot be negative."),
        ("multiplier_positive", "CHECK(multiplier >= 1)", "The multiplier is at least 1."),
        (
            "name_program_unique",
            "UNIQUE(program_id, name)",
            "Tier names are unique within a program.",
        ),
    ]
