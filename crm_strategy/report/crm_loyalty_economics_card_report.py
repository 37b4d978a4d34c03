from odoo import models, tools
from odoo.tools import SQL


class CrmLoyaltyEconomicsCardReport(models.Model):
    """The loyalty economics of `crm.loyalty.economics.report` per card over all dates,
    read from the stored `crm.loyalty.card.total` rows (as of their last refresh): the
    strategy cockpit's loyalty pivot reads a row per card, never the entries nor the
    card-months. Same measures (active members: distinct cards that earned or redeemed
    points), same rules (the card holder's salesperson, read at open time, and the card's
    current tier). No date nor entry type: for those, the monthly and entry reports.
    """

    _name = "crm.loyalty.economics.card.report"
    _inherit = "crm.loyalty.economics.report"
    _description = "Loyalty Economics per Card"
    _order = "card_id"
    _rec_name = "card_id"

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec.split(":")[0] == "active_members":
            # one row per card: the distinct cards are the rows, no sort needed
            return SQL(
                "COALESCE(SUM(%s), 0)", self._field_to_sql(self._table, "active_members", query)
            )
        return super()._read_group_select(aggregate_spec, query)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT t.id,
                           NULL::timestamp AS date,
                           NULL::int AS entry_id,
                           t.card_id,
                           t.program_id,
                           card.crm_tier_id AS tier_id,
                           t.partner_id,
                           p.user_id,
                           t.company_id,
                           NULL::varchar AS entry_type,
                           t.points,
                           t.points * COALESCE(program.crm_point_value, 0.0) AS liability,
                           t.points_issued,
                           t.points_redeemed,
                           t.points_expired,
                           NULL::float AS redemption_rate,
                           t.active_member::int AS active_members
                      FROM crm_loyalty_card_total t
                 LEFT JOIN loyalty_card card ON card.id = t.card_id
                 LEFT JOIN loyalty_program program ON program.id = t.program_id
                 LEFT JOIN res_partner p ON p.id = t.partner_id
                )
                """,
                table=SQL.identifier(self._table),
            )
        )
