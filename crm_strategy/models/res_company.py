from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    crm_automated_email_cap = fields.Integer(
        "Automated e-mails per contact",
        default=2,
        help="At most this many automated e-mails (segment entries, lifecycle stages) reach a "
        "contact within the period.",
    )
    crm_automated_email_days = fields.Integer(
        "Automated e-mail period (days)",
        default=7,
        help="The period, in days, over which automated e-mails to a contact are counted.",
    )

    @api.constrains("crm_automated_email_cap", "crm_automated_email_days")
    def _check_crm_automated_email_cap(self):
        if any(c.crm_automated_email_cap < 1 or c.crm_automated_email_days < 1 for c in self):
            raise ValidationError(
                self.env._(
                    "The cap of automated e-mails and its period must be at least 1: to send "
                    "none, remove the e-mail template from the segments and stages."
                )
            )
