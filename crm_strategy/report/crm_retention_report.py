from odoo import fields, models, tools
from odoo.tools import SQL

# One row per customer (commercial entity), company and month with a confirmed sales
# order, with the month's untaxed revenue in company currency (the way sale.report
# converts it). Months are calendar months of the order date (UTC).
CUSTOMER_MONTHS = SQL(
    """
    SELECT so.company_id,
           p.commercial_partner_id AS partner_id,
           date_trunc('month', so.date_order)::date AS month,
           COUNT(*) AS orders,
           SUM(so.amount_untaxed / CASE COALESCE(so.currency_rate, 0)
                                   WHEN 0 THEN 1.0 ELSE so.currency_rate END) AS revenue
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
     WHERE so.state = 'sale'
  GROUP BY so.company_id, p.commercial_partner_id, date_trunc('month', so.date_order)
    """
)


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
                    WITH months AS (%(months)s),
                    cohorts AS (
                        SELECT company_id, partner_id, MIN(month) AS cohort
                          FROM months
                      GROUP BY company_id, partner_id
                    )
                    SELECT row_number() OVER () AS id,
                           c.company_id,
                           c.partner_id,
                           cp.user_id,
                           c.cohort AS cohort_date,
                           n.month_number,
                           (c.cohort + make_interval(months => n.month_number))::date AS date,
                           CASE WHEN m.partner_id IS NULL THEN 0.0 ELSE 100.0 END
                               AS still_buying,
                           CASE WHEN SUM(COALESCE(m.orders, 0)) OVER (
                                         PARTITION BY c.company_id, c.partner_id
                                             ORDER BY n.month_number) >= 2
                                THEN 100.0 ELSE 0.0 END AS repeat_buyer,
                           COALESCE(m.revenue, 0.0) AS revenue,
                           COALESCE(m.revenue, 0.0) AS revenue_per_customer
                      FROM cohorts c
                      JOIN res_partner cp ON cp.id = c.partner_id
                CROSS JOIN LATERAL generate_series(
                               0,
                               ((EXTRACT(YEAR FROM age(date_trunc('month', now()), c.cohort)) * 12
                                + EXTRACT(MONTH FROM age(date_trunc('month', now()), c.cohort)))
                               )::int
                           ) AS n(month_number)
                 LEFT JOIN months m
                        ON m.company_id = c.company_id
                       AND m.partner_id = c.partner_id
                       AND m.month = c.cohort + make_interval(months => n.month_number)
                )
                """,
                table=SQL.identifier(self._table),
                months=CUSTOMER_MONTHS,
            )
        )


class CrmRetentionReport(models.Model):
    """Monthly retention and churn: one row per customer and month M when the customer
    bought in the month before M (the customers at risk of churning in M).

    * *Retention rate (%)* of M: share of the customers who bought in M-1 and bought
      again in M; *churn rate (%)* = 100 - retention rate.

    Averages over the rows, so correct for any selection of customers; group by month
    (a quarter's figure is the average of its months' rows).
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
                    WITH months AS (%(months)s)
                    SELECT row_number() OVER () AS id,
                           prev.company_id,
                           prev.partner_id,
                           cp.user_id,
                           (prev.month + interval '1 month')::date AS date,
                           CASE WHEN cur.partner_id IS NULL THEN 0.0 ELSE 100.0 END
                               AS retention_rate,
                           CASE WHEN cur.partner_id IS NULL THEN 100.0 ELSE 0.0 END
                               AS churn_rate
                      FROM months prev
                      JOIN res_partner cp ON cp.id = prev.partner_id
                 LEFT JOIN months cur
                        ON cur.company_id = prev.company_id
                       AND cur.partner_id = prev.partner_id
                       AND cur.month = prev.month + interval '1 month'
                     WHERE prev.month < date_trunc('month', now())
                )
                """,
                table=SQL.identifier(self._table),
                months=CUSTOMER_MONTHS,
            )
        )
