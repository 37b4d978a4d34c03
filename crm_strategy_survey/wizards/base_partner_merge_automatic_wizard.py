from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        res = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        # the merged contacts' answers now belong to one customer: one latest answer each
        kept = self.env["res.partner"].browse(partner_ids).exists()
        self.env["crm.satisfaction.response"].sudo().search(
            [("partner_id", "in", kept.ids)]
        )._update_last()
        return res
