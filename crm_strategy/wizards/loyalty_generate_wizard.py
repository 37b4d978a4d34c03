from odoo import fields, models


class LoyaltyGenerateWizard(models.TransientModel):
    _inherit = "loyalty.generate.wizard"

    crm_segment_id = fields.Many2one(
        "crm.rfm.segment", string="RFM Segment", readonly=True, ondelete="cascade"
    )

    def _get_coupon_values(self, partner):
        values = super()._get_coupon_values(partner)
        if self.crm_segment_id:
            values["crm_offer_segment_id"] = self.crm_segment_id.id
        return values
