from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    crm_affinity_min_support = fields.Float(
        related="company_id.crm_affinity_min_support", readonly=False
    )
    crm_affinity_min_confidence = fields.Float(
        related="company_id.crm_affinity_min_confidence", readonly=False
    )
    crm_affinity_min_lift = fields.Float(related="company_id.crm_affinity_min_lift", readonly=False)
