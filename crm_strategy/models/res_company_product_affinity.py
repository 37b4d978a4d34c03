from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Thresholds of the cross-sell rules (`crm.product.affinity`)."""

    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    crm_affinity_min_support = fields.Float(
        "Cross-sell minimum support (%)",
        digits=(16, 2),
        default=1.0,
        help="A pair of categories becomes a cross-sell rule only when at least this share of "
        "all customers bought both.",
    )
    crm_affinity_min_confidence = fields.Float(
        "Cross-sell minimum confidence (%)",
        digits=(16, 1),
        default=20.0,
        help="...and at least this share of the buyers of the first category also bought the "
        "second.",
    )
    crm_affinity_min_lift = fields.Float(
        "Cross-sell minimum lift",
        digits=(16, 2),
        default=1.2,
        help="...and buyers of the first category buy the second at least this many times more "
        "often than customers in general (1 = no link).",
    )

    @api.constrains(
        "crm_affinity_min_support", "crm_affinity_min_confidence", "crm_affinity_min_lift"
    )
    def _check_crm_affinity_thresholds(self):
        for company in self:
            if not (
                0 < company.crm_affinity_min_support <= 100
                and 0 <= company.crm_affinity_min_confidence <= 100
                and company.crm_affinity_min_lift >= 0
            ):
                raise ValidationError(
                    self.env._(
                        "Cross-sell thresholds: the minimum support must be above 0 and at most "
                        "100 %, the minimum confidence between 0 and 100 % and the minimum "
                        "lift at least 0."
                    )
                )
