"""Cross-sell rules between product categories, per company: "customers who bought X often
also buy Y".

A customer is a commercial partner; "bought a category" is what the spend shares mean by it
(`crm.customer.category.share._spend_sql`: a positive untaxed spend in the category on the
company's confirmed orders). Over the company's N customers, with n(X) the customers who
bought X and n(X, Y) those who bought both:

- support    = n(X, Y) / N              (in %: how common the pair is),
- confidence = n(X, Y) / n(X)           (in %: how often a buyer of X also buys Y),
- lift       = n(X, Y) * N / (n(X) n(Y)) (how much more often than by chance; 1 = independent).

A rule is kept when it reaches the company's three thresholds. Rules are rewritten per
company in one DELETE and one INSERT ... SELECT (`_rules_sql`), by their own nightly cron and
the managers' Refresh button; categories deleted take their rules with them.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .cron_per_company import refresh_next_company

CRON_POSITION = "crm_strategy.product_affinity_position"
STRATEGY_MANAGER = "crm_strategy.group_crm_strategy_manager"


class CrmProductAffinity(models.Model):
    _name = "crm.product.affinity"
    _description = "Cross-sell Rule"
    _order = "company_id, lift desc, confidence desc, id"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    antecedent_categ_id = fields.Many2one(
        "product.category",
        "Bought",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        help="Customers who bought this product category...",
    )
    consequent_categ_id = fields.Many2one(
        "product.category",
        "Also buys",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        help="...often also buy this one.",
    )
    antecedent_count = fields.Integer(
        "Customers who bought it",
        readonly=True,
        help="Customers who bought the first category.",
    )
    customer_count = fields.Integer(
        "Customers with both", readonly=True, help="Customers who bought both categories."
    )
    target_count = fields.Integer(
        "Customers to target",
        readonly=True,
        help="Customers who bought the first category and never the second, at the last refresh.",
    )
    support = fields.Float(
        "Support (%)",
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        help="Share of all customers who bought both categories.",
    )
    confidence = fields.Float(
        "Confidence (%)",
        digits=(16, 1),
        aggregator="avg",
        readonly=True,
        help="Share of the customers who bought the first category who also bought the second.",
    )
    lift = fields.Float(
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        help="How many times more often buyers of the first category buy the second than "
        "customers in general: above 1, buying one goes with buying the other.",
    )

    _sql_constraints = [
        (
            "company_pair_unique",
            "UNIQUE(company_id, antecedent_categ_id, consequent_categ_id)",
            "A company has one cross-sell rule per pair of categories.",
        ),
    ]

    @api.depends("antecedent_categ_id", "consequent_categ_id")
    def _compute_display_name(self):
        for rule in self:
            rule.display_name = self.env._(
                "%(bought)s → %(also)s",
                bought=rule.antecedent_categ_id.display_name,
                also=rule.consequent_categ_id.display_name,
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_refresh(self):
        """Managers' button: recompute the rules of the selected companies now."""
        if not self.env.user.has_group(STRATEGY_MANAGER):
            raise AccessError(self.env._("Only strategy managers can refresh cross-sell rules."))
        for company in self.env.companies:
            self.sudo()._refresh_company(company)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _crm_audience_domain(self):
        """Contacts (res.partner) who bought the rule's first category and never its second,
        in the rule's company, and did not withdraw consent to profiling."""
        self.ensure_one()

        def bought(categ):
            return [("company_id", "=", self.company_id.id), ("categ_id", "=", categ.id)]

        return [
            ("commercial_partner_id.category_share_ids", "any", bought(self.antecedent_categ_id)),
            (
                "commercial_partner_id.category_share_ids",
                "not any",
                bought(self.consequent_categ_id),
            ),
            ("crm_profiling_withdrawn", "=", False),
        ]

    def action_customers_to_target(self):
        """The customers to offer the second category to (record rules apply)."""
        self.ensure_one()
        return {
            "name": self.env._("Customers to target: %s", self.display_name),
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": self._crm_audience_domain(),
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Refresh
    # ------------------------------------------------------------------
    @api.model
    def _rules_sql(self, company, as_of):
        """SELECT of the rules of `company` from its confirmed orders up to `as_of` that reach
        its thresholds: antecedent_categ_id, consequent_categ_id, antecedent_count,
        customer_count, target_count, support, confidence, lift. Numeric arithmetic, so a
        rule exactly at a threshold is kept. Pairs are only formed between categories that
        alone reach the minimum support (a pair is never more common than either side)."""
        end = fields.Datetime.to_datetime(as_of) + timedelta(days=1)
        return SQL(
            """
            WITH bought AS MATERIALIZED (
                SELECT partner_id, categ_id FROM (%(spend)s) spend
            ),
            total AS (SELECT COUNT(DISTINCT partner_id)::numeric AS n FROM bought),
            items AS (SELECT categ_id, COUNT(*)::numeric AS n FROM bought GROUP BY categ_id),
            frequent AS MATERIALIZED (
                SELECT b.partner_id, b.categ_id
                  FROM bought b
                  JOIN items i ON i.categ_id = b.categ_id
                 CROSS JOIN total t
                 WHERE 100 * i.n / t.n >= %(min_support)s
            ),
            pairs AS (
                SELECT x.categ_id AS antecedent, y.categ_id AS consequent, COUNT(*)::numeric AS n
                  FROM frequent x
                  JOIN frequent y ON y.partner_id = x.partner_id AND y.categ_id <> x.categ_id
                 GROUP BY 1, 2
            )
            SELECT p.antecedent AS antecedent_categ_id, p.consequent AS consequent_categ_id,
                   ix.n AS antecedent_count, p.n AS customer_count, ix.n - p.n AS target_count,
                   100 * p.n / t.n AS support, 100 * p.n / ix.n AS confidence,
                   p.n * t.n / (ix.n * iy.n) AS lift
              FROM pairs p
              JOIN items ix ON ix.categ_id = p.antecedent
              JOIN items iy ON iy.categ_id = p.consequent
             CROSS JOIN total t
             WHERE 100 * p.n / t.n >= %(min_support)s
               AND 100 * p.n / ix.n >= %(min_confidence)s
               AND p.n * t.n / (ix.n * iy.n) >= %(min_lift)s
            """,
            spend=self.env["crm.customer.category.share"]._spend_sql(company, end),
            min_support=company.crm_affinity_min_support,
            min_confidence=company.crm_affinity_min_confidence,
            min_lift=company.crm_affinity_min_lift,
        )

    @api.model
    def _refresh_company(self, company, as_of=None):
        """Rewrite the cross-sell rules of `company` from its confirmed orders up to `as_of`
        (default today)."""
        company.ensure_one()
        as_of = as_of or fields.Date.context_today(self)
        for model in (
            "sale.order",
            "sale.order.line",
            "res.partner",
            "product.product",
            "product.template",
            "res.company",
        ):
            self.env[model].flush_model()
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM crm_product_affinity WHERE company_id = %s", company.id))
        cr.execute(
            SQL(
                """
                INSERT INTO crm_product_affinity
                       (company_id, antecedent_categ_id, consequent_categ_id, antecedent_count,
                        customer_count, target_count, support, confidence, lift,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(company)s, antecedent_categ_id, consequent_categ_id, antecedent_count,
                       customer_count, target_count, support, confidence, lift,
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM (%(rules)s) rules
                """,
                company=company.id,
                uid=self.env.uid,
                rules=self._rules_sql(company, as_of),
            )
        )
        self.invalidate_model()

    @api.model
    def _cron_refresh(self):
        """Nightly: one company per call."""
        refresh_next_company(self.env, CRON_POSITION, self.sudo()._refresh_company)
