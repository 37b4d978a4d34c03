from odoo import fields, models, tools
from odoo.tools import SQL


class CrmLoyaltyEconomicsMonthReport(models.Model):
    """The loyalty economics of `crm.loyalty.economics.report` per card, month and
    entry type, read from the stored `crm.loyalty.month` rows (as of their last
    refresh) instead of the ledger entries: the strategy cockpit opens it without
    reading every entry. Same measures, same rules (the card holder's salesperson,
    read at open time, and the card's current tier); dates are months.
    """

    _name = "crm.loyalty.economics.month.report"
    _inherit = "crm.loyalty.economics.report"
    _description = "Loyalty Economics per Month"

    date = fields.Date("Month", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT m.id,
                           m.month AS date,
                           NULL::int AS entry_id,
                           m.card_id,
                           m.program_id,
                           card.crm_tier_id AS tier_id,
                           m.partner_id,
                           p.user_id,
                           m.company_id,
                           m.entry_type,
                           m.points,
                           m.points * COALESCE(program.crm_point_value, 0.0) AS liability,
                           m.points_issued,
                           m.points_redeemed,
                           m.points_expired,
                           NULL::float AS redemption_rate,
                           (m.entry_type IN ('earn', 'redeem'))::int AS active_members
                      FROM crm_loyalty_month m
                 LEFT JOIN loyalty_card card ON card.id = m.card_id
                 LEFT JOIN loyalty_program program ON program.id = m.program_id
                 LEFT JOIN res_partner p ON p.id = m.partner_id
                )
                """,
                table=SQL.identifier(self._table),
            )
        )
