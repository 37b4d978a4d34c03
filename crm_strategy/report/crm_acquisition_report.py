from odoo import fields, models, tools
from odoo.tools import SQL


class CrmAcquisitionReport(models.Model):
    """Marketing spend, new customers and their lifetime value per channel and month.

    A *new customer* of a company in a month is a customer (commercial entity) whose
    first confirmed sales order in that company is dated in that month. It is
    acquired by the channel of that first order: the order's UTM campaign, source
    and medium, each taken from its opportunity when the order has none. Customers
    and their first orders are read from the stored `crm.customer.month` facts (as of
    their last refresh), never from the orders.

    A row is one (company, month, campaign, source, medium). CAC = spend / new
    customers; CLV:CAC = lifetime value of the new customers / spend (the average
    lifetime value over the CAC). Both are computed from the sums of the group being
    shown (`crm.ratio.measure.mixin`), never averaged; they are empty when the
    divisor is zero (no new customer, no spend). Group by the UTM fields the spend
    is recorded on: spend recorded per source only sits under an empty campaign.
    """

    _name = "crm.acquisition.report"
    _inherit = ["crm.ratio.measure.mixin"]
    _description = "Acquisition Cost Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "date"
    _ratio_measures = {
        "cac": ("spend", "new_customers", 1),
        "clv_cac_ratio": ("clv_total", "spend", 1),
    }

    date = fields.Date("Month", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    spend = fields.Monetary("Marketing Spend", readonly=True)
    new_customers = fields.Integer(readonly=True)
    clv_total = fields.Monetary(
        "Lifetime Value of New Customers",
        readonly=True,
        help="Revenue to date plus predicted CLV, from the last RFM & CLV refresh.",
    )
    cac = fields.Monetary(
        "CAC",
        readonly=True,
        help="Customer acquisition cost: marketing spend / new customers.",
    )
    clv_cac_ratio = fields.Float(
        "CLV:CAC",
        digits=(16, 2),
        readonly=True,
        help="Lifetime value of the new customers / marketing spend.",
    )

    def _query(self):
        return SQL(
            """
            WITH facts AS (
                SELECT s.id::bigint * 2 AS fact_id,
                       s.company_id, date_trunc('month', s.date)::date AS date,
                       s.campaign_id, s.source_id, s.medium_id,
                       s.amount AS spend, 0 AS new_customers, 0.0 AS clv_total
                  FROM crm_marketing_spend s
                UNION ALL
                SELECT f.id::bigint * 2 + 1,
                       f.company_id, f.month,
                       f.campaign_id, f.source_id, f.medium_id,
                       0.0, 1, COALESCE(v.clv_total, 0.0)
                  FROM crm_customer_month f
             LEFT JOIN crm_customer_value v
                    ON v.partner_id = f.partner_id AND v.company_id = f.company_id
                 WHERE f.month_number = 0
            )
            -- a fact belongs to one group: its smallest fact is a stable, unique id, and
            -- unlike row_number() lets a filter on the company reach the tables
            SELECT MIN(fact_id) AS id,
                   company_id, date, campaign_id, source_id, medium_id,
                   SUM(spend) AS spend,
                   SUM(new_customers) AS new_customers,
                   SUM(clv_total) AS clv_total,
                   SUM(spend) / NULLIF(SUM(new_customers), 0) AS cac,
                   SUM(clv_total) / NULLIF(SUM(spend), 0) AS clv_cac_ratio
              FROM facts
          GROUP BY company_id, date, campaign_id, source_id, medium_id
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
