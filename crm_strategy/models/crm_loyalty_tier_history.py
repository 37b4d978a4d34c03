from odoo import fields, models


class CrmLoyaltyTierHistory(models.Model):
    _name = "crm.loyalty.tier.history"
    _description = "Loyalty Tier Change"
    _order = "date desc, id desc"

    card_id = fields.Many2one("loyalty.card", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one(related="card_id.partner_id", store=True)
    company_id = fields.Many2one(related="card_id.company_id", store=True)
    tier_id = fields.Many2one("crm.loyalty.tier", string="New Tier", ondelete="set null")
    previous_tier_id = fields.Many2one("crm.loyalty.tier", ondelete="set null")
    date = fields.Date(required=True, default=fields.Date.context_today)
    qualifying_points = fields.Float()
    change = fields.Selection([("upgrade", "Upgrade"), ("downgrade", "Downgrade")], required=True)
