"""Posted loyalty points per card over all dates, stored for the strategy cockpit.

Invariants:

* one row per card with posted entries: the sums of its `crm.loyalty.month` rows
  (points, issued, redeemed, expired, entries) and whether it ever earned or redeemed
  points (an *active member* of the loyalty economics report);
* written only by `crm.loyalty.month._refresh`, right after the monthly rows and for the
  same cards, in one set-based statement: it always agrees with them;
* nobody's document: read by strategy managers, and through
  `crm.loyalty.economics.card.report` with the loyalty economics report's rules.

The cockpit's loyalty pivot (by tier, over all dates) reads one row per card from here
instead of a row per card, month and entry type: *active members* is a count of distinct
cards, which no monthly sum can give.
"""

from odoo import api, fields, models
from odoo.tools import SQL


class CrmLoyaltyCardTotal(models.Model):
    _name = "crm.loyalty.card.total"
    _description = "Loyalty Points per Card"
    _order = "card_id"
    _log_access = False
    _rec_name = "card_id"

    card_id = fields.Many2one("loyalty.card", required=True, readonly=True, ondelete="cascade")
    program_id = fields.Many2one("loyalty.program", readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, ondelete="cascade")
    entries = fields.Integer(readonly=True)
    points = fields.Float(digits=(16, 2), readonly=True)
    points_issued = fields.Float("Issued", digits=(16, 2), readonly=True)
    points_redeemed = fields.Float("Redeemed", digits=(16, 2), readonly=True)
    points_expired = fields.Float("Expired", digits=(16, 2), readonly=True)
    active_member = fields.Boolean(
        readonly=True, help="The card has points earned or redeemed (on any date)."
    )

    _sql_constraints = [
        ("card_unique", "UNIQUE(card_id)", "A card has one row of loyalty points."),
    ]

    @api.model
    def _rewrite(self, card_ids=None):
        """Rewrite the rows of `card_ids` (default: every card) from the monthly rows."""
        cr = self.env.cr
        scope = SQL()
        if card_ids is None:
            cr.execute("DELETE FROM crm_loyalty_card_total")
        else:
            cr.execute(SQL("DELETE FROM crm_loyalty_card_total WHERE card_id = ANY(%s)", card_ids))
            scope = SQL("WHERE card_id = ANY(%s)", list(card_ids))
        cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_card_total (
                    card_id, program_id, partner_id, company_id, entries, points,
                    points_issued, points_redeemed, points_expired, active_member)
                SELECT card_id, MIN(program_id), MIN(partner_id), MIN(company_id),
                       SUM(entries), SUM(points), SUM(points_issued), SUM(points_redeemed),
                       SUM(points_expired), BOOL_OR(entry_type IN ('earn', 'redeem'))
                  FROM crm_loyalty_month
                       %s
              GROUP BY card_id
                """,
                scope,
            )
        )
        self.invalidate_model()
        return cr.rowcount
