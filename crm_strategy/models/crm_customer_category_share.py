"""Share of each customer's spend by product category, per company.

Written by the customer-value refresh (`crm.customer.value._refresh`) in one
DELETE and one INSERT ... SELECT over the confirmed order lines, in company
currency (untaxed): `share` is the category's percentage of the customer's spend
and `rank` its place (1 = the category they spend most on); the first FAVOURITES
ranks are the customer's favourite categories. Categories deleted take their rows
with them; lines without a product or with a zero subtotal do not count.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

FAVOURITES = 3


class CrmCustomerCategoryShare(models.Model):
    _name = "crm.customer.category.share"
    _description = "Customer Spend by Product Category"
    _order = "company_id, partner_id, rank, id"
    _rec_name = "categ_id"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    categ_id = fields.Many2one(
        "product.category",
        "Product Category",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    amount = fields.Monetary("Spend", readonly=True)
    share = fields.Float("Share of Spend (%)", digits=(16, 1), aggregator="avg", readonly=True)
    rank = fields.Integer(readonly=True, aggregator=None)
    is_favourite = fields.Boolean("Favourite", readonly=True, index=True)

    _sql_constraints = [
        (
            "partner_company_categ_unique",
            "UNIQUE(partner_id, company_id, categ_id)",
            "A customer has one share per product category and company.",
        ),
    ]

    @api.model
    def _refresh_company(self, company, as_of):
        """Recompute the shares of every customer of `company` from its confirmed orders
        up to `as_of` (called by the customer-value refresh)."""
        for model in ("sale.order", "sale.order.line", "product.product", "product.template"):
            self.env[model].flush_model()
        end = fields.Datetime.to_datetime(as_of) + timedelta(days=1)
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM crm_customer_category_share WHERE company_id = %s", company.id))
        cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_category_share
                       (partner_id, company_id, categ_id, amount, share, rank, is_favourite,
                        create_uid, create_date, write_uid, write_date)
                SELECT partner_id, %(company)s, categ_id, amount,
                       100.0 * amount / SUM(amount) OVER (PARTITION BY partner_id),
                       ranked.rank, ranked.rank <= %(favourites)s,
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM (SELECT partner_id, categ_id, amount,
                               row_number() OVER (PARTITION BY partner_id
                                                  ORDER BY amount DESC, categ_id) AS rank
                          FROM (%(spend)s) spend
                       ) ranked
                """,
                company=company.id,
                favourites=FAVOURITES,
                uid=self.env.uid,
                spend=self._spend_sql(company, end),
            )
        )
        self.invalidate_model()

    @api.model
    def _spend_sql(self, company, end):
        """(partner_id, categ_id, amount): each customer's (commercial partner's) untaxed spend
        per product category, in company currency, on the confirmed orders of `company` dated
        before `end`; only positive spends. What "bought a category" means everywhere (shares,
        cross-sell rules, audiences). Callers flush sale orders and products first."""
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id, pt.categ_id,
                   SUM(l.price_subtotal / o.currency_rate) AS amount
              FROM sale_order_line l
              JOIN sale_order o ON o.id = l.order_id
              JOIN res_partner p ON p.id = o.partner_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE o.company_id = %(company)s AND o.state = 'sale'
               AND o.date_order < %(end)s AND o.currency_rate > 0
               AND l.display_type IS NULL AND pt.categ_id IS NOT NULL
             GROUP BY 1, 2
            HAVING SUM(l.price_subtotal / o.currency_rate) > 0
            """,
            company=company.id,
            end=end,
        )
