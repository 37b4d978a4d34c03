from odoo import api, fields, models

STRATEGY_USER = "crm_strategy.group_crm_strategy_user"


class ResPartner(models.Model):
    """The customer's spend by product category in the current company."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    category_share_ids = fields.One2many(
        "crm.customer.category.share", "partner_id", "Spend by category", groups=STRATEGY_USER
    )
    favourite_categ_ids = fields.Many2many(
        "product.category",
        string="Favourite categories",
        compute="_compute_favourite_categ_ids",
        search="_search_favourite_categ_ids",
        groups=STRATEGY_USER,
        help="The product categories this customer spends most on in the current company.",
    )

    @api.depends_context("company")
    @api.depends("category_share_ids")
    def _compute_favourite_categ_ids(self):
        shares = self.env["crm.customer.category.share"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("is_favourite", "=", True),
            ]
        )
        by_partner = shares.grouped("partner_id")
        empty = self.env["crm.customer.category.share"]
        for partner in self:
            partner.favourite_categ_ids = by_partner.get(
                partner.commercial_partner_id, empty
            ).categ_id

    def _search_favourite_categ_ids(self, operator, value):
        favourites = [("company_id", "=", self.env.company.id), ("is_favourite", "=", True)]
        if operator in ("=", "in") and not value:
            return [("commercial_partner_id.category_share_ids", "not any", favourites)]
        if operator in ("!=", "not in") and not value:
            return [("commercial_partner_id.category_share_ids", "any", favourites)]
        return [
            (
                "commercial_partner_id.category_share_ids",
                "any",
                [*favourites, ("categ_id", operator, value)],
            )
        ]
