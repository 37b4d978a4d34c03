"""Posted loyalty points per card, month and entry type, stored for the strategy cockpit.

Invariants:

* one row per (card, calendar month of the entry date, entry type) with posted entries:
  the sums of their points and of the points they issue, redeem and expire, with the
  rules of the loyalty economics report (`crm.loyalty.economics.report`; both read
  `ISSUING_TYPES` from here);
* posted ledger entries never change (see crm_loyalty_ledger.py): only entries posted
  since the last refresh can change a row, so `_refresh` rewrites the rows of the cards
  that have one, all of them, in one set-based statement;
* only `_refresh` writes the table (as superuser): it is nobody's document.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_loyalty_ledger import CREDIT_TYPES

# entries posted up to this long before the last refresh are read again: a transaction
# that started before the refresh and committed after it posted with an older date
OVERLAP = timedelta(hours=1)
WATERMARK = "crm_strategy.loyalty_month_refreshed"
# entry types that issue points (transfers move points between cards: neither issued
# nor redeemed); a positive adjustment issues, a negative one is neither
ISSUING_TYPES = tuple(t for t in CREDIT_TYPES if t != "transfer_in")


class CrmLoyaltyMonth(models.Model):
    _name = "crm.loyalty.month"
    _description = "Loyalty Points per Card and Month"
    _order = "card_id, month, entry_type"
    _log_access = False
    _rec_name = "month"

    card_id = fields.Many2one("loyalty.card", required=True, readonly=True, ondelete="cascade")
    program_id = fields.Many2one("loyalty.program", readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, ondelete="cascade")
    month = fields.Date(required=True, readonly=True)
    entry_type = fields.Selection(
        lambda self: self.env["crm.loyalty.ledger"]._fields["entry_type"].selection,
        "Type",
        required=True,
        readonly=True,
    )
    entries = fields.Integer(readonly=True)
    points = fields.Float(digits=(16, 2), readonly=True)
    points_issued = fields.Float("Issued", digits=(16, 2), readonly=True)
    points_redeemed = fields.Float("Redeemed", digits=(16, 2), readonly=True)
    points_expired = fields.Float("Expired", digits=(16, 2), readonly=True)

    _sql_constraints = [
        (
            "card_month_type_unique",
            "UNIQUE(card_id, month, entry_type)",
            "A card has one row per month and entry type.",
        ),
    ]

    @api.model
    def _facts_sql(self, card_ids=None):
        scope = SQL()
        if card_ids is not None:
            scope = SQL("AND e.card_id = ANY(%s)", list(card_ids))
        return SQL(
            """
            INSERT INTO crm_loyalty_month (
                card_id, program_id, partner_id, company_id, month, entry_type, entries,
                points, points_issued, points_redeemed, points_expired)
            SELECT card_id, MIN(program_id), MIN(partner_id), MIN(company_id),
                   date_trunc('month', date)::date, entry_type, COUNT(*),
                   SUM(points),
                   SUM(CASE WHEN kind IN %(issuing)s OR (kind = 'adjust' AND kind_points > 0)
                            THEN points ELSE 0.0 END),
                   SUM(CASE WHEN kind = 'redeem' THEN -points ELSE 0.0 END),
                   SUM(CASE WHEN kind = 'expire' THEN -points ELSE 0.0 END)
              FROM (
                    -- a reversal counts with the kind of the entry it reverses: looked up
                    -- for reversals only, never a join of the whole ledger with itself
                    SELECT e.card_id, e.program_id, e.partner_id, e.company_id, e.date,
                           e.entry_type, e.points,
                           CASE WHEN e.entry_type = 'reversal'
                                THEN (SELECT o.entry_type FROM crm_loyalty_ledger o
                                       WHERE o.id = e.origin_entry_id)
                                ELSE e.entry_type END AS kind,
                           CASE WHEN e.entry_type = 'reversal'
                                THEN (SELECT o.points FROM crm_loyalty_ledger o
                                       WHERE o.id = e.origin_entry_id)
                                ELSE e.points END AS kind_points
                      FROM crm_loyalty_ledger e
                     WHERE e.state = 'posted' %(scope)s
                   ) e
          GROUP BY card_id, date_trunc('month', date), entry_type
            """,
            issuing=ISSUING_TYPES,
            scope=scope,
        )

    @api.model
    def _refresh(self, full=False):
        """Rewrite the rows of the cards with entries posted since the last refresh (of
        every card on the first refresh or when `full`). Returns the rows written."""
        cr = self.env.cr
        ICP = self.env["ir.config_parameter"].sudo()
        self.env["crm.loyalty.ledger"].flush_model()
        now = cr.now()
        last = fields.Datetime.to_datetime(ICP.get_param(WATERMARK))
        card_ids = None
        if last and not full:
            cr.execute(
                SQL(
                    """SELECT DISTINCT card_id FROM crm_loyalty_ledger
                        WHERE state = 'posted' AND date_posted >= %s""",
                    last - OVERLAP,
                )
            )
            card_ids = [row[0] for row in cr.fetchall()]
        written = 0
        if card_ids is None:
            cr.execute("DELETE FROM crm_loyalty_month")
        elif card_ids:
            cr.execute(SQL("DELETE FROM crm_loyalty_month WHERE card_id = ANY(%s)", card_ids))
        if card_ids is None or card_ids:
            cr.execute(self._facts_sql(card_ids))
            written = cr.rowcount
            self.env["crm.loyalty.card.total"]._rewrite(card_ids)
        ICP.set_param(WATERMARK, fields.Datetime.to_string(now))
        self.invalidate_model()
        return written

    @api.model
    def _cron_refresh(self):
        """Nightly: one set-based statement over the cards with newly posted entries."""
        self.sudo()._refresh()
        self.env["ir.cron"]._notify_progress(done=1, remaining=0)
