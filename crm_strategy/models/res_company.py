from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    rfm_source = fields.Selection(
        [("sale", "Confirmed sale orders"), ("invoice", "Posted invoices, net of refunds")],
        "Purchases from",
        default="sale",
        required=True,
    )
    clv_time_unit = fields.Selection(
        [("day", "Days"), ("week", "Weeks")], "CLV time unit", default="week", required=True
    )
    clv_horizon_months = fields.Integer("CLV horizon (months)", default=12)
    clv_discount_rate = fields.Float("Annual discount rate (%)", default=10.0)
