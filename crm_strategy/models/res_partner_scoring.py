from odoo import fields, models

from ..services import scoring


class ResPartner(models.Model):
    _inherit = "res.partner"

    lifecycle_stage = fields.Selection(
        scoring.LIFECYCLE_STAGES,
        index=True,
        tracking=True,
        help="Where the contact is in the funnel: pushed forward by its leads' stages, or set "
        "by hand.",
    )
