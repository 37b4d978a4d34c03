"""Per customer and month purchase facts, stored for the strategy cockpit.

Invariants:

* one row per (company, customer, month) from the month of the customer's first
  confirmed sales order in the company to the current month (or to the month of their
  last order, if later), months without a purchase included: the grid the retention
  cohorts average over;
* a customer is the commercial entity of the order's partner; a month is the calendar
  month of the order date (UTC); revenue is untaxed, in company currency (the way
  sale.report converts it);
* the rows of a customer are always rewritten all together, by one set-based statement
  (`_refresh`), so a cancelled, re-drafted or re-confirmed order moves every figure that
  depends on it (orders to date, bought last month, the cohort and the acquisition
  channel);
* only `_refresh` writes the table (as superuser): it is nobody's document.

The acquisition, retention and cohort reports are views over this table: opening them
aggregates at most customers x months rows, never the orders. The same refresh sums it
per salesperson, cohort and month into `crm.customer.cohort`, what the cockpit reads.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .cron_per_company import refresh_next_company

# orders written up to this long before the last refresh are read again: a transaction
# that started before the refresh and committed after it wrote an older write_date
OVERLAP = timedelta(hours=1)
WATERMARK = "crm_strategy.customer_month_refreshed.%d"
# the last company the nightly job refreshed (it refreshes one per call)
CRON_POSITION = "crm_strategy.customer_month_cron_position"


class CrmCustomerMonth(models.Model):
    _name = "crm.customer.month"
    _description = "Customer Purchases per Month"
    _order = "company_id, partner_id, month"
    _log_access = False
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, ondelete="cascade"
    )
    month = fields.Date(required=True, readonly=True)
    cohort_date = fields.Date("Cohort", readonly=True, help="Month of the first purchase.")
    month_number = fields.Integer("Months Since First Purchase", readonly=True, aggregator=None)
    orders = fields.Integer(readonly=True)
    orders_to_date = fields.Integer(
        readonly=True, aggregator=None, help="Confirmed orders up to the end of the month."
    )
    bought_last_month = fields.Boolean(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    revenue = fields.Monetary(readonly=True, help="Untaxed, in company currency.")
    campaign_id = fields.Many2one(
        "utm.campaign", readonly=True, help="Of the first order (on the first month's row)."
    )
    source_id = fields.Many2one(
        "utm.source", readonly=True, help="Of the first order (on the first month's row)."
    )
    medium_id = fields.Many2one(
        "utm.medium", readonly=True, help="Of the first order (on the first month's row)."
    )

    _sql_constraints = [
        (
            "customer_month_unique",
            "UNIQUE(company_id, partner_id, month)",
            "A customer has one row per company and month.",
        ),
    ]

    def init(self):
        # the cohort pivot filters on months since the first purchase, the acquisition
        # report reads the first months only
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS crm_customer_month_first_idx
                ON crm_customer_month (company_id, month) WHERE month_number = 0
            """
        )

    @api.model
    def _facts_sql(self, company, month, partner_ids=None):
        """INSERT the rows of `company`'s customers (all, or the commercial entities
        `partner_ids`) up to `month`, from their confirmed orders."""
        scope = SQL()
        if partner_ids is not None:
            scope = SQL("AND p.commercial_partner_id = ANY(%s)", list(partner_ids))
        return SQL(
            """
            WITH orders AS (
                SELECT so.id,
                       p.commercial_partner_id AS partner_id,
                       so.date_order,
                       date_trunc('month', so.date_order)::date AS month,
                       so.amount_untaxed / CASE COALESCE(so.currency_rate, 0)
                                           WHEN 0 THEN 1.0 ELSE so.currency_rate END
                           AS revenue,
                       COALESCE(so.campaign_id, lead.campaign_id) AS campaign_id,
                       COALESCE(so.source_id, lead.source_id) AS source_id,
                       COALESCE(so.medium_id, lead.medium_id) AS medium_id
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
             LEFT JOIN crm_lead lead ON lead.id = so.opportunity_id
                 WHERE so.state = 'sale' AND so.company_id = %(company)s %(scope)s
            ),
            months AS (
                SELECT partner_id, month, COUNT(*) AS orders, SUM(revenue) AS revenue
                  FROM orders
              GROUP BY partner_id, month
            ),
            firsts AS (
                SELECT DISTINCT ON (partner_id)
                       partner_id, month AS cohort, campaign_id, source_id, medium_id
                  FROM orders
              ORDER BY partner_id, date_order, id
            ),
            spans AS (
                SELECT partner_id, MAX(month) AS last FROM months GROUP BY partner_id
            ),
            grid AS (
                SELECT f.partner_id, f.cohort, f.campaign_id, f.source_id, f.medium_id,
                       g.month::date AS month,
                       COALESCE(m.orders, 0) AS orders,
                       COALESCE(m.revenue, 0.0) AS revenue
                  FROM firsts f
                  JOIN spans s ON s.partner_id = f.partner_id
            CROSS JOIN LATERAL generate_series(
                           f.cohort, GREATEST(%(month)s::date, s.last), interval '1 month'
                       ) AS g(month)
             LEFT JOIN months m ON m.partner_id = f.partner_id AND m.month = g.month::date
            )
            INSERT INTO crm_customer_month (
                company_id, partner_id, month, cohort_date, month_number, orders,
                orders_to_date, bought_last_month, revenue, campaign_id, source_id, medium_id)
            SELECT %(company)s, partner_id, month, cohort,
                   (ROW_NUMBER() OVER w - 1)::int,
                   orders,
                   SUM(orders) OVER w,
                   COALESCE(LAG(orders) OVER w, 0) > 0,
                   revenue,
                   -- on the first month only: the rows of later months check no foreign key
                   CASE WHEN month = cohort THEN campaign_id END,
                   CASE WHEN month = cohort THEN source_id END,
                   CASE WHEN month = cohort THEN medium_id END
              FROM grid
            WINDOW w AS (PARTITION BY partner_id ORDER BY month)
             -- the first months first, together: the acquisition report reads them
             -- alone (a block in 20 instead of every block of the table); in customer
             -- order, each foreign-key check on res_partner reads the page the previous
             -- one read
             ORDER BY month <> cohort, partner_id, month
            """,
            company=company.id,
            month=month,
            scope=scope,
        )

    @api.model
    def _refresh(self, companies=None, full=False):
        """Rewrite the facts of `companies` (default: all) as of today.

        A company is rebuilt whole (one INSERT ... SELECT) on its first refresh, when
        a month has begun since its last one (every customer gains a row) or when
        `full`; otherwise only the customers with an order written since the last
        refresh, or whose orders no longer add up to their rows (`_drifted_customers`),
        are: all their rows, so that an older order cancelled or re-confirmed since
        then counts correctly everywhere. Returns the number of rows written.
        """
        cr = self.env.cr
        ICP = self.env["ir.config_parameter"].sudo()
        month = fields.Date.context_today(self).replace(day=1)
        if companies is None:
            companies = self.env["res.company"].search([])  # pylint: disable=no-search-all  # few

        self.env["sale.order"].flush_model()
        self.env["res.partner"].flush_model(["commercial_partner_id", "user_id"])
        self.env["crm.lead"].flush_model(["campaign_id", "source_id", "medium_id"])
        written = 0
        for company in companies.sudo():
            now = cr.now()
            last = fields.Datetime.to_datetime(ICP.get_param(WATERMARK % company.id))
            cr.execute(
                SQL("SELECT MAX(month) FROM crm_customer_month WHERE company_id = %s", company.id)
            )
            latest = cr.fetchone()[0]
            partner_ids = None
            if not full and last and latest and latest >= month:
                cr.execute(
                    SQL(
                        """
                        SELECT DISTINCT p.commercial_partner_id
                          FROM sale_order so
                          JOIN res_partner p ON p.id = so.partner_id
                         WHERE so.company_id = %s AND so.write_date >= %s
                        """,
                        company.id,
                        last - OVERLAP,
                    )
                )
                partner_ids = {row[0] for row in cr.fetchall()}
                partner_ids = list(partner_ids | self._drifted_customers(company))
            if partner_ids is None:
                cr.execute(SQL("DELETE FROM crm_customer_month WHERE company_id = %s", company.id))
            elif partner_ids:
                cr.execute(
                    SQL(
                        "DELETE FROM crm_customer_month WHERE company_id = %s "
                        "AND partner_id = ANY(%s)",
                        company.id,
                        partner_ids,
                    )
                )
            if partner_ids is None or partner_ids:
                cr.execute(self._facts_sql(company, month, partner_ids))
                written += cr.rowcount
            # every time, also with no order changed: a customer may have changed salesperson
            self.env["crm.customer.cohort"]._rebuild(company, month)
            ICP.set_param(WATERMARK % company.id, fields.Datetime.to_string(now))
        self.invalidate_model()
        self.env["crm.customer.cohort"].invalidate_model()
        return written

    @api.model
    def _drifted_customers(self, company):
        """Customers whose confirmed orders no longer add up to their stored rows: orders
        moved between customers without being written (a partner merge re-points them in
        SQL; a contact moved to another company takes its orders along), on either side.
        One aggregate of the company's orders against one of its stored rows."""
        self.env.cr.execute(
            SQL(
                """
                WITH actual AS (
                    SELECT p.commercial_partner_id AS partner_id, COUNT(*) AS orders
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company)s AND so.state = 'sale'
                  GROUP BY p.commercial_partner_id
                ),
                stored AS (
                    SELECT partner_id, SUM(orders) AS orders
                      FROM crm_customer_month
                     WHERE company_id = %(company)s
                  GROUP BY partner_id
                )
                SELECT COALESCE(a.partner_id, s.partner_id)
                  FROM actual a
             FULL JOIN stored s ON s.partner_id = a.partner_id
                 WHERE a.orders IS DISTINCT FROM s.orders
                """,
                company=company.id,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _cron_refresh(self):
        """Nightly: one company per call (`cron_per_company`), with progress."""
        refresh_next_company(self.env, CRON_POSITION, self.sudo()._refresh)
