from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    # the loyalty side of customers lives with the ledger code (one concept per file)
    _inherit = ["res.partner"]

    crm_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        help="The customer who referred this one: both get the loyalty programs' referral bonus "
        "once this customer's first order is paid.",
    )
    crm_loyalty_points = fields.Float(
        compute="_compute_crm_loyalty", string="Loyalty Points", compute_sudo=True
    )
    crm_loyalty_tier_id = fields.Many2one(
        "crm.loyalty.tier",
        compute="_compute_crm_loyalty",
        search="_search_crm_loyalty_tier_id",
        string="Loyalty Tier",
        compute_sudo=True,
    )
    crm_loyalty_entry_count = fields.Integer(compute="_compute_crm_loyalty", compute_sudo=True)

    def _search_crm_loyalty_tier_id(self, operator, value):
        """Contacts holding a loyalty card of that tier (mailing audiences, filters)."""
        if operator in ("=", "in") and not value:
            return [
                ("id", "not in", self._crm_loyalty_card_partners([("crm_tier_id", "!=", False)]))
            ]
        return [("id", "in", self._crm_loyalty_card_partners([("crm_tier_id", operator, value)]))]

    def _crm_loyalty_card_partners(self, domain):
        cards = (
            self.env["loyalty.card"]
            .sudo()
            ._search(
                [("program_id.program_type", "=", "loyalty"), ("partner_id", "!=", False), *domain]
            )
        )
        return cards.subselect("partner_id")

    def _compute_crm_loyalty(self):
        partners = self.filtered("id")
        cards = self.env["loyalty.card"].search(
            [("partner_id", "in", partners.ids), ("program_id.program_type", "=", "loyalty")]
        )
        counts = dict(
            self.env["crm.loyalty.ledger"]._read_group(
                [("partner_id", "in", partners.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            mine = cards.filtered(lambda c, p=partner: c.partner_id == p)
            partner.crm_loyalty_points = sum(mine.mapped("points"))
            tiers = mine.crm_tier_id.sorted("min_points")
            partner.crm_loyalty_tier_id = tiers[-1:]
            partner.crm_loyalty_entry_count = counts.get(partner, 0)

    @api.constrains("crm_referred_by_id")
    def _check_crm_referred_by(self):
        for partner in self.filtered("crm_referred_by_id"):
            seen = partner
            referrer = partner.crm_referred_by_id
            while referrer:
                if (
                    referrer in seen
                    or referrer.commercial_partner_id == partner.commercial_partner_id
                ):
                    raise ValidationError(
                        self.env._(
                            "%(partner)s cannot be referred by %(referrer)s: a customer cannot "
                            "refer themselves, directly or through a loop of referrals.",
                            partner=partner.display_name,
                            referrer=partner.crm_referred_by_id.display_name,
                        )
                    )
                seen |= referrer
                referrer = referrer.crm_referred_by_id

    def action_crm_loyalty_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_loyalty_ledger_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
