"""What a customer bought and what to offer them next, in the current company.

- `crm_bought_category_ids`: the product categories the customer bought (a spend share row,
  as of the last customer-value refresh); searchable, so audiences like "bought A, never B"
  are plain domains: [('crm_bought_category_ids', 'in', A), ('crm_bought_category_ids',
  'not in', B)].
- `crm_cross_sell_ids`: "bought X, often also buys Y, never bought it": for each category Y
  the customer never bought, the strongest cross-sell rule from a category they did buy; the
  SUGGESTIONS strongest by lift, then confidence. One query for the whole recordset, through
  the record rules of the spend shares (a rep sees suggestions for the customers whose
  preferences they see).
"""

from odoo import api, fields, models
from odoo.osv.expression import NEGATIVE_TERM_OPERATORS, TERM_OPERATORS_NEGATION
from odoo.tools import SQL

STRATEGY_USER = "crm_strategy.group_crm_strategy_user"
SUGGESTIONS = 5


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    crm_bought_category_ids = fields.Many2many(
        "product.category",
        string="Bought categories",
        compute="_compute_crm_bought_category_ids",
        search="_search_crm_bought_category_ids",
        groups=STRATEGY_USER,
        help="The product categories this customer bought in the current company (as of the "
        "last customer-value refresh).",
    )
    crm_cross_sell_ids = fields.Many2many(
        "crm.product.affinity",
        string="Cross-sell suggestions",
        compute="_compute_crm_cross_sell_ids",
        groups=STRATEGY_USER,
        help="Categories this customer never bought that buyers of what they bought often buy.",
    )

    @api.depends_context("company")
    @api.depends("category_share_ids")
    def _compute_crm_bought_category_ids(self):
        shares = self.env["crm.customer.category.share"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = shares.grouped("partner_id")
        empty = self.env["crm.customer.category.share"]
        for partner in self:
            partner.crm_bought_category_ids = by_partner.get(
                partner.commercial_partner_id, empty
            ).categ_id

    def _search_crm_bought_category_ids(self, operator, value):
        bought = [("company_id", "=", self.env.company.id)]
        if operator in ("=", "in", "!=", "not in") and not value:
            any_ = "not any" if operator in ("=", "in") else "any"
            return [("commercial_partner_id.category_share_ids", any_, bought)]
        any_ = "any"
        if operator in NEGATIVE_TERM_OPERATORS:
            # "not in B": bought none of B (as Odoo reads a negative operator on a many2many)
            any_, operator = "not any", TERM_OPERATORS_NEGATION[operator]
        return [
            (
                "commercial_partner_id.category_share_ids",
                any_,
                [*bought, ("categ_id", operator, value)],
            )
        ]

    @api.depends_context("company")
    @api.depends("category_share_ids")
    def _compute_crm_cross_sell_ids(self):
        suggestions = self._crm_cross_sell_suggestions(self.env.company)
        Affinity = self.env["crm.product.affinity"]
        for partner in self:
            partner.crm_cross_sell_ids = Affinity.browse(
                suggestions.get(partner.commercial_partner_id.id, [])
            )

    def _crm_cross_sell_suggestions(self, company):
        """{commercial partner id: [crm.product.affinity ids, strongest first]} (one query)."""
        partner_ids = [pid for pid in self.commercial_partner_id.ids if pid]
        if not partner_ids:
            return {}
        shares = self.env["crm.customer.category.share"]._search(
            [("partner_id", "in", partner_ids), ("company_id", "=", company.id)]
        )
        rules = self.env["crm.product.affinity"]._search([("company_id", "=", company.id)])
        # The customers' own categories are read once (materialised): the anti-join then
        # runs on a few hundred rows, whatever the statistics of the shares' table right
        # after a refresh.
        rows = self.env.execute_query(
            SQL(
                """
                WITH bought AS MATERIALIZED (
                    SELECT partner_id, categ_id FROM crm_customer_category_share
                     WHERE id IN %(shares)s
                ),
                rules AS MATERIALIZED (
                    SELECT id, antecedent_categ_id, consequent_categ_id, lift, confidence
                      FROM crm_product_affinity
                     WHERE id IN %(rules)s
                ),
                best AS (
                    SELECT DISTINCT ON (b.partner_id, r.consequent_categ_id)
                           b.partner_id, r.id, r.lift, r.confidence
                      FROM bought b
                      JOIN rules r ON r.antecedent_categ_id = b.categ_id
                     WHERE NOT EXISTS (SELECT 1 FROM bought o
                                        WHERE o.partner_id = b.partner_id
                                          AND o.categ_id = r.consequent_categ_id)
                     ORDER BY b.partner_id, r.consequent_categ_id,
                              r.lift DESC, r.confidence DESC, r.id
                ),
                ranked AS (
                    SELECT partner_id, id, lift, confidence,
                           row_number() OVER (PARTITION BY partner_id
                                              ORDER BY lift DESC, confidence DESC, id) AS n
                      FROM best
                )
                SELECT partner_id, ARRAY_AGG(id ORDER BY lift DESC, confidence DESC, id)
                  FROM ranked
                 WHERE n <= %(limit)s
                 GROUP BY partner_id
                """,
                shares=shares.subselect(),
                rules=rules.subselect(),
                limit=SUGGESTIONS,
            )
        )
        return dict(rows)
