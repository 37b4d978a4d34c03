from odoo import api, fields, models

STRATEGY_USER = "crm_strategy.group_crm_strategy_user"


class CrmLead(models.Model):
    """The customer's cross-sell suggestions, on their opportunities."""

    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    crm_cross_sell_ids = fields.Many2many(
        "crm.product.affinity",
        string="Cross-sell suggestions",
        compute="_compute_crm_cross_sell_ids",
        groups=STRATEGY_USER,
        help="Categories the customer never bought that buyers of what they bought often buy "
        "(in the opportunity's company).",
    )

    @api.depends_context("company")
    @api.depends("partner_id", "company_id")
    def _compute_crm_cross_sell_ids(self):
        Affinity = self.env["crm.product.affinity"]
        for company, leads in self.grouped(
            lambda lead: lead.company_id or self.env.company
        ).items():
            suggestions = leads.partner_id._crm_cross_sell_suggestions(company)
            for lead in leads:
                lead.crm_cross_sell_ids = Affinity.browse(
                    suggestions.get(lead.partner_id.commercial_partner_id.id, [])
                )
