from odoo import models


class CrmRfmSegment(models.Model):
    _name = "crm.rfm.segment"
    _inherit = ["crm.rfm.segment", "crm.mailing.audience.mixin"]

    def _crm_audience_domain(self):
        return [("rfm_segment_id", "=", self.id)]
