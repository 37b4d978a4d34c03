from odoo import models


class CrmLoyaltyTier(models.Model):
    _name = "crm.loyalty.tier"
    _inherit = ["crm.loyalty.tier", "crm.mailing.audience.mixin"]

    def _crm_audience_domain(self):
        return [("crm_loyalty_tier_id", "=", self.id)]
