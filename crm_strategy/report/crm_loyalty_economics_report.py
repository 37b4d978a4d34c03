from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_loyalty_month import ISSUING_TYPES


class CrmLoyaltyEconomicsReport(models.Model):
    """The money side of the loyalty programs, read from the points ledger only.

    One row per posted ledger entry. A reversal counts with the type of the entry it
    reverses, on its own date (a cancelled order's earned points are issued, then
    un-issued). Pending and cancelled entries count for nothing.

    * *Outstanding points*: the sum of the posted points (every type): over all dates,
      what members hold now; over dates up to D, what they held at D;
    * *Points liability*: outstanding points x the program's *Value of a Point*;
    * *Issued*, *Redeemed*, *Expired*: the points of the entries of that kind;
    * *Redemption rate (%)* = redeemed / issued (divided from the sums of the group);
    * *Active members*: distinct cards with points earned or redeemed.
    """

    _name = "crm.loyalty.economics.report"
    _inherit = ["crm.ratio.measure.mixin"]
    _description = "Loyalty Economics Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "date"
    _ratio_measures = {"redemption_rate": ("points_redeemed", "points_issued", 100)}

    date = fields.Datetime(readonly=True)
    entry_id = fields.Many2one("crm.loyalty.ledger", "Ledger Entry", readonly=True)
    card_id = fields.Many2one("loyalty.card", readonly=True)
    program_id = fields.Many2one("loyalty.program", readonly=True)
    tier_id = fields.Many2one("crm.loyalty.tier", readonly=True, help="The card's current tier.")
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    entry_type = fields.Selection(
        lambda self: self.env["crm.loyalty.ledger"]._fields["entry_type"].selection,
        "Type",
        readonly=True,
    )
    points = fields.Float("Outstanding Points", digits=(16, 2), readonly=True)
    liability = fields.Monetary("Points Liability", readonly=True)
    points_issued = fields.Float("Issued", digits=(16, 2), readonly=True)
    points_redeemed = fields.Float("Redeemed", digits=(16, 2), readonly=True)
    points_expired = fields.Float("Expired", digits=(16, 2), readonly=True)
    redemption_rate = fields.Float(
        "Redemption Rate (%)",
        digits=(16, 1),
        readonly=True,
        help="Points redeemed / points issued.",
    )
    active_members = fields.Integer(readonly=True, help="Cards with points earned or redeemed.")

    def _read_group_select(self, aggregate_spec, query):
        fname = aggregate_spec.split(":")[0]
        if fname == "active_members":
            return SQL(
                "COUNT(DISTINCT %s) FILTER (WHERE %s = 1)",
                self._field_to_sql(self._table, "card_id", query),
                self._field_to_sql(self._table, fname, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    WITH entries AS (
                        SELECT e.*,
                               CASE WHEN e.entry_type = 'reversal' THEN origin.entry_type
                                    ELSE e.entry_type END AS kind,
                               CASE WHEN e.entry_type = 'reversal' THEN origin.points
                                    ELSE e.points END AS kind_points
                          FROM crm_loyalty_ledger e
                     LEFT JOIN crm_loyalty_ledger origin ON origin.id = e.origin_entry_id
                         WHERE e.state = 'posted'
                    )
                    SELECT e.id,
                           e.id AS entry_id,
                           e.date,
                           e.card_id,
                           e.program_id,
                           card.crm_tier_id AS tier_id,
                           e.partner_id,
                           p.user_id,
                           e.company_id,
                           e.entry_type,
                           e.points,
                           e.points * COALESCE(program.crm_point_value, 0.0) AS liability,
                           CASE WHEN e.kind IN %(issuing)s
                                  OR (e.kind = 'adjust' AND e.kind_points > 0)
                                THEN e.points ELSE 0.0 END AS points_issued,
                           CASE WHEN e.kind = 'redeem' THEN -e.points ELSE 0.0 END
                               AS points_redeemed,
                           CASE WHEN e.kind = 'expire' THEN -e.points ELSE 0.0 END
                               AS points_expired,
                           NULL::float AS redemption_rate,
                           (e.entry_type IN ('earn', 'redeem'))::int AS active_members
                      FROM entries e
                      JOIN loyalty_card card ON card.id = e.card_id
                      JOIN loyalty_program program ON program.id = e.program_id
                 LEFT JOIN res_partner p ON p.id = e.partner_id
                )
                """,
                table=SQL.identifier(self._table),
                issuing=ISSUING_TYPES,
            )
        )
