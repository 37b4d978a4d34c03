"""Stored totals of the retention cohorts, per salesperson: what the cockpit reads.

One row per (company, salesperson, cohort, month), summed from `crm.customer.month` by
the same refresh that writes it (`crm.customer.month._refresh`), so opening the cohort
or retention figures adds up a few thousand rows instead of every customer-month. The
salesperson is the customer's at the time of the refresh. The shares are divided from
the sums of the group being shown (`crm.ratio.measure.mixin`), so they equal the
per-customer averages of `crm.retention.cohort.report` and `crm.retention.report` for
any grouping and any salesperson's selection.
"""

from odoo import api, fields, models
from odoo.tools import SQL


class CrmCustomerCohort(models.Model):
    _name = "crm.customer.cohort"
    _inherit = ["crm.ratio.measure.mixin"]
    _description = "Retention Cohort Totals"
    _order = "cohort_date desc, date, user_id"
    _log_access = False
    _rec_name = "cohort_date"
    _ratio_measures = {
        "still_buying": ("buyers", "customers", 100),
        "repeat_buyer": ("repeat_buyers", "customers", 100),
        "revenue_per_customer": ("revenue", "customers", 1),
        "retention_rate": ("retained", "last_month_buyers", 100),
        "churn_rate": ("churned", "last_month_buyers", 100),
    }

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        readonly=True,
        ondelete="set null",
        help="The customers' salesperson at the last refresh.",
    )
    cohort_date = fields.Date(
        "Cohort", required=True, readonly=True, help="Month of the first purchase."
    )
    date = fields.Date("Month", required=True, readonly=True)
    month_number = fields.Integer("Months Since First Purchase", readonly=True, aggregator=None)
    currency_id = fields.Many2one(related="company_id.currency_id")
    customers = fields.Integer(readonly=True, help="Customers of the cohort.")
    buyers = fields.Integer("Bought This Month", readonly=True)
    repeat_buyers = fields.Integer(
        "Bought Twice or More", readonly=True, help="Customers with two or more orders by then."
    )
    revenue = fields.Monetary(readonly=True, help="Untaxed, in company currency.")
    last_month_buyers = fields.Integer(
        "Bought Last Month", readonly=True, help="The customers at risk of churning this month."
    )
    retained = fields.Integer(
        "Bought Again", readonly=True, help="Bought last month and again this month."
    )
    churned = fields.Integer(readonly=True, help="Bought last month, not this month.")
    still_buying = fields.Float(
        "Still Buying (%)",
        digits=(16, 1),
        readonly=True,
        help="Share of the cohort's customers who bought in this month.",
    )
    repeat_buyer = fields.Float(
        "Bought Again (%)",
        digits=(16, 1),
        readonly=True,
        help="Share of the cohort's customers with two or more orders by the end of the month.",
    )
    revenue_per_customer = fields.Monetary(
        readonly=True, help="The month's revenue divided by the cohort's customers."
    )
    retention_rate = fields.Float(
        "Retention Rate (%)",
        digits=(16, 1),
        readonly=True,
        help="Share of last month's customers who bought again this month.",
    )
    churn_rate = fields.Float(
        "Churn Rate (%)",
        digits=(16, 1),
        readonly=True,
        help="Share of last month's customers who did not buy this month.",
    )

    _sql_constraints = [
        (
            "cohort_month_unique",
            "UNIQUE NULLS NOT DISTINCT (company_id, user_id, cohort_date, date)",
            "A cohort has one row per company, salesperson and month.",
        ),
    ]

    @api.model
    def _rebuild(self, company, month):
        """Rewrite `company`'s totals from its customer-months up to `month` (one DELETE,
        one INSERT ... SELECT). Called by `crm.customer.month._refresh` only."""
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM crm_customer_cohort WHERE company_id = %s", company.id))
        cr.execute(
            SQL(
                """
                WITH totals AS (
                    SELECT m.company_id, p.user_id, m.cohort_date, m.month,
                           MIN(m.month_number) AS month_number,
                           COUNT(*) AS customers,
                           COUNT(*) FILTER (WHERE m.orders > 0) AS buyers,
                           COUNT(*) FILTER (WHERE m.orders_to_date >= 2) AS repeat_buyers,
                           SUM(m.revenue) AS revenue,
                           COUNT(*) FILTER (WHERE m.bought_last_month) AS last_month_buyers,
                           COUNT(*) FILTER (WHERE m.bought_last_month AND m.orders > 0)
                               AS retained
                      FROM crm_customer_month m
                      JOIN res_partner p ON p.id = m.partner_id
                     WHERE m.company_id = %(company)s AND m.month <= %(month)s
                  GROUP BY m.company_id, p.user_id, m.cohort_date, m.month
                )
                INSERT INTO crm_customer_cohort (
                    company_id, user_id, cohort_date, date, month_number, customers, buyers,
                    repeat_buyers, revenue, last_month_buyers, retained, churned,
                    still_buying, repeat_buyer, revenue_per_customer, retention_rate,
                    churn_rate)
                SELECT company_id, user_id, cohort_date, month, month_number, customers,
                       buyers, repeat_buyers, revenue, last_month_buyers, retained,
                       last_month_buyers - retained,
                       100.0 * buyers / customers,
                       100.0 * repeat_buyers / customers,
                       revenue / customers,
                       100.0 * retained / NULLIF(last_month_buyers, 0),
                       100.0 * (last_month_buyers - retained) / NULLIF(last_month_buyers, 0)
                  FROM totals
              ORDER BY cohort_date, month, user_id
                """,
                company=company.id,
                month=month,
            )
        )
        return cr.rowcount

    def action_view_customers(self):
        """The customers behind this row, in the per-customer cohort report."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_retention_cohort_report_action"
        )
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("user_id", "=", self.user_id.id),
            ("cohort_date", "=", self.cohort_date),
            ("date", "=", self.date),
        ]
        action["views"] = [(False, "list"), (False, "pivot")]
        action["context"] = {}
        return action
