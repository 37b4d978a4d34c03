from odoo import fields, models, tools
from odoo.tools import SQL


class CrmRetentionCohortReport(models.Model):
    """Monthly acquisition cohorts x months since the first purchase.

    A customer's cohort is the month of their first confirmed sales order in the
    company. The view holds one row per customer and month from that month to the
    current one, purchase or not, so every figure is an average over the cohort's
    customers, correct at any grouping and for the customers a user may read:

    * *Still buying (%)*: share of the cohort's customers with a confirmed order in
      that month (100 % at month 0);
    * *Revenue per customer*: the month's revenue averaged over the cohort;
    * *Bought again (%)*: share of the cohort's customers who have placed at least two
      confirmed orders by the end of that month (the cohort's repeat-purchase rate);
    * the row count at month 0 is the cohort's size.

    Read from the stored `crm.customer.month` facts, as of their last refresh.
    """

    _name = "crm.retention.cohort.report"
    _description = "Retention Cohort Analysis"
    _auto = False
    _order = "cohort_date desc, month_number"
    _rec_name = "cohort_date"

    cohort_date = fields.Date("Cohort", readonly=True, help="Month of the first purchase.")
    date = fields.Date("Month", readonly=True)
    month_number = fields.Integer("Months Since First Purchase", readonly=True, aggregator=None)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    still_buying = fields.Float(
        "Still Buying (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Share of the cohort's customers who bought in this month.",
    )
    repeat_buyer = fields.Float(
        "Bought Again (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Share of the cohort's customers with two or more orders by the end of the month.",
    )
    revenue = fields.Monetary(readonly=True, help="Untaxed, in company currency.")
    revenue_per_customer = fields.Monetary(
        readonly=True, aggregator="avg", help="The month's revenue averaged over the cohort."
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT m.id,
                           m.company_id,
                           m.partner_id,
                           cp.user_id,
                           m.cohort_date,
                           m.month_number,
                           m.month AS date,
                           CASE WHEN m.orders > 0 THEN 100.0 ELSE 0.0 END AS still_buying,
                           CASE WHEN m.orders_to_date >= 2 THEN 100.0 ELSE 0.0 END
                               AS repeat_buyer,
                           m.revenue,
                           m.revenue AS revenue_per_customer
                      FROM crm_customer_month m
                 LEFT JOIN res_partner cp ON cp.id = m.partner_id
                     WHERE m.month <= date_trunc('month', now())
                )
                """,
                table=SQL.identifier(self._table),
            )
        )


class CrmRetentionReport(models.Model):
    """Monthly retention and churn: one row per customer and month M when the customer
    bought in the month before M (the customers at risk of churning in M).

    * *Retention rate (%)* of M: share of the customers who bought in M-1 and bought
      again in M; *churn rate (%)* = 100 - retention rate.

    Averages over the rows, so correct for any selection of customers; group by month
    (a quarter's figure is the average of its months' rows). Read from the stored
    `crm.customer.month` facts, as of their last refresh.
    """

    _name = "crm.retention.report"
    _description = "Retention and Churn Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "date"

    date = fields.Date("Month", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    retention_rate = fields.Float(
        "Retention Rate (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Share of last month's customers who bought again this month.",
    )
    churn_rate = fields.Float(
        "Churn Rate (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Share of last month's customers who did not buy this month.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT m.id,
                           m.company_id,
                           m.partner_id,
                           cp.user_id,
                           m.month AS date,
                           CASE WHEN m.orders > 0 THEN 100.0 ELSE 0.0 END AS retention_rate,
                           CASE WHEN m.orders > 0 THEN 0.0 ELSE 100.0 END AS churn_rate
                      FROM crm_customer_month m
                 LEFT JOIN res_partner cp ON cp.id = m.partner_id
                     WHERE m.bought_last_month AND m.month <= date_trunc('month', now())
                )
                """,
                table=SQL.identifier(self._table),
            )
        )
