from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmMarketingSpend(models.Model):
    """Money spent on acquiring customers through one channel in one period.

    A channel is any combination of UTM campaign, source and medium, the same fields
    sales orders and opportunities carry: the acquisition report
    (`crm.acquisition.report`) divides the spend of a channel and month by the new
    customers that channel brought in that month. Lines are entered by hand or
    imported from a CSV file (Odoo's standard import). The period of a line is the
    month of its date.
    """

    _name = "crm.marketing.spend"
    _description = "Marketing Spend"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Description")
    date = fields.Date(
        required=True,
        index=True,
        default=fields.Date.context_today,
        help="The spend counts in the month of this date.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    campaign_id = fields.Many2one("utm.campaign", index=True)
    source_id = fields.Many2one("utm.source", index=True)
    medium_id = fields.Many2one("utm.medium", index=True)
    amount = fields.Monetary(required=True, help="In the company's currency.")
    notes = fields.Text()

    _sql_constraints = [
        ("amount_not_negative", "CHECK(amount >= 0)", "A marketing spend cannot be negative."),
    ]

    @api.constrains("campaign_id", "source_id", "medium_id", "amount")
    def _check_channel(self):
        for spend in self:
            if not (spend.campaign_id or spend.source_id or spend.medium_id):
                raise ValidationError(
                    self.env._(
                        "The marketing spend of %(date)s needs a campaign, a source or a medium.",
                        date=spend.date,
                    )
                )
