from odoo import fields, models

from ..services import scoring


class ResPartner(models.Model):
    # One concept per file: scoring here, customer value in res_partner_customer_value.py.
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    lifecycle_stage = fields.Selection(
        scoring.LIFECYCLE_STAGES,
        index=True,
        tracking=True,
        help="Where the contact is in the funnel: pushed forward by its leads' stages, or set "
        "by hand.",
    )
