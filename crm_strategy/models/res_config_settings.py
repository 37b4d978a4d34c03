from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rfm_source = fields.Selection(related="company_id.rfm_source", readonly=False)
    clv_time_unit = fields.Selection(related="company_id.clv_time_unit", readonly=False)
    clv_horizon_months = fields.Integer(related="company_id.clv_horizon_months", readonly=False)
    clv_discount_rate = fields.Float(related="company_id.clv_discount_rate", readonly=False)
    crm_automated_email_cap = fields.Integer(
        related="company_id.crm_automated_email_cap", readonly=False
    )
    crm_automated_email_days = fields.Integer(
        related="company_id.crm_automated_email_days", readonly=False
    )
