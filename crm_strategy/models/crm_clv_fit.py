from odoo import fields, models


class CrmClvFit(models.Model):
    """The parameters of one BG/NBD + Gamma-Gamma fit, kept per company and refresh."""

    _name = "crm.clv.fit"
    _description = "Lifetime Value Model Fit"
    _order = "fit_date desc, id desc"
    _rec_name = "fit_date"

    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    fit_date = fields.Datetime(required=True, default=fields.Datetime.now)
    as_of_date = fields.Date("As of", required=True)
    time_unit = fields.Selection([("day", "Days"), ("week", "Weeks")], required=True)
    customer_count = fields.Integer("Customers")
    repeat_buyer_count = fields.Integer("Repeat buyers")
    bgnbd_converged = fields.Boolean("BG/NBD fitted")
    r = fields.Float(digits=(16, 4))
    alpha = fields.Float(digits=(16, 4))
    a = fields.Float(digits=(16, 4))
    b = fields.Float(digits=(16, 4))
    bgnbd_log_likelihood = fields.Float("BG/NBD log-likelihood", digits=(16, 2))
    gamma_gamma_converged = fields.Boolean("Gamma-Gamma fitted")
    p = fields.Float(digits=(16, 4))
    q = fields.Float(digits=(16, 4))
    v = fields.Float(digits=(16, 4))
    gamma_gamma_log_likelihood = fields.Float("Gamma-Gamma log-likelihood", digits=(16, 2))
    message = fields.Text(help="What the optimiser said when a model could not be fitted.")
