from odoo import fields, models


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    crm_points_validity_days = fields.Integer(
        string="Points Expire After (days)",
        default=0,
        help="Earned points expire this many days after they are earned; 0: never.",
    )
    crm_pending_policy = fields.Selection(
        [
            ("none", "Available at once"),
            ("paid", "When the order is paid"),
            ("days", "N days after the order is confirmed"),
        ],
        string="Earned Points Become Available",
        default="none",
        help="Points earned on an order stay pending, and cannot be spent, until then.",
    )
    crm_pending_days = fields.Integer(string="Pending Days", default=14)
    crm_refund_policy = fields.Selection(
        [("negative", "Allow a negative balance"), ("cap", "Cap at zero")],
        string="Refund of Spent Points",
        default="negative",
        help="When a refund or cancellation reverses points the member already spent: either the "
        "balance goes negative (the member owes points), or only what is left is taken back.",
    )
    crm_adjust_manager_threshold = fields.Float(
        string="Manager Approval Above",
        default=1000.0,
        help="Manual adjustments of more points than this need a strategy manager; 0: no limit.",
    )
    crm_tier_ids = fields.One2many("crm.loyalty.tier", "program_id", string="Tiers")
    crm_tier_period_days = fields.Integer(
        string="Tier Qualification Period (days)",
        default=365,
        help="Tiers are earned with the points earned over this rolling period.",
    )
    crm_tier_grace_days = fields.Integer(
        string="Downgrade Grace Period (days)",
        default=30,
        help="A member who no longer qualifies keeps their tier this many days.",
    )
    crm_referrer_points = fields.Float(string="Referrer Bonus")
    crm_referee_points = fields.Float(string="Referred Customer Bonus")
    crm_point_value = fields.Float(
        string="Value of a Point",
        digits=(16, 4),
        help="What one point is worth in the company's currency (the value of the rewards it "
        "buys): the points members still hold, times this value, is what the company owes them "
        "(the points liability of Loyalty Economics).",
    )

    _sql_constraints = [
        (
            "crm_points_validity_days_positive",
            "CHECK(crm_points_validity_days >= 0)",
            "The points validity cannot be negative.",
        ),
        (
            "crm_pending_days_positive",
            "CHECK(crm_pending_days >= 0)",
            "The pending delay cannot be negative.",
        ),
    ]
